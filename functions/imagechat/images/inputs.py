"""Images a user puts into a message: temp uploads and references to earlier images.

Each referenced object must lie under the caller's own prefixes; its bytes are checked
with Pillow and copied into the session's folder, so the session owns its inputs
(deleting the session removes them; cleaning temp uploads never breaks history).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from imagechat.errors import InvalidArgument
from imagechat.images.storage import ImageStorage
from imagechat.images.urls import owned_by, session_inputs_prefix, source_kind, storage_path_of
from imagechat.images.validation import EXTENSIONS, ImageInfo, inspect_image
from imagechat.store.documents import Attachment, AttachmentRole


@dataclass(frozen=True)
class InputImage:
    """A resolved reference, validated but not yet copied."""

    source_path: str
    source_url: str
    data: bytes
    info: ImageInfo
    sha256: str  # hex digest of `data`, computed once
    library_id: str | None = None  # a library pick: the library image it came from
    role: AttachmentRole | None = None  # a region edit's crop or whole-image context (region_edits.py)


def resolve_references(storage: ImageStorage, uid: str, ref_urls: list[str]) -> list[InputImage]:
    """Validates every reference, in order, before anything is written."""
    return [resolve_reference(storage, uid, ref, f"refUrls[{i}]") for i, ref in enumerate(ref_urls)]


def resolve_reference(storage: ImageStorage, uid: str, ref: str, field: str) -> InputImage:
    """One reference (a URL or storage path of the user's uploads or outputs), read and checked."""
    path = storage_path_of(storage.url_style, ref)
    if path is None:
        raise InvalidArgument(
            f"{field}: {ref} is not an image stored by this app; upload it first "
            "(POST /api/upload/temp). The server does not fetch other URLs."
        )
    if not owned_by(path, uid):
        raise InvalidArgument(f"{field}: {ref} is not one of your images.")
    source = storage.describe(path)
    if source is None:
        raise InvalidArgument(f"{field}: {ref} does not exist (temporary uploads expire; upload it again).")
    data = storage.read(path)
    info = inspect_image(data, what=field)
    return InputImage(path, source.public_url, data, info, hashlib.sha256(data).hexdigest())


def attachment_of(uid: str, image: InputImage, storage_path: str, url: str, *, pinned: bool = False) -> Attachment:
    """The attachment recording `image` (its copy at `storage_path`): a library pick says so."""
    return Attachment(
        source="library" if image.library_id else source_kind(image.source_path, uid),
        source_path=image.source_path,
        storage_path=storage_path,
        url=url,
        mime_type=image.info.mime_type,
        sha256=image.sha256,
        width=image.info.width,
        height=image.info.height,
        library_id=image.library_id,
        pinned=pinned,
        role=image.role,
    )



def source_attachments(uid: str, images: list[InputImage]) -> list[Attachment]:
    """The user turn's attachments before the copies exist: they point at what the client
    referenced, so the pending turn records the input even if copying it fails."""
    return [attachment_of(uid, image, image.source_path, image.source_url) for image in images]


def store_inputs(
    storage: ImageStorage, uid: str, session_id: str, turn_id: str, images: list[InputImage]
) -> list[Attachment]:
    """Copies the inputs into the session folder; returns the user turn's attachments."""
    attachments = []
    for i, image in enumerate(images):
        ext = EXTENSIONS[image.info.mime_type]
        path = f"{session_inputs_prefix(uid, session_id)}{turn_id}-{i}.{ext}"
        stored = storage.save(path, image.data, image.info.mime_type)
        attachments.append(attachment_of(uid, image, stored.path, stored.public_url))
    return attachments
