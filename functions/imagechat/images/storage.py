"""The bucket, as the rest of the backend needs it."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from google.cloud.storage import Bucket
from google.cloud.storage.retry import DEFAULT_RETRY

from imagechat.images.urls import UrlStyle, download_url

TOKEN_KEY = "firebaseStorageDownloadTokens"
SHA256_KEY = "sha256"


@dataclass(frozen=True)
class StoredObject:
    path: str
    public_url: str
    mime_type: str
    size: int
    sha256: str | None


class ImageStorage:
    def __init__(self, bucket: Bucket, style: UrlStyle, *, deadline_s: float = 60.0) -> None:
        """`deadline_s` bounds each operation, its retries included (the client's default is 120 s
        of retries): when Storage is down a turn fails in that time instead of hanging."""
        self._bucket = bucket
        self._style = style
        self._bounded: dict[str, Any] = {"timeout": deadline_s, "retry": DEFAULT_RETRY.with_timeout(deadline_s)}

    @property
    def url_style(self) -> UrlStyle:
        return self._style

    def save(self, path: str, data: bytes, mime_type: str) -> StoredObject:
        """Uploads with a download token (never make_public) and the bytes' SHA-256."""
        token = str(uuid.uuid4())
        digest = hashlib.sha256(data).hexdigest()
        blob = self._bucket.blob(path)
        blob.metadata = {TOKEN_KEY: token, SHA256_KEY: digest}
        blob.upload_from_string(data, content_type=mime_type, **self._bounded)
        return StoredObject(path, download_url(self._style, path, token), mime_type, len(data), digest)

    def copy(self, source: str, path: str) -> StoredObject:
        """A server-side copy (no download, no upload) with its own download token, so the copy's URL
        does not share the original's token."""
        copied = self._bucket.copy_blob(self._bucket.blob(source), self._bucket, path, **self._bounded)
        meta = dict(copied.metadata or {})
        meta[TOKEN_KEY] = str(uuid.uuid4())
        copied.metadata = meta
        copied.patch(**self._bounded)
        return StoredObject(
            path,
            download_url(self._style, path, meta[TOKEN_KEY]),
            copied.content_type or "application/octet-stream",
            int(copied.size or 0),
            meta.get(SHA256_KEY),
        )

    def describe(self, path: str) -> StoredObject | None:
        blob = self._bucket.get_blob(path, **self._bounded)
        if blob is None:
            return None
        meta = blob.metadata or {}
        token = str(meta.get(TOKEN_KEY, "")).split(",")[0]
        return StoredObject(
            path,
            download_url(self._style, path, token),
            blob.content_type or "application/octet-stream",
            int(blob.size or 0),
            meta.get(SHA256_KEY),
        )

    def read(self, path: str) -> bytes:
        # In one read, not 8 KB chunks in a Python loop: a quarter of the CPU on a 4K PNG.
        data: bytes = self._bucket.blob(path).download_as_bytes(single_shot_download=True, **self._bounded)
        return data

    def delete(self, paths: list[str]) -> None:
        """Deletes the objects; one already gone is fine."""
        if paths:
            self._bucket.delete_blobs(paths, on_error=_already_gone, **self._bounded)

    def delete_prefix(self, prefix: str) -> int:
        """Deletes every object under `prefix`; returns how many there were."""
        blobs = list(self._bucket.list_blobs(prefix=prefix, **self._bounded))
        if blobs:
            self._bucket.delete_blobs(blobs, on_error=_already_gone, **self._bounded)
        return len(blobs)

    def delete_older_than(self, prefix: str, before: datetime) -> int:
        """Deletes the objects under `prefix` created before `before`; returns how many."""
        old = [blob for blob in self._bucket.list_blobs(prefix=prefix)
               if blob.time_created is not None and blob.time_created < before]
        if old:
            self._bucket.delete_blobs(old, on_error=_already_gone)
        return len(old)


def _already_gone(_blob: object) -> None:
    """delete_blobs' NotFound handler: an object deleted meanwhile is what we wanted."""
