"""A user's own documents for the identity image chat: the profile users/{uid} (appearance, the
active `identityChat`) and the reference photos users/{uid}/referenceImages/{id}."""

from __future__ import annotations

import builtins

from google.api_core import exceptions as api_exceptions
from google.cloud import firestore

from imagechat.store import paths
from imagechat.store.documents import IdentityChat, ReferenceImage, UserProfile


def _usable_id(doc_id: str) -> bool:
    return bool(doc_id) and "/" not in doc_id and not doc_id.startswith("__") and doc_id not in (".", "..")


class ProfileStore:
    def __init__(self, db: firestore.Client) -> None:
        self._db = db

    def get(self, uid: str) -> UserProfile:
        """The profile; an empty one when the user has none yet."""
        snap = paths.user(self._db, uid).get()
        return UserProfile.from_firestore(snap.to_dict() if snap.exists else {})

    def set_appearance(self, uid: str, appearance: dict[str, str]) -> None:
        """Replaces the whole map (the profile's other fields stay)."""
        self._replace(uid, {UserProfile.stored_name("appearance"): dict(appearance)})

    def set_identity_chat(self, uid: str, chat: IdentityChat) -> None:
        """Replaces the pointer to the user's active identity chat."""
        self._replace(uid, {UserProfile.stored_name("identity_chat"): chat.to_firestore()})

    def _replace(self, uid: str, values: dict[str, object]) -> None:
        """update() replaces a map field whole (a merge would keep its old keys); a user without a
        profile yet gets one."""
        ref = paths.user(self._db, uid)
        try:
            ref.update(values)
        except api_exceptions.NotFound:
            ref.set(values, merge=True)

    # ------------------------------------------------------------ reference images

    def new_reference_id(self, uid: str) -> str:
        return str(paths.reference_images(self._db, uid).document().id)

    def add_reference(self, uid: str, image: ReferenceImage) -> None:
        paths.reference_images(self._db, uid).document(image.id).set(image.to_firestore())

    def references(self, uid: str) -> builtins.list[ReferenceImage]:
        """Oldest first, ties by id: the stable order they are attached to a start in."""
        snaps = paths.reference_images(self._db, uid).stream()
        found = [ReferenceImage.from_firestore(s.to_dict(), s.id) for s in snaps]
        return sorted(found, key=lambda r: (r.created_at.timestamp() if r.created_at else 0.0, r.id))

    def get_reference(self, uid: str, reference_id: str) -> ReferenceImage | None:
        if not _usable_id(reference_id):
            return None
        snap = paths.reference_images(self._db, uid).document(reference_id).get()
        return ReferenceImage.from_firestore(snap.to_dict(), snap.id) if snap.exists else None

    def delete_reference(self, uid: str, reference_id: str) -> None:
        paths.reference_images(self._db, uid).document(reference_id).delete()
