"""The Files API cache: geminiFiles/{sha256} (server-only).

Maps the SHA-256 of image bytes to the Gemini file that holds them, so the same bytes
are uploaded once whichever turn or session needs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from google.cloud import firestore

from imagechat import clock
from imagechat.store import paths


@dataclass(frozen=True)
class CachedFile:
    sha256: str
    name: str
    uri: str
    mime_type: str
    expires_at: datetime


class FilesCacheStore:
    def __init__(self, db: firestore.Client) -> None:
        self._db = db

    def get(self, sha256: str) -> CachedFile | None:
        snap = paths.gemini_file(self._db, sha256).get()
        if not snap.exists:
            return None
        doc = snap.to_dict() or {}
        return CachedFile(sha256, doc["name"], doc["uri"], doc["mimeType"], doc["expiresAt"])

    def put(self, entry: CachedFile) -> None:
        paths.gemini_file(self._db, entry.sha256).set(
            {
                "name": entry.name,
                "uri": entry.uri,
                "mimeType": entry.mime_type,
                "expiresAt": entry.expires_at,
                "uploadedAt": clock.now(),
            }
        )

    def forget(self, sha256: str) -> None:
        paths.gemini_file(self._db, sha256).delete()
