"""A running message's interim "thought image": chat-images/{uid}/{sessionId}/{userTurnId}-preview.webp,
a downscaled WebP (the progress shows it small), replaced while the model draws and deleted when
the message ends."""

from __future__ import annotations

from imagechat.images.conversion import thumbnail
from imagechat.images.storage import ImageStorage
from imagechat.images.urls import session_prefix
from imagechat.store.documents import Thumbnail


def preview_path(uid: str, session_id: str, user_turn_id: str) -> str:
    return f"{session_prefix(uid, session_id)}{user_turn_id}-preview.webp"


def save_preview(storage: ImageStorage, uid: str, session_id: str, user_turn_id: str, data: bytes) -> Thumbnail:
    small, width, height = thumbnail(data)
    stored = storage.save(preview_path(uid, session_id, user_turn_id), small, "image/webp")
    return Thumbnail(storage_path=stored.path, public_url=stored.public_url, width=width, height=height)
