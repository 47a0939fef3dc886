"""Model outputs: chat-images/{uid}/{sessionId}/{turnId}-{i}.png plus a WebP thumbnail.

The PNG's upload and the thumbnail (decode, shrink, encode, upload) are independent: they run at
the same time, the upload on a shared pool thread, the thumbnail on the caller's. Pillow and
hashlib release the GIL while they work, so the turn waits for the longer of the two, not the sum
(measured on a realistic 1K output: see README "Performance"). The model's bytes are stored as
they came (a PNG is never re-encoded)."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from imagechat.images.conversion import as_png, thumbnail
from imagechat.images.storage import ImageStorage, StoredObject
from imagechat.images.urls import session_prefix
from imagechat.images.validation import inspect_output
from imagechat.store.documents import OutputImage, Thumbnail

# One pool per instance, shared by its concurrent turns (threads start on demand).
_uploads = ThreadPoolExecutor(max_workers=32, thread_name_prefix="output-upload")


def save_output(storage: ImageStorage, uid: str, session_id: str, turn_id: str, i: int, data: bytes) -> OutputImage:
    """Stores one output image and its thumbnail; returns the turn's image record. If either
    fails, what the other stored is removed and the error raised."""
    info = inspect_output(data)  # before anything is stored: an undecodable output is the model's failure
    png = as_png(data)
    base = f"{session_prefix(uid, session_id)}{turn_id}-{i}"
    upload: Future[StoredObject] = _uploads.submit(storage.save, f"{base}.png", png, "image/png")
    try:
        thumb_bytes, thumb_w, thumb_h = thumbnail(png)
        thumb = storage.save(f"{base}.thumb.webp", thumb_bytes, "image/webp")
    except BaseException:
        _discard(storage, upload)
        raise
    try:
        stored = upload.result()
    except BaseException:
        storage.delete([thumb.path])
        raise
    return OutputImage(
        storage_path=stored.path,
        public_url=stored.public_url,
        mime_type="image/png",
        width=info.width,
        height=info.height,
        sha256=stored.sha256 or "",
        thumbnail=Thumbnail(storage_path=thumb.path, public_url=thumb.public_url, width=thumb_w, height=thumb_h),
    )


def _discard(storage: ImageStorage, upload: Future[StoredObject]) -> None:
    """Waits for an upload whose sibling failed and removes what it stored (no turn will reference it)."""
    try:
        stored = upload.result()
    except Exception:
        return
    storage.delete([stored.path])
