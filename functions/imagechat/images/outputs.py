"""Model outputs: chat-images/{uid}/{sessionId}/{turnId}-{i}.png plus a WebP thumbnail."""

from __future__ import annotations

from imagechat.images.conversion import as_png, thumbnail
from imagechat.images.storage import ImageStorage
from imagechat.images.urls import session_prefix
from imagechat.images.validation import inspect_output
from imagechat.store.documents import OutputImage, Thumbnail


def save_output(storage: ImageStorage, uid: str, session_id: str, turn_id: str, i: int, data: bytes) -> OutputImage:
    """Stores one output image and its thumbnail; returns the turn's image record."""
    info = inspect_output(data)
    png = as_png(data)
    base = f"{session_prefix(uid, session_id)}{turn_id}-{i}"
    stored = storage.save(f"{base}.png", png, "image/png")
    thumb_bytes, thumb_w, thumb_h = thumbnail(png)
    thumb = storage.save(f"{base}.thumb.webp", thumb_bytes, "image/webp")
    return OutputImage(
        storage_path=stored.path,
        public_url=stored.public_url,
        mime_type="image/png",
        width=info.width,
        height=info.height,
        sha256=stored.sha256 or "",
        thumbnail=Thumbnail(storage_path=thumb.path, public_url=thumb.public_url, width=thumb_w, height=thumb_h),
    )
