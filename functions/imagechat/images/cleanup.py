"""Deleting images: the outputs of a run that no turn will reference, and a deleted session's folder."""

from __future__ import annotations

from typing import Any

from imagechat.images.storage import ImageStorage
from imagechat.images.urls import session_prefix


def delete_outputs(storage: ImageStorage, images: list[dict[str, Any]]) -> None:
    """Removes output images (and thumbnails) that no turn will reference."""
    paths = [image["storagePath"] for image in images]
    paths += [image["thumbnail"]["storagePath"] for image in images if image.get("thumbnail")]
    storage.delete(paths)


def delete_session_objects(storage: ImageStorage, uid: str, session_id: str) -> int:
    """Everything a session owns in Storage: its input copies, outputs and thumbnails."""
    return storage.delete_prefix(session_prefix(uid, session_id))
