"""Model outputs: chat-images/{uid}/{sessionId}/{turnId}-{i}.png plus a WebP thumbnail,
and temporary uploads: uploads/{uid}/{uuid}.{ext}."""

from __future__ import annotations

import uuid
from typing import Any

from imagechat.images.storage import ImageStorage, StoredObject
from imagechat.images.urls import session_prefix, uploads_prefix
from imagechat.images.validation import EXTENSIONS, as_png, inspect_image, inspect_output, thumbnail


def save_output(storage: ImageStorage, uid: str, session_id: str, turn_id: str, i: int, data: bytes) -> dict[str, Any]:
    """Stores one output image and its thumbnail; returns the turn's image record."""
    info = inspect_output(data)
    png = as_png(data)
    base = f"{session_prefix(uid, session_id)}{turn_id}-{i}"
    stored = storage.save(f"{base}.png", png, "image/png")
    thumb_bytes, thumb_w, thumb_h = thumbnail(png)
    thumb = storage.save(f"{base}.thumb.webp", thumb_bytes, "image/webp")
    return {
        "storagePath": stored.path,
        "publicUrl": stored.public_url,
        "mimeType": "image/png",
        "width": info.width,
        "height": info.height,
        "sha256": stored.sha256,
        "thumbnail": {"storagePath": thumb.path, "publicUrl": thumb.public_url, "width": thumb_w, "height": thumb_h},
    }


def delete_outputs(storage: ImageStorage, images: list[dict[str, Any]]) -> None:
    """Removes output images (and thumbnails) that no turn will reference."""
    paths = [image["storagePath"] for image in images]
    paths += [image["thumbnail"]["storagePath"] for image in images if image.get("thumbnail")]
    storage.delete(paths)


def save_temp_upload(storage: ImageStorage, uid: str, data: bytes) -> StoredObject:
    """Validates and stores a temporary upload under the user's own prefix."""
    info = inspect_image(data, what="The uploaded file")
    path = f"{uploads_prefix(uid)}{uuid.uuid4().hex}.{EXTENSIONS[info.mime_type]}"
    return storage.save(path, data, info.mime_type)


def delete_session_objects(storage: ImageStorage, uid: str, session_id: str) -> int:
    return storage.delete_prefix(session_prefix(uid, session_id))
