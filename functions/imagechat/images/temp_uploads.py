"""Temporary uploads: uploads/{uid}/{uuid}.{ext}, images a user will attach to a message (a bucket
lifecycle rule expires them; a message copies what it uses into its session)."""

from __future__ import annotations

import uuid

from imagechat.images.storage import ImageStorage, StoredObject
from imagechat.images.urls import uploads_prefix
from imagechat.images.validation import EXTENSIONS, inspect_image


def save_temp_upload(storage: ImageStorage, uid: str, data: bytes) -> StoredObject:
    """Validates and stores a temporary upload under the user's own prefix."""
    info = inspect_image(data, what="The uploaded file")
    path = f"{uploads_prefix(uid)}{uuid.uuid4().hex}.{EXTENSIONS[info.mime_type]}"
    return storage.save(path, data, info.mime_type)
