"""Prompt presets: users/{uid}/presets/{presetId}."""

from __future__ import annotations

from google.cloud import firestore

from imagechat.store import paths
from imagechat.store.documents import Preset
from imagechat.store.session_store import valid_session_id


class PresetStore:
    def __init__(self, db: firestore.Client) -> None:
        self._db = db

    def list(self, uid: str, limit: int) -> list[Preset]:
        """Oldest first (the order they were made in)."""
        query = paths.presets(self._db, uid).order_by(Preset.stored_name("created_at")).limit(limit)
        return [Preset.from_firestore(s.to_dict(), s.id) for s in query.stream()]

    def count(self, uid: str) -> int:
        result = paths.presets(self._db, uid).count().get()
        return int(result[0][0].value)

    def get(self, uid: str, preset_id: str) -> Preset | None:
        if not valid_session_id(preset_id):
            return None
        snap = paths.presets(self._db, uid).document(preset_id).get()
        return Preset.from_firestore(snap.to_dict(), snap.id) if snap.exists else None

    def create(self, uid: str, preset: Preset) -> Preset:
        ref = paths.presets(self._db, uid).document()
        ref.set(preset.to_firestore())
        return preset.model_copy(update={"id": ref.id})

    def update(self, uid: str, preset_id: str, *, name: str | None, text: str | None) -> None:
        written = {k: v for k, v in {"name": name, "text": text}.items() if v is not None}
        if written:
            paths.presets(self._db, uid).document(preset_id).update(Preset.fields(**written))

    def delete(self, uid: str, preset_id: str) -> None:
        paths.presets(self._db, uid).document(preset_id).delete()
