"""Temporary uploads: uploads/{uid}/{uuid}.{ext}, images a user will attach to a message (a bucket
lifecycle rule and the daily sweep remove them after a day; a message copies what it uses into its session)."""

from __future__ import annotations

import uuid
from datetime import datetime

from imagechat import config
from imagechat.images.metadata import clean_upload
from imagechat.images.storage import ImageStorage, StoredObject
from imagechat.images.urls import uploads_prefix
from imagechat.images.validation import EXTENSIONS


def save_temp_upload(storage: ImageStorage, uid: str, data: bytes) -> StoredObject:
    """Validates and stores a temporary upload (without its metadata) under the user's own prefix."""
    data, info = clean_upload(data, what="The uploaded file")
    path = f"{uploads_prefix(uid)}{uuid.uuid4().hex}.{EXTENSIONS[info.mime_type]}"
    return storage.save(path, data, info.mime_type)


def delete_stale_uploads(storage: ImageStorage, before: datetime) -> int:
    """Removes every user's temporary uploads made before `before` (a message copies what it uses,
    so an old upload is only a leftover); returns how many. In production the bucket's lifecycle
    rule (storage-lifecycle.json) does the same; the sweep covers buckets without it and local runs."""
    return storage.delete_older_than(f"{config.UPLOADS_PREFIX}/", before)
