"""Everything under users/{uid}, whatever its collection: deleting a user's data.

The deletion is recursive over what is stored, not a list of known collections, so a collection
added later (usage, limits, ...) is deleted too."""

from __future__ import annotations

from google.cloud import firestore

from imagechat.store import paths


class UserDataStore:
    def __init__(self, db: firestore.Client) -> None:
        self._db = db

    def delete_all(self, uid: str) -> int:
        """Deletes every document under users/{uid} (at any depth, parents missing or not), then
        users/{uid} itself; returns how many documents it deleted (0 when there was nothing).
        Idempotent: run again after a crash, it deletes what is left."""
        user = paths.user(self._db, uid)
        deleted = sum(self._db.recursive_delete(collection) for collection in user.collections())
        if user.get().exists:
            user.delete()
            deleted += 1
        return deleted
