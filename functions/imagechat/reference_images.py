"""Use cases on a user's reference photos (seed 001's ReferenceImage): the photos an identity
image chat attaches to its first message. Documents users/{uid}/referenceImages/{id}; bytes under
the user's own prefix reference-images/{uid}/{id}.{ext}, checked like every upload."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence

from imagechat import clock, config
from imagechat.deps import Deps
from imagechat.errors import NotFound
from imagechat.identity_schemas import FieldInvalid, ReferenceImageView, UploadReferenceRequest
from imagechat.images.metadata import clean_upload
from imagechat.images.urls import reference_images_prefix
from imagechat.images.validation import EXTENSIONS
from imagechat.store.documents import ReferenceImage

# A start attaches every reference (and the model takes at most 14 images per request).
MAX_REFERENCE_IMAGES = 10
REFERENCE_NOT_FOUND = "Reference image not found."


def view(ref: ReferenceImage) -> ReferenceImageView:
    return ReferenceImageView(
        id=ref.id, image_url=ref.url, storage_path=ref.storage_path, mime_type=ref.mime_type,
        width=ref.width, height=ref.height, created_at=ref.created_at,
    )


def references_hash(refs: Sequence[ReferenceImage]) -> str:
    """SHA-256 over the photos' own hashes, in attachment order (seed 002's reference_images_hash)."""
    return hashlib.sha256("\n".join(r.sha256 for r in refs).encode()).hexdigest() if refs else ""


def upload_reference(deps: Deps, uid: str, data: bytes) -> ReferenceImageView:
    data, info = clean_upload(data, what="The reference image")  # stored without its metadata
    if len(deps.profiles.references(uid)) >= MAX_REFERENCE_IMAGES:
        raise FieldInvalid("file", f"At most {MAX_REFERENCE_IMAGES} reference images; delete one first.")
    ref_id = deps.profiles.new_reference_id(uid)
    stored = deps.images.save(
        f"{reference_images_prefix(uid)}{ref_id}.{EXTENSIONS[info.mime_type]}", data, info.mime_type
    )
    ref = ReferenceImage(
        id=ref_id, storage_path=stored.path, url=stored.public_url, mime_type=info.mime_type,
        width=info.width, height=info.height, sha256=stored.sha256 or hashlib.sha256(data).hexdigest(),
        created_at=clock.now(),
    )
    try:
        deps.profiles.add_reference(uid, ref)
    except BaseException:
        deps.images.delete([stored.path])
        raise
    return view(ref)


def upload_reference_base64(deps: Deps, uid: str, req: UploadReferenceRequest) -> ReferenceImageView:
    payload = req.image_base64.split(",", 1)[1] if req.image_base64.startswith("data:") else req.image_base64
    if not payload.strip():
        raise FieldInvalid("image_base64", "Send the photo as multipart 'file' or as image_base64.")
    if len(payload) > config.MAX_UPLOAD_BYTES * 4 // 3 + 4:
        raise FieldInvalid("image_base64", f"The image is larger than {config.MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        try:
            raw = base64.urlsafe_b64decode(payload)
        except (binascii.Error, ValueError):
            raise FieldInvalid("image_base64", "Must be base64-encoded image bytes.") from None
    return upload_reference(deps, uid, raw)


def list_references(deps: Deps, uid: str) -> list[ReferenceImageView]:
    return [view(ref) for ref in deps.profiles.references(uid)]


def delete_reference(deps: Deps, uid: str, reference_id: str) -> None:
    """Removes the photo; chats that started with it keep their own copy (the session's inputs)."""
    ref = deps.profiles.get_reference(uid, reference_id)
    if ref is None:
        raise NotFound(REFERENCE_NOT_FOUND)
    deps.profiles.delete_reference(uid, ref.id)
    deps.images.delete([ref.storage_path])
