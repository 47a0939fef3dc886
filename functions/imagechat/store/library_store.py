"""The image library's documents: users/{uid}/library/{imageId}."""

from __future__ import annotations

from google.cloud import firestore

from imagechat.store import paths
from imagechat.store.documents import LibraryImage
from imagechat.store.session_store import decode_cursor, encode_cursor, valid_session_id


class LibraryStore:
    def __init__(self, db: firestore.Client) -> None:
        self._db = db

    def new_id(self, uid: str) -> str:
        """A fresh document id (the image's Storage path is named after it before it is stored)."""
        return str(paths.library(self._db, uid).document().id)

    def create(self, uid: str, image: LibraryImage) -> LibraryImage:
        paths.library(self._db, uid).document(image.id).set(image.to_firestore())
        return image

    def get(self, uid: str, image_id: str) -> LibraryImage | None:
        if not valid_session_id(image_id):  # same id rules: auto ids, never __name__
            return None
        snap = paths.library(self._db, uid).document(image_id).get()
        return LibraryImage.from_firestore(snap.to_dict(), snap.id) if snap.exists else None

    def list(self, uid: str, limit: int, cursor: str | None) -> tuple[list[LibraryImage], str | None]:
        """Newest `createdAt` first (ties: id descending); the cursor is the page's last position."""
        query = (
            paths.library(self._db, uid)
            .order_by(LibraryImage.stored_name("created_at"), direction=firestore.Query.DESCENDING)
            .order_by("__name__", direction=firestore.Query.DESCENDING)
        )
        if cursor:
            created_at, image_id = decode_cursor(cursor)
            query = query.start_after([created_at, paths.library(self._db, uid).document(image_id)])
        snaps = list(query.limit(limit + 1).stream())
        page = [LibraryImage.from_firestore(s.to_dict(), s.id) for s in snaps[:limit]]
        next_cursor = None
        if len(snaps) > limit and page[-1].created_at is not None:
            next_cursor = encode_cursor(page[-1].created_at, page[-1].id)
        return page, next_cursor

    def rename(self, uid: str, image_id: str, name: str) -> None:
        paths.library(self._db, uid).document(image_id).update(LibraryImage.fields(name=name))

    def delete(self, uid: str, image_id: str) -> None:
        paths.library(self._db, uid).document(image_id).delete()
