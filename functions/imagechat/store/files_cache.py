"""The Files API cache: geminiFiles/{sha256} (server-only).

Maps the SHA-256 of image bytes to the Gemini file that holds them, so the same bytes
are uploaded once whichever turn or session needs them.
"""

from __future__ import annotations

from datetime import datetime

from google.cloud import firestore

from imagechat.store import paths
from imagechat.store.documents import CachedFile


class FilesCacheStore:
    def __init__(self, db: firestore.Client) -> None:
        self._db = db

    def get(self, sha256: str) -> CachedFile | None:
        snap = paths.gemini_file(self._db, sha256).get()
        return CachedFile.from_firestore(snap.to_dict(), sha256) if snap.exists else None

    def get_many(self, sha256s: list[str]) -> dict[str, CachedFile | None]:
        """The entries of several images in one batched read (None: not cached)."""
        refs = [paths.gemini_file(self._db, sha256) for sha256 in sha256s]
        found: dict[str, CachedFile | None] = dict.fromkeys(sha256s)
        for snap in self._db.get_all(refs):
            if snap.exists:
                found[snap.id] = CachedFile.from_firestore(snap.to_dict(), snap.id)
        return found

    def put(self, entry: CachedFile) -> None:
        paths.gemini_file(self._db, entry.sha256).set(entry.to_firestore())

    def forget(self, sha256: str) -> None:
        paths.gemini_file(self._db, sha256).delete()

    def drop_expired(self, before: datetime, limit: int = 400) -> int:
        """Deletes the entries whose file expires before `before` (past their use), one batch of
        at most `limit` per round until none is left; returns how many."""
        query = paths.files_cache(self._db).where(
            filter=firestore.FieldFilter(CachedFile.stored_name("expires_at"), "<", before)
        )
        dropped = 0
        while True:
            snaps = list(query.limit(limit).stream())
            if not snaps:
                return dropped
            batch = self._db.batch()
            for snap in snaps:
                batch.delete(snap.reference)
            batch.commit()
            dropped += len(snaps)
