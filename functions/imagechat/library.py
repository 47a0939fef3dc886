"""Use cases on the image library: save (new bytes, or one of the user's uploads or outputs),
list, get, rename, delete. users/{uid}/library/{id}, bytes under library/{uid}/.

A message uses library images by `imageIds` or `library://<id>` (references.py); sessions copy
what they use, so deleting a library image never breaks one."""

from __future__ import annotations

import base64
import binascii
import hashlib

from imagechat import clock, config
from imagechat.deps import Deps
from imagechat.errors import InvalidArgument, NotFound
from imagechat.images.inputs import resolve_reference
from imagechat.images.library_images import delete_library_objects, save_library_image
from imagechat.images.metadata import clean_upload
from imagechat.library_schemas import (
    LibraryImageResponse,
    LibraryImageView,
    ListLibraryRequest,
    ListLibraryResponse,
    RenameLibraryImageRequest,
    SaveToLibraryRequest,
)
from imagechat.store.documents import LibraryImage

LIBRARY_IMAGE_NOT_FOUND = "Library image not found."
DEFAULT_NAME = "Image"


def image_view(image: LibraryImage) -> LibraryImageView:
    return LibraryImageView.model_validate(image, from_attributes=True)


def save_to_library(deps: Deps, uid: str, req: SaveToLibraryRequest, data: bytes | None = None) -> LibraryImageResponse:
    """Exactly one source: `data` (bytes, or the request's base64 `data`), `fromUrl` or `storagePath`."""
    sources = [name for name, given in (("file", data is not None or req.data is not None),
                                        ("fromUrl", req.from_url), ("storagePath", req.storage_path)) if given]
    if len(sources) != 1:
        raise InvalidArgument(
            "file: send exactly one of a file (multipart 'file', or base64 'data'), fromUrl or storagePath"
            f" (got {', '.join(sources) or 'none'})."
        )
    default_name = req.file_name or DEFAULT_NAME
    if data is None and req.data is not None:
        data = _decode_base64(req.data)
    if data is not None:
        data, info = clean_upload(data, what="The uploaded file")  # stored without its metadata
    else:
        field = "fromUrl" if req.from_url else "storagePath"
        ref = req.from_url or req.storage_path or ""
        source = resolve_reference(deps.images, uid, ref, field)
        data, info = source.data, source.info
        default_name = source.source_path.rsplit("/", 1)[-1]
    image_id = deps.library.new_id(uid)
    stored, thumb = save_library_image(deps.images, uid, image_id, data, info)
    image = LibraryImage(
        id=image_id,
        name=(req.name or "").strip() or default_name[: config.MAX_LIBRARY_NAME_CHARS],
        mime_type=info.mime_type,
        width=info.width,
        height=info.height,
        sha256=stored.sha256 or hashlib.sha256(data).hexdigest(),
        size=len(data),
        created_at=clock.now(),
        storage_path=stored.path,
        public_url=stored.public_url,
        thumbnail=thumb,
    )
    return LibraryImageResponse(image=image_view(deps.library.create(uid, image)))


def _decode_base64(value: str) -> bytes:
    payload = value.split(",", 1)[1] if value.startswith("data:") else value
    if len(payload) > config.MAX_UPLOAD_BYTES * 4 // 3 + 4:
        raise InvalidArgument(f"data: the image is larger than {config.MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidArgument("data: must be base64-encoded image bytes.") from None


def load_library_image(deps: Deps, uid: str, image_id: str) -> LibraryImage:
    image = deps.library.get(uid, image_id)
    if image is None:
        raise NotFound(LIBRARY_IMAGE_NOT_FOUND)
    return image


def list_library(deps: Deps, uid: str, req: ListLibraryRequest) -> ListLibraryResponse:
    images, next_cursor = deps.library.list(uid, req.limit, req.cursor)
    return ListLibraryResponse(images=[image_view(i) for i in images], next_cursor=next_cursor)


def get_library_image(deps: Deps, uid: str, image_id: str) -> LibraryImageResponse:
    return LibraryImageResponse(image=image_view(load_library_image(deps, uid, image_id)))


def rename_library_image(deps: Deps, uid: str, image_id: str, req: RenameLibraryImageRequest) -> LibraryImageResponse:
    load_library_image(deps, uid, image_id)
    name = req.name.strip()
    if not name:
        raise InvalidArgument("name: must not be blank.")
    deps.library.rename(uid, image_id, name)
    return get_library_image(deps, uid, image_id)


def delete_library_image(deps: Deps, uid: str, image_id: str) -> None:
    """Deletes the document and its bytes; sessions that used it keep their copies."""
    load_library_image(deps, uid, image_id)
    delete_library_objects(deps.images, uid, image_id)
    deps.library.delete(uid, image_id)
