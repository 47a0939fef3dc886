"""Turn documents (users/{uid}/chatSessions/{sessionId}/turns/{turnId}) and the
end-of-turn commits.

A turn ends with ONE batch: the model turn, the user turn's final status, the session's
counters, usage and lease release, and the idempotency record. So a reader sees either
the whole exchange or none of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from google.cloud import firestore

from imagechat.store import paths
from imagechat.store.leases import TurnClaim
from imagechat.store.session_store import now


@dataclass
class ExchangeOutcome:
    """The documents a finished turn writes (complete or blocked)."""

    user_status: str
    model_turn: dict[str, Any]
    response: dict[str, Any]
    usage: dict[str, int] = field(default_factory=dict)
    last_image: dict[str, Any] | None = None


class TurnStore:
    def __init__(self, db: firestore.Client) -> None:
        self._db = db

    def list(self, uid: str, session_id: str) -> list[dict[str, Any]]:
        snaps = paths.turns(self._db, uid, session_id).order_by("index").stream()
        return [{"id": s.id, **(s.to_dict() or {})} for s in snaps]

    def write_user_turn(self, uid: str, session_id: str, claim: TurnClaim, doc: dict[str, Any]) -> None:
        """The pending user turn, written before the model is called (clients see progress)."""
        ref = paths.turns(self._db, uid, session_id).document(claim.user_turn_id)
        ref.set({**doc, "role": "user", "index": claim.user_index, "status": "pending", "createdAt": now()})

    def commit_exchange(self, uid: str, session_id: str, claim: TurnClaim, outcome: ExchangeOutcome) -> None:
        turns = paths.turns(self._db, uid, session_id)
        stamp = now()
        batch = self._db.batch()
        batch.set(
            turns.document(claim.model_turn_id),
            {**outcome.model_turn, "role": "model", "index": claim.model_index, "createdAt": stamp},
        )
        batch.update(turns.document(claim.user_turn_id), {"status": outcome.user_status})
        session_update: dict[str, Any] = {
            "lastActive": stamp,
            "turnCount": firestore.Increment(2),
            "lease": firestore.DELETE_FIELD,
        }
        for key, value in outcome.usage.items():
            session_update[f"usage.{key}"] = firestore.Increment(value)
        if outcome.last_image is not None:
            session_update["lastImage"] = outcome.last_image
        batch.update(paths.session(self._db, uid, session_id), session_update)
        if claim.request_id:
            batch.set(
                paths.requests(self._db, uid, session_id).document(claim.request_id),
                {"state": "complete", "response": outcome.response},
                merge=True,
            )
        batch.commit()

    def commit_failure(
        self, uid: str, session_id: str, claim: TurnClaim, error: dict[str, str], user_turn_written: bool
    ) -> None:
        """Marks the user turn failed (its input is kept) and frees the session."""
        batch = self._db.batch()
        session_update: dict[str, Any] = {"lastActive": now(), "lease": firestore.DELETE_FIELD}
        if user_turn_written:
            batch.update(
                paths.turns(self._db, uid, session_id).document(claim.user_turn_id),
                {"status": "failed", "error": error},
            )
            session_update["turnCount"] = firestore.Increment(1)
        batch.update(paths.session(self._db, uid, session_id), session_update)
        if claim.request_id:
            batch.set(
                paths.requests(self._db, uid, session_id).document(claim.request_id),
                {"state": "failed", "error": error},
                merge=True,
            )
        batch.commit()
