"""What images a message (or a session's pinned list) names, resolved in order: library picks
(`imageIds`, `library://<id>`), and the caller's uploads and outputs (images/inputs.py).

Every image is read and checked before anything is written; the session then keeps its own copy,
so deleting a library image never breaks a session that used it.
"""

from __future__ import annotations

import hashlib
import uuid

from imagechat import config
from imagechat.deps import Deps
from imagechat.errors import InvalidArgument, NotFound
from imagechat.images.inputs import InputImage, attachment_of, resolve_reference
from imagechat.images.urls import LIBRARY_SCHEME, session_pinned_prefix
from imagechat.images.validation import EXTENSIONS, inspect_image
from imagechat.schemas import SendMessageRequest
from imagechat.store.documents import Attachment, Session


def library_input(deps: Deps, uid: str, image_id: str, field: str) -> InputImage:
    """A library image of the caller's, read and checked; another user's id is a 404."""
    image = deps.library.get(uid, image_id)
    if image is None or deps.images.describe(image.storage_path) is None:
        raise NotFound(f"{field}: library image {image_id!r} not found.")
    data = deps.images.read(image.storage_path)
    info = inspect_image(data, what=field)
    return InputImage(
        image.storage_path, image.public_url, data, info, hashlib.sha256(data).hexdigest(), library_id=image.id
    )


def resolve_image(deps: Deps, uid: str, ref: str, field: str) -> InputImage:
    """`library://<id>`, or an upload or output of the caller's (URL or storage path)."""
    if ref.startswith(LIBRARY_SCHEME):
        image_id = ref[len(LIBRARY_SCHEME) :].strip("/")
        if not image_id:
            raise InvalidArgument(f"{field}: {ref!r} names no library image (library://<id>).")
        return library_input(deps, uid, image_id, field)
    return resolve_reference(deps.images, uid, ref, field)


def resolve_message_images(deps: Deps, uid: str, image_ids: list[str], ref_urls: list[str]) -> list[InputImage]:
    """A message's own images, in order: library picks (`imageIds`) first, then `refUrls`."""
    picks = [library_input(deps, uid, image_id, f"imageIds[{i}]") for i, image_id in enumerate(image_ids)]
    refs = [resolve_image(deps, uid, ref, f"refUrls[{i}]") for i, ref in enumerate(ref_urls)]
    return picks + refs


def check_image_cap(session: Session, req: SendMessageRequest) -> None:
    """The session's pinned references and the message's images together stay within the model's cap."""
    max_images = config.model_spec(session.model).max_input_images
    pinned = len(session.pinned_refs or ())
    own = len(req.ref_urls) + len(req.image_ids)
    region = 0
    if req.mask is not None:  # the crop (in an attachment's place, or added) and the whole image as context
        region = (0 if req.mask.attachment is not None else 1) + (1 if session.region_context else 0)
    if pinned + own + region > max_images:
        counted = " + ".join(
            [f"{pinned} pinned"] * bool(pinned) + [str(own)] + [f"{region} for the region edit"] * bool(region)
        )
        raise InvalidArgument(
            f"refUrls: {session.model} accepts at most {max_images} images per message, "
            f"{'pinned references, ' if pinned else ''}refUrls and imageIds together (got {counted})."
        )


def resolve_pins(deps: Deps, uid: str, refs: list[str]) -> list[InputImage]:
    """A session's pinned references (`library://<id>`, uploads, outputs), read and checked in order."""
    return [resolve_image(deps, uid, ref, f"pinnedRefs[{i}]") for i, ref in enumerate(refs)]


def store_pins(deps: Deps, uid: str, session_id: str, images: list[InputImage]) -> list[Attachment]:
    """Copies the pinned images into the session's folder (temporary uploads expire, library images
    may be deleted); returns the session's `pinnedRefs`."""
    batch = uuid.uuid4().hex[:12]  # a new list never overwrites the copies earlier turns used
    pinned = []
    for i, image in enumerate(images):
        path = f"{session_pinned_prefix(uid, session_id)}{batch}-{i}.{EXTENSIONS[image.info.mime_type]}"
        stored = deps.images.save(path, image.data, image.info.mime_type)
        pinned.append(attachment_of(uid, image, stored.path, stored.public_url, pinned=True))
    return pinned
