"""Turn documents (users/{uid}/chatSessions/{sessionId}/turns/{turnId}) and the
end-of-turn commits.

A turn ends with ONE transaction: it checks that the run still holds the session's lease,
then writes the model turn, the user turn's final status, the session's counters, usage, expiry
(`expiresAt`/`purgeAt`, failures included) and lease release, the idempotency record and the
user's daily usage (the cost ledger). So a
reader sees either the whole exchange or none of it, and a run that lost its lease writes nothing.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from google.cloud import firestore

from imagechat import clock
from imagechat.errors import SESSION_CONTENDED, Interrupted, Unavailable
from imagechat.store import paths, transactions, usage_store
from imagechat.store.documents import (
    Attachment,
    InteractionRecord,
    RequestRecord,
    Session,
    StoredError,
    Turn,
    TurnProgress,
    TurnStatus,
    Usage,
)
from imagechat.store.leases import TurnClaim, read_lease
from imagechat.store.lifetimes import DEFAULT_LIFETIME, SessionLifetime

_DELETE_PAGE = 400
_TURN_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def valid_turn_id(turn_id: str) -> bool:
    """Ids this store could have made (anything else is simply not found, never a 500)."""
    return bool(_TURN_ID.match(turn_id)) and not re.fullmatch(r"__.*__", turn_id)


@dataclass(frozen=True)
class ExchangeOutcome:
    """What a finished turn writes (complete or blocked): the user turn's final status, the model
    turn, and the response a retry of the same request id replays (the API's JSON body)."""

    user_status: TurnStatus | None  # None: the user turn keeps its status (a regeneration)
    model_turn: Turn
    response: dict[str, Any]
    new_turns: int = 2  # turn documents this exchange adds (1 for a regeneration)
    # A message's other candidates (siblings of `model_turn`, which becomes the head), written with it.
    other_model_turns: tuple[Turn, ...] = ()


def _total_usage(turns: Sequence[Turn]) -> Usage | None:
    """The usage of these turns added up (one increment per document and transaction)."""
    usages = [t.usage for t in turns if t.usage is not None]
    if not usages:
        return None
    fields = Usage.model_fields
    return Usage.model_validate({name: sum(getattr(u, name) for u in usages) for name in fields})


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
    def __init__(self, db: firestore.Client, lifetime: SessionLifetime = DEFAULT_LIFETIME) -> None:
        self._db = db
        self._lifetime = lifetime

    def list(self, uid: str, session_id: str) -> list[Turn]:
        snaps = paths.turns(self._db, uid, session_id).order_by(Turn.stored_name("index")).stream()
        return [Turn.from_firestore(s.to_dict(), s.id) for s in snaps]

    def interaction_ids(self, uid: str, session_id: str) -> builtins.list[str]:
        """The ids of the interactions Google keeps for this session's model turns (store mode):
        what deleting the session or the account must delete (`gateway.delete_interactions`)."""
        field = Turn.stored_name("interaction")
        snaps = paths.turns(self._db, uid, session_id).select([field]).stream()
        records = [(snap.to_dict() or {}).get(field) for snap in snaps]
        return [InteractionRecord.from_firestore(r).id for r in records if isinstance(r, dict)]

    def get(self, uid: str, session_id: str, turn_id: str) -> Turn | None:
        if not valid_turn_id(turn_id):
            return None
        snap = paths.turns(self._db, uid, session_id).document(turn_id).get()
        return Turn.from_firestore(snap.to_dict(), snap.id) if snap.exists else None

    def get_many(self, uid: str, session_id: str, turn_ids: Sequence[str]) -> dict[str, Turn]:
        """The turns of these ids that exist, in one round trip."""
        turns = paths.turns(self._db, uid, session_id)
        refs = [turns.document(turn_id) for turn_id in dict.fromkeys(turn_ids)]
        return {s.id: Turn.from_firestore(s.to_dict(), s.id) for s in self._db.get_all(refs) if s.exists}

    def texts(self, uid: str, session_id: str, turn_ids: Sequence[str]) -> dict[str, str]:
        """Only the `text` of these turns (a field mask: no attachments or content read)."""
        if not turn_ids:
            return {}
        turns = paths.turns(self._db, uid, session_id)
        refs = [turns.document(turn_id) for turn_id in dict.fromkeys(turn_ids)]
        text = Turn.stored_name("text")
        return {s.id: str(s.get(text) or "") for s in self._db.get_all(refs, field_paths=[text]) if s.exists}

    def answers(self, uid: str, session_id: str, user_turn_id: str) -> builtins.list[Turn]:
        """The model turns that answer this user turn (its regenerations included), oldest first."""
        query = paths.turns(self._db, uid, session_id).where(
            filter=firestore.FieldFilter(Turn.stored_name("parent_id"), "==", user_turn_id)
        )
        return sorted((Turn.from_firestore(s.to_dict(), s.id) for s in query.stream()), key=lambda t: t.index)

    def write_user_turn(self, uid: str, session_id: str, turn: Turn) -> None:
        """The pending user turn, written before the model is called (clients see progress)."""
        paths.turns(self._db, uid, session_id).document(turn.id).set(turn.to_firestore())

    def set_attachments(self, uid: str, session_id: str, turn_id: str, attachments: Sequence[Attachment]) -> None:
        """Points the user turn at the session's own copies of its images."""
        paths.turns(self._db, uid, session_id).document(turn_id).update(Turn.fields(attachments=attachments))

    def set_progress(self, uid: str, session_id: str, claim: TurnClaim, progress: TurnProgress) -> None:
        """Shows a running message's progress on its user turn, only while the run holds the lease
        (else `Interrupted`: a cancelled or taken-over run shows nothing more)."""
        session_ref = paths.session(self._db, uid, session_id)
        turn_ref = paths.turns(self._db, uid, session_id).document(claim.user_turn_id)

        @firestore.transactional
        def attempt(tx: firestore.Transaction) -> None:
            self._check_lease(tx, session_ref, claim.lease_id)
            tx.update(turn_ref, Turn.fields(progress=progress))

        transactions.run(self._db, attempt, exhausted=_contended, what="set progress")

    def commit_exchange(self, uid: str, session_id: str, claim: TurnClaim, outcome: ExchangeOutcome) -> None:
        """Writes the finished exchange in one transaction, only while this run holds the lease
        (else `Interrupted`, or `NotFound` when the session was deleted; nothing is written)."""
        turns = paths.turns(self._db, uid, session_id)
        session_ref = paths.session(self._db, uid, session_id)
        model_turn = outcome.model_turn

        @firestore.transactional
        def attempt(tx: firestore.Transaction) -> None:
            self._check_lease(tx, session_ref, claim.lease_id)
            for written in (model_turn, *outcome.other_model_turns):
                tx.set(turns.document(written.id), written.to_firestore())
            # The run's progress goes with it (a regeneration's user turn keeps its status).
            finished = Turn.fields(progress=firestore.DELETE_FIELD)
            if outcome.user_status is not None:
                finished.update(Turn.fields(status=outcome.user_status))
            tx.update(turns.document(claim.user_turn_id), finished)
            # The session was last active when the model turn was made (the same instant).
            session_update = Session.fields(
                turn_count=firestore.Increment(outcome.new_turns),
                lease=firestore.DELETE_FIELD,
            ) | self._lifetime.active_at(model_turn.created_at or clock.now())
            usage = _total_usage((model_turn, *outcome.other_model_turns))
            if usage is not None:
                session_update.update(Session.usage_increments(usage))
                # The cost ledger: the day the answer was made (UTC), in this same transaction.
                day = (model_turn.created_at or clock.now()).strftime("%Y-%m-%d")
                usage_store.add_usage(self._db, tx, uid, day, usage)
            if model_turn.status == "complete":  # only a complete answer becomes the head
                session_update.update(Session.fields(head_turn_id=model_turn.id))
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
            self._check_lease(tx, session_ref, claim.lease_id)
            session_update = Session.fields(lease=firestore.DELETE_FIELD) | self._lifetime.active_at(clock.now())
            if user_turn_written:
                tx.update(
                    paths.turns(self._db, uid, session_id).document(claim.user_turn_id),
                    Turn.fields(status="failed", error=error, progress=firestore.DELETE_FIELD),
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

    def remove(
        self,
        uid: str,
        session_id: str,
        lease_id: str,
        removed: Sequence[Turn],
        head: Turn | None,
        request_id: str | None,
    ) -> None:
        """Deletes these turns (a subtree, under the deletion's lease), then moves the head, fixes
        the counters and frees the session in one write that checks the lease is still ours."""
        turns = paths.turns(self._db, uid, session_id)
        for start in range(0, len(removed), _DELETE_PAGE):
            batch = self._db.batch()
            for turn in removed[start : start + _DELETE_PAGE]:
                batch.delete(turns.document(turn.id))
            batch.commit()
        session_ref = paths.session(self._db, uid, session_id)
        head_image = head.images[0] if head is not None and head.images else None

        @firestore.transactional
        def attempt(tx: firestore.Transaction) -> None:
            self._check_lease(tx, session_ref, lease_id)
            tx.update(
                session_ref,
                Session.fields(
                    head_turn_id=head.id if head is not None else None,
                    last_image=head_image if head_image is not None else firestore.DELETE_FIELD,
                    turn_count=firestore.Increment(-len(removed)),
                    lease=firestore.DELETE_FIELD,
                )
                | self._lifetime.active_at(clock.now()),
            )
            if request_id:
                tx.set(
                    paths.requests(self._db, uid, session_id).document(request_id),
                    RequestRecord.fields(state="complete", response={}, created_at=clock.now()),
                    merge=True,
                )

        transactions.run(self._db, attempt, exhausted=_contended, what="remove turns")

    # ------------------------------------------------------------ Open in Chat

    def new_id(self, uid: str, session_id: str) -> str:
        """A fresh turn id (nothing written), for a turn whose images are stored before it."""
        return str(paths.turns(self._db, uid, session_id).document().id)

    def write_imported(self, uid: str, session_id: str, turn: Turn) -> None:
        """A new session's imported image (a root model turn, index 0) and the session pointing at
        it (head, `lastImage`, counters), in one batch. The session was just created: no send can
        name it yet, so nothing else writes it meanwhile."""
        batch = self._db.batch()
        batch.set(paths.turns(self._db, uid, session_id).document(turn.id), turn.to_firestore())
        batch.update(
            paths.session(self._db, uid, session_id),
            Session.fields(
                head_turn_id=turn.id,
                last_image=turn.images[0],
                turn_count=firestore.Increment(1),
                next_index=turn.index + 1,
            )
            | self._lifetime.active_at(turn.created_at or clock.now()),
        )
        batch.commit()

    @staticmethod
    def _check_lease(tx: firestore.Transaction, session_ref: firestore.DocumentReference, lease_id: str) -> None:
        """A run whose lease expired and was taken over has been interrupted: the new holder
        already failed its turn, so it must not write anything. A deleted session: NotFound."""
        lease = read_lease(session_ref, tx)
        if lease is None or lease.id != lease_id:
            raise Interrupted()
