"""Turn claims: one turn at a time per session, and idempotent retries.

A claim is decided on a plain read of the session document (and the request record) and written
as one batch that holds only if the session document is unchanged since that read. It
- replays the recorded outcome when the request id was seen before (or says it still runs);
  a transient failure (UNAVAILABLE, RESOURCE_EXHAUSTED, INTERNAL) is not final: the retry runs,
- treats a `running` record whose run no longer holds a live lease as interrupted: the run
  crashed or timed out, so its pending user turn is failed (INTERRUPTED) and the retry goes on
  as a new claim — the user's retry runs the turn instead of getting an error forever,
- refuses when another unexpired lease holds the session,
- otherwise writes a lease with an expiry (so a crashed instance cannot lock a session
  forever), reserves two turn indexes, and records the request id as running.

Under load many sends reach one session at once. No transaction means no read locks, so the
contenders never abort each other: exactly one conditional write wins per version of the
session document; each loser reads again, sees the winner's lease and is answered busy. A claim
that keeps losing (the document keeps changing) is answered busy after a few rounds — never as
an error of ours.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from google.api_core import exceptions as api_exceptions
from google.cloud import firestore

from imagechat import clock
from imagechat.errors import (
    NOT_RUNNING,
    REQUEST_ID_REUSED,
    SESSION_NOT_FOUND,
    TRANSIENT_CODES,
    TURN_NOT_FOUND,
    Cancelled,
    FailedPrecondition,
    Interrupted,
    InvalidArgument,
    NotFound,
    SessionBusy,
    StillRunning,
)
from imagechat.store import paths, transactions, usage_store
from imagechat.store.documents import Lease, RequestRecord, Session, StoredError, Turn
from imagechat.store.lifetimes import DEFAULT_LIFETIME, SessionLifetime
from imagechat.store.usage_store import QuotaWindow

# A lease check reads the session's `lease` field only (a field mask): a running turn checks it
# several times (each progress write, the commit, about once a second while the model works), and
# the whole session document need not be decoded, copied and validated for that.
LEASE_ONLY = [Session.stored_name("lease")]


def read_lease(
    session_ref: firestore.DocumentReference, transaction: firestore.Transaction | None = None
) -> Lease | None:
    """The session's lease, read alone (LEASE_ONLY; None: nobody holds the session); a deleted
    session: NotFound."""
    snap = session_ref.get(field_paths=LEASE_ONLY, transaction=transaction)
    if not snap.exists:
        raise NotFound(SESSION_NOT_FOUND)
    stored = (snap.to_dict() or {}).get(LEASE_ONLY[0])
    return Lease.from_firestore(stored) if stored is not None else None


@dataclass(frozen=True)
class TurnClaim:
    """What a send-message run owns while it holds the lease."""

    lease_id: str
    user_turn_id: str
    model_turn_id: str
    user_index: int
    model_index: int
    request_id: str | None
    # The session as the claim read it: the head the run continues from is the one at claim time.
    session: Session
    # The model turns of dead runs this claim took the session from (an expired lease, an earlier
    # attempt of this request): never written, and they can no longer be, so any output a dead run
    # stored under their ids belongs to no turn and is to be removed.
    dead_model_turn_ids: tuple[str, ...] = ()
    # A message with N candidates: the other N-1 model turns, indexes model_index+1, +2, ...
    candidate_turn_ids: tuple[str, ...] = ()

    @property
    def model_turn_ids(self) -> tuple[str, ...]:
        """Every model turn this run may write (one per candidate), in index order."""
        return (self.model_turn_id, *self.candidate_turn_ids)


# Stored on a turn whose run died (crash, timeout) and whose lease expired.
INTERRUPTED = StoredError.of(Interrupted())
# Stored on a turn (and its request record: final, a retry replays it) its user cancelled.
CANCELLED = StoredError.of(Cancelled())


class NotExpired(Exception):
    """The session the sweep was about to delete was active again meanwhile: it is kept."""


@dataclass(frozen=True)
class Replay:
    """The recorded response of an earlier attempt with the same request id."""

    response: dict[str, Any]


def _transient_failure(record: RequestRecord) -> bool:
    """A failure worth running again (model unavailable, quota, internal): not a final outcome."""
    code = record.error.code if record.error is not None else None
    return record.state == "failed" and code in {c.value for c in TRANSIENT_CODES}


def _runs_again(record: RequestRecord, lease: Lease | None, live: bool, request_id: str | None) -> bool:
    """Whether a retry with a known request id runs the turn again instead of replaying: after a
    transient failure, or when the record says `running` but its run no longer holds a live lease
    (the lease is missing, expired, or belongs to another request): that run crashed or timed out."""
    if _transient_failure(record):
        return True
    if record.state != "running":
        return False
    return not live or lease is None or lease.request_id != request_id


def _check_same_payload(record: RequestRecord, payload_hash: str | None) -> None:
    """A request id names one message: reused for another (text, images, options) → refused.
    Records written before hashes were stored carry none and are not checked."""
    recorded = record.payload_hash
    if recorded and payload_hash and recorded != payload_hash:
        raise InvalidArgument(REQUEST_ID_REUSED)


def _replay_or_raise(record: RequestRecord) -> Replay:
    if record.state == "complete":
        return Replay(response=record.response or {})
    if record.state == "failed":
        raise (record.error or StoredError()).to_error()
    raise StillRunning()


class LeaseStore:
    def __init__(self, db: firestore.Client, lifetime: SessionLifetime = DEFAULT_LIFETIME) -> None:
        self._db = db
        self._lifetime = lifetime

    def _read_session(self, session_ref: firestore.DocumentReference) -> firestore.DocumentSnapshot:
        snap = session_ref.get()
        if not snap.exists:
            raise NotFound(SESSION_NOT_FOUND)
        return snap

    def _if_unchanged(self, snap: firestore.DocumentSnapshot) -> Any:
        """The precondition that makes a write of the session lose when it changed since `snap`."""
        return self._db.write_option(last_update_time=snap.update_time)

    def recorded(self, uid: str, session_id: str, request_id: str, payload_hash: str | None = None) -> Replay | None:
        """The final outcome of an earlier attempt with this request id, read before anything
        else is done (a retry must not need its temporary uploads again): a Replay, or the
        recorded final error raised. None when the turn has to be claimed (unknown id, still
        running, or a transient failure); the claim decides authoritatively."""
        snap = paths.requests(self._db, uid, session_id).document(request_id).get()
        record = RequestRecord.from_firestore(snap.to_dict() if snap.exists else None)
        _check_same_payload(record, payload_hash)
        if record.state == "complete" or (record.state == "failed" and not _transient_failure(record)):
            return _replay_or_raise(record)
        return None

    def claim(
        self,
        uid: str,
        session_id: str,
        request_id: str | None,
        ttl_s: float,
        payload_hash: str | None = None,
        *,
        answering: str | None = None,
        quota: QuotaWindow | None = None,
        candidates: int = 1,
    ) -> TurnClaim | Replay:
        """Replays, refuses as busy, or takes the lease. Read plainly, written as one batch
        conditional on the session document being unchanged since the read: every write of a
        request record or of a run's turns also writes the session document, so the condition
        covers everything the decision read. `answering` names an existing user turn to answer
        again (a regeneration): the claim then makes no new user turn. `quota`: the window the
        model call is counted in (quotas.admit), by the same batch — a lost or refused claim
        counts nothing. `candidates`: model calls of the run (a message's variations), each with its own
        model turn id and index reserved here and counted in the quota."""
        session_ref = paths.session(self._db, uid, session_id)
        request_ref = paths.requests(self._db, uid, session_id).document(request_id) if request_id else None
        turns = paths.turns(self._db, uid, session_id)
        user_turn_id, model_turn_id = answering or turns.document().id, turns.document().id
        candidate_turn_ids = tuple(turns.document().id for _ in range(candidates - 1))

        def attempt() -> TurnClaim | Replay:
            snap = self._read_session(session_ref)
            session = Session.from_firestore(snap.to_dict(), snap.id)
            stamp = clock.now()
            lease = session.lease
            live = lease is not None and lease.is_live(stamp)
            record = request_ref.get() if request_ref is not None else None
            previous = RequestRecord.from_firestore(record.to_dict()) if record is not None and record.exists else None
            if previous is not None:
                _check_same_payload(previous, payload_hash)
            if previous is not None and not _runs_again(previous, lease, live, request_id):
                return _replay_or_raise(previous)
            if live:
                raise SessionBusy()
            # Turns left `pending` by dead runs: the expired lease's, and this request's earlier attempt's.
            dead_runs = (lease.user_turn_id if lease else None, previous.user_turn_id if previous else None)
            stale_ids = sorted({t for t in dead_runs if t})
            stale_turns = [ref for ref in (self._pending_turn(uid, session_id, t) for t in stale_ids) if ref]
            dead_outputs = (
                lease.model_turn_id if lease else None,
                *((lease.candidate_turn_ids or ()) if lease else ()),
                previous.model_turn_id if previous else None,
            )
            first = session.next_index
            claim = TurnClaim(
                lease_id=uuid.uuid4().hex,
                user_turn_id=user_turn_id,
                model_turn_id=model_turn_id,
                user_index=first,
                model_index=first + 1,
                request_id=request_id,
                session=session,
                dead_model_turn_ids=tuple(sorted({t for t in dead_outputs if t and t != model_turn_id})),
                candidate_turn_ids=candidate_turn_ids,
            )
            batch = self._db.batch()
            new_lease = Lease(
                id=claim.lease_id,
                user_turn_id=user_turn_id,
                model_turn_id=model_turn_id,
                candidate_turn_ids=candidate_turn_ids or None,
                request_id=request_id,
                expires_at=stamp + timedelta(seconds=ttl_s),
            )
            batch.update(
                session_ref,
                Session.fields(
                    lease=new_lease,
                    next_index=first + 1 + candidates,
                    **({"turn_count": firestore.Increment(len(stale_turns))} if stale_turns else {}),
                ),
                option=self._if_unchanged(snap),
            )
            for stale_turn in stale_turns:
                batch.update(stale_turn, Turn.fields(status="failed", error=INTERRUPTED))
            if lease and lease.request_id and lease.request_id != request_id:
                stale_request = paths.requests(self._db, uid, session_id).document(lease.request_id)
                batch.set(stale_request, RequestRecord.fields(state="failed", error=INTERRUPTED), merge=True)
            if request_ref is not None:
                running = RequestRecord(
                    state="running",
                    user_turn_id=user_turn_id,
                    model_turn_id=model_turn_id,
                    payload_hash=payload_hash,
                    created_at=stamp,
                )
                batch.set(request_ref, running.to_firestore())
            if quota is not None:
                usage_store.count_turn(self._db, batch, uid, quota, candidates)
            transactions.commit_if_unchanged(batch)
            return claim

        return transactions.retry_lost_races(attempt, exhausted=SessionBusy, what="claim")

    def hold_for_delete(
        self, uid: str, session_id: str, ttl_s: float, *, expired_before: datetime | None = None
    ) -> str:
        """Takes the session's lease for a deletion (of the session, or of some turns): refused
        (busy) while a turn runs, and no send can start while objects and documents are being
        deleted. Written conditionally, like a claim. Returns the lease's id. With
        `expired_before` (the lifecycle sweep), a session that was active again since it was found
        expired (its `expiresAt` no longer before that instant) is not taken: `NotExpired`."""
        session_ref = paths.session(self._db, uid, session_id)

        def attempt() -> str:
            snap = self._read_session(session_ref)
            session = Session.from_firestore(snap.to_dict(), snap.id)
            lease = session.lease
            stamp = clock.now()
            if expired_before is not None and (session.expires_at is None or session.expires_at >= expired_before):
                raise NotExpired(session_id)
            if lease is not None and lease.is_live(stamp):
                raise SessionBusy()
            held = Lease(
                id=f"delete-{uuid.uuid4().hex}",
                user_turn_id=lease.user_turn_id if lease else None,
                model_turn_id=lease.model_turn_id if lease else None,
                request_id=lease.request_id if lease else None,
                expires_at=stamp + timedelta(seconds=ttl_s),
            )
            batch = self._db.batch()
            batch.update(session_ref, Session.fields(lease=held), option=self._if_unchanged(snap))
            transactions.commit_if_unchanged(batch)
            return held.id

        return transactions.retry_lost_races(attempt, exhausted=SessionBusy, what="hold for delete")

    def release(self, uid: str, session_id: str, lease_id: str) -> None:
        """Frees the session after an operation that held it failed (if the lease is still ours)."""
        session_ref = paths.session(self._db, uid, session_id)
        snap = session_ref.get()
        lease = Session.from_firestore(snap.to_dict(), snap.id).lease if snap.exists else None
        if lease is not None and lease.id == lease_id:
            # Changed meanwhile: then the lease expires on its own.
            with contextlib.suppress(api_exceptions.GoogleAPICallError):
                session_ref.update(Session.fields(lease=firestore.DELETE_FIELD), option=self._if_unchanged(snap))

    def move_head(self, uid: str, session_id: str, head: Turn | None) -> None:
        """Points the session at another model turn (None: start over), refused (busy) while a
        turn runs: a running send would otherwise continue from a head that is no longer there.
        Written conditionally, like a claim."""
        session_ref = paths.session(self._db, uid, session_id)
        image = head.images[0] if head is not None and head.images else None

        def attempt() -> None:
            snap = self._read_session(session_ref)
            lease = Session.from_firestore(snap.to_dict(), snap.id).lease
            if lease is not None and lease.is_live(clock.now()):
                raise SessionBusy()
            batch = self._db.batch()
            update = Session.fields(
                head_turn_id=head.id if head is not None else None,
                last_image=image if image is not None else firestore.DELETE_FIELD,
            ) | self._lifetime.active_at(clock.now())
            batch.update(session_ref, update, option=self._if_unchanged(snap))
            transactions.commit_if_unchanged(batch)

        transactions.retry_lost_races(attempt, exhausted=SessionBusy, what="move head")

    def holds(self, uid: str, session_id: str, lease_id: str) -> bool:
        """Whether the run holding `lease_id` still holds the session (not cancelled or taken over;
        NotFound when the session was deleted): one read, which a running turn makes about once a
        second while the model works."""
        lease = read_lease(paths.session(self._db, uid, session_id))
        return lease is not None and lease.id == lease_id

    def was_cancelled(self, uid: str, session_id: str, claim: TurnClaim) -> bool:
        """Whether the run that lost `claim`'s lease was cancelled by its user (its user turn, or for a
        regeneration its request record, says so) rather than taken over or crashed."""
        snap = paths.turns(self._db, uid, session_id).document(claim.user_turn_id).get()
        if snap.exists and Turn.from_firestore(snap.to_dict(), snap.id).status == "cancelled":
            return True
        if claim.request_id is None:
            return False
        record = paths.requests(self._db, uid, session_id).document(claim.request_id).get()
        error = RequestRecord.from_firestore(record.to_dict() if record.exists else None).error
        return error is not None and error.code == CANCELLED.code

    def cancel(self, uid: str, session_id: str, turn_id: str) -> Turn:
        """Cancels the running message whose user turn is `turn_id`: frees the session at once and
        marks the turn `cancelled` (its input kept) and its request record failed (final), in one
        batch conditional on the session being unchanged since the read. The run finds its lease
        gone and discards its late result. A `pending` turn whose run died is marked the same way.
        Returns the turn as cancelled (a regeneration's user turn keeps its status: it has answers)."""
        session_ref = paths.session(self._db, uid, session_id)
        turn_ref = paths.turns(self._db, uid, session_id).document(turn_id)

        def attempt() -> Turn:
            snap = self._read_session(session_ref)
            turn_snap = turn_ref.get()
            if not turn_snap.exists:
                raise NotFound(TURN_NOT_FOUND)
            turn = Turn.from_firestore(turn_snap.to_dict(), turn_snap.id)
            lease = Session.from_firestore(snap.to_dict(), snap.id).lease
            running = (
                lease is not None
                and lease.is_live(clock.now())
                and lease.user_turn_id == turn_id
                and not lease.id.startswith("delete-")
            )
            if not running and turn.status != "pending":
                raise FailedPrecondition(NOT_RUNNING)
            batch = self._db.batch()
            session_update = self._lifetime.active_at(clock.now())
            if running:
                session_update.update(Session.fields(lease=firestore.DELETE_FIELD))
                if turn.status != "pending" and turn.progress is not None:  # a regeneration's
                    batch.update(turn_ref, Turn.fields(progress=firestore.DELETE_FIELD))
            if turn.status == "pending":
                turn = turn.model_copy(update={"status": "cancelled", "error": CANCELLED, "progress": None})
                ended = Turn.fields(status="cancelled", error=CANCELLED, progress=firestore.DELETE_FIELD)
                batch.update(turn_ref, ended)
                session_update.update(Session.fields(turn_count=firestore.Increment(1)))
            batch.update(session_ref, session_update, option=self._if_unchanged(snap))
            if running and lease is not None and lease.request_id:
                record = paths.requests(self._db, uid, session_id).document(lease.request_id)
                batch.set(record, RequestRecord.fields(state="failed", error=CANCELLED), merge=True)
            transactions.commit_if_unchanged(batch)
            return turn

        return transactions.retry_lost_races(attempt, exhausted=SessionBusy, what="cancel")

    def _pending_turn(self, uid: str, session_id: str, turn_id: str) -> firestore.DocumentReference | None:
        """The user turn a dead run left `pending`, so that it can be marked failed."""
        ref = paths.turns(self._db, uid, session_id).document(turn_id)
        snap = ref.get()
        return ref if snap.exists and Turn.from_firestore(snap.to_dict(), snap.id).status == "pending" else None
