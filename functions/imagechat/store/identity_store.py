"""The identity catalog: identities/{identityId} (seed 001's Identity)."""

from __future__ import annotations

import builtins

from google.cloud import firestore

from imagechat import clock
from imagechat.store import paths
from imagechat.store.documents import Identity


def _usable_id(doc_id: str) -> bool:
    return bool(doc_id) and "/" not in doc_id and not doc_id.startswith("__") and doc_id not in (".", "..")


class IdentityStore:
    def __init__(self, db: firestore.Client) -> None:
        self._db = db

    def create(self, identity: Identity) -> Identity:
        ref = paths.identities(self._db).document()
        ref.set(identity.to_firestore())
        return identity.model_copy(update={"id": ref.id})

    def get(self, identity_id: str) -> Identity | None:
        if not _usable_id(identity_id):
            return None
        snap = paths.identities(self._db).document(identity_id).get()
        return Identity.from_firestore(snap.to_dict(), snap.id) if snap.exists else None

    def list(self, limit: int = 500) -> builtins.list[Identity]:
        """By name (the catalog is small: one page)."""
        query = paths.identities(self._db).order_by(Identity.stored_name("name")).limit(limit)
        return [Identity.from_firestore(s.to_dict(), s.id) for s in query.stream()]

    def update(self, identity_id: str, **fields: object) -> None:
        changes = {name: value for name, value in fields.items() if value is not None}
        paths.identities(self._db).document(identity_id).update(Identity.fields(**changes, updated_at=clock.now()))

    def delete(self, identity_id: str) -> None:
        paths.identities(self._db).document(identity_id).delete()
