"""Turn documents (users/{uid}/chatSessions/{sessionId}/turns/{turnId}) and the
end-of-turn commits.

A turn ends with ONE transaction: it checks that the run still holds the session's lease,
then writes the model turn, the user turn's final status, the session's counters, usage and
lease release, and the idempotency record. So a reader sees either the whole exchange or
none of it, and a run that lost its lease writes nothing.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from google.cloud import firestore

from imagechat import clock
from imagechat.errors import SESSION_CONTENDED, SESSION_NOT_FOUND, Interrupted, NotFound, Unavailable
from imagechat.store import paths, transactions
from imagechat.store.documents import Attachment, RequestRecord, Session, StoredError, Turn, TurnStatus
from imagechat.store.leases import TurnClaim


@dataclass(frozen=True)
class ExchangeOutcome:
    """What a finished turn writes (complete or blocked): the user turn's final status, the model
    turn, and the response a retry of the same request id replays (the API's JSON body)."""

    user_status: TurnStatus
    model_turn: Turn
    response: dict[str, Any]


def document_size(value: Any) -> int:
    """A document's stored size by Firestore's rules (strings: UTF-8 bytes + 1; numbers, dates: 8;
    booleans, null: 1; map entries: the key's size plus the value's), without the name overhead."""
    if isinstance(value, str):
        return len(value.encode("utf-8")) + 1
    if isinstance(value, bytes):
        return len(value)
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, dict):
        return sum(len(str(key).encode("utf-8")) + 1 + document_size(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return sum(document_size(item) for item in value)
    return 8  # int, float, timestamp, sentinels


def _contended() -> Unavailable:
    """A commit that kept losing to contention: not saved, and worth sending again (transient)."""
    return Unavailable(SESSION_CONTENDED)


class TurnStore:
    def __init__(self, db: firestore.Client) -> None:
        self._db = db

    def list(self, uid: str, session_id: str) -> list[Turn]:
        snaps = paths.turns(self._db, uid, session_id).order_by(Turn.stored_name("index")).stream()
        return [Turn.from_firestore(s.to_dict(), s.id) for s in snaps]

    def newest_before(self, uid: str, session_id: str, index: int, limit: int) -> builtins.list[Turn]:
        """The `limit` newest turns below `index`, oldest first: one bounded query per send
        (single-field index on `index`; no composite index needed)."""
        order = Turn.stored_name("index")
        query = (
            paths.turns(self._db, uid, session_id)
            .where(filter=firestore.FieldFilter(order, "<", index))
            .order_by(order, direction=firestore.Query.DESCENDING)
            .limit(limit)
        )
        turns = [Turn.from_firestore(s.to_dict(), s.id) for s in query.stream()]
        turns.reverse()
        return turns

    def write_user_turn(self, uid: str, session_id: str, turn: Turn) -> None:
        """The pending user turn, written before the model is called (clients see progress)."""
        paths.turns(self._db, uid, session_id).document(turn.id).set(turn.to_firestore())

    def set_attachments(self, uid: str, session_id: str, turn_id: str, attachments: Sequence[Attachment]) -> None:
        """Points the user turn at the session's own copies of its images."""
        paths.turns(self._db, uid, session_id).document(turn_id).update(Turn.fields(attachments=attachments))

    def commit_exchange(self, uid: str, session_id: str, claim: TurnClaim, outcome: ExchangeOutcome) -> None:
        """Writes the finished exchange in one transaction, only while this run holds the lease
        (else `Interrupted`, or `NotFound` when the session was deleted; nothing is written)."""
        turns = paths.turns(self._db, uid, session_id)
        session_ref = paths.session(self._db, uid, session_id)
        model_turn = outcome.model_turn

        @firestore.transactional
        def attempt(tx: firestore.Transaction) -> None:
            self._check_lease(tx, session_ref, claim)
            tx.set(turns.document(claim.model_turn_id), model_turn.to_firestore())
            tx.update(turns.document(claim.user_turn_id), Turn.fields(status=outcome.user_status))
            # The session was last active when the model turn was made (the same instant).
            session_update = Session.fields(
                last_active=model_turn.created_at or clock.now(),
                turn_count=firestore.Increment(2),
                lease=firestore.DELETE_FIELD,
            )
            if model_turn.usage is not None:
                session_update.update(Session.usage_increments(model_turn.usage))
            if model_turn.images:
                session_update.update(Session.fields(last_image=model_turn.images[0]))
            tx.update(session_ref, session_update)
            if claim.request_id:
                tx.set(
                    paths.requests(self._db, uid, session_id).document(claim.request_id),
                    RequestRecord.fields(state="complete", response=outcome.response),
                    merge=True,
                )

        transactions.run(self._db, attempt, exhausted=_contended, what="commit exchange")

    def commit_failure(
        self, uid: str, session_id: str, claim: TurnClaim, error: StoredError, user_turn_written: bool
    ) -> None:
        """Marks the user turn failed (its input is kept) and frees the session, only while this
        run holds the lease (else `Interrupted`, and nothing is written)."""
        session_ref = paths.session(self._db, uid, session_id)

        @firestore.transactional
        def attempt(tx: firestore.Transaction) -> None:
            self._check_lease(tx, session_ref, claim)
            session_update = Session.fields(last_active=clock.now(), lease=firestore.DELETE_FIELD)
            if user_turn_written:
                tx.update(
                    paths.turns(self._db, uid, session_id).document(claim.user_turn_id),
                    Turn.fields(status="failed", error=error),
                )
                session_update.update(Session.fields(turn_count=firestore.Increment(1)))
            tx.update(session_ref, session_update)
            if claim.request_id:
                tx.set(
                    paths.requests(self._db, uid, session_id).document(claim.request_id),
                    RequestRecord.fields(state="failed", error=error),
                    merge=True,
                )

        transactions.run(self._db, attempt, exhausted=_contended, what="commit failure")

    @staticmethod
    def _check_lease(tx: firestore.Transaction, session_ref: firestore.DocumentReference, claim: TurnClaim) -> None:
        """A run whose lease expired and was taken over has been interrupted: the new holder
        already failed its turn, so it must not write anything. A deleted session: NotFound."""
        snap = session_ref.get(transaction=tx)
        if not snap.exists:
            raise NotFound(SESSION_NOT_FOUND)
        lease = Session.from_firestore(snap.to_dict(), snap.id).lease
        if lease is None or lease.id != claim.lease_id:
            raise Interrupted()
