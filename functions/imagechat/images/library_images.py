"""The library's bytes: library/{uid}/{imageId}.{ext} and library/{uid}/{imageId}.thumb.webp."""

from __future__ import annotations

from imagechat.images.conversion import thumbnail
from imagechat.images.storage import ImageStorage, StoredObject
from imagechat.images.urls import library_prefix
from imagechat.images.validation import EXTENSIONS, ImageInfo
from imagechat.store.documents import Thumbnail


def save_library_image(
    storage: ImageStorage, uid: str, image_id: str, data: bytes, info: ImageInfo
) -> tuple[StoredObject, Thumbnail]:
    """Stores a (validated) image and its WebP thumbnail under the user's library prefix."""
    base = f"{library_prefix(uid)}{image_id}"
    stored = storage.save(f"{base}.{EXTENSIONS[info.mime_type]}", data, info.mime_type)
    thumb_bytes, width, height = thumbnail(data)
    thumb = storage.save(f"{base}.thumb.webp", thumb_bytes, "image/webp")
    return stored, Thumbnail(storage_path=thumb.path, public_url=thumb.public_url, width=width, height=height)


def delete_library_objects(storage: ImageStorage, uid: str, image_id: str) -> None:
    """The image's bytes and thumbnail (sessions that used it keep their own copies)."""
    storage.delete_prefix(f"{library_prefix(uid)}{image_id}.")
