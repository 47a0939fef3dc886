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

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from google.cloud import firestore

from imagechat import clock
from imagechat.errors import (
    REQUEST_ID_REUSED,
    SESSION_NOT_FOUND,
    TRANSIENT_CODES,
    ImageChatError,
    Interrupted,
    InvalidArgument,
    NotFound,
    SessionBusy,
    StillRunning,
)
from imagechat.store import paths, transactions


@dataclass(frozen=True)
class TurnClaim:
    """What a send-message run owns while it holds the lease."""

    lease_id: str
    user_turn_id: str
    model_turn_id: str
    user_index: int
    model_index: int
    request_id: str | None


# Stored on a turn whose run died (crash, timeout) and whose lease expired.
INTERRUPTED = Interrupted().as_dict()


@dataclass(frozen=True)
class Replay:
    """The recorded response of an earlier attempt with the same request id."""

    response: dict[str, Any]


def _is_live(lease: dict[str, Any] | None, stamp: datetime) -> bool:
    """Whether a lease still holds the session at `stamp` (an expired one is free to take)."""
    return bool(lease and lease.get("expiresAt") and lease["expiresAt"] > stamp)


def _transient_failure(record: dict[str, Any]) -> bool:
    """A failure worth running again (model unavailable, quota, internal): not a final outcome."""
    code = (record.get("error") or {}).get("code")
    return record.get("state") == "failed" and code in {c.value for c in TRANSIENT_CODES}


def _runs_again(record: dict[str, Any], lease: dict[str, Any] | None, live: bool, request_id: str | None) -> bool:
    """Whether a retry with a known request id runs the turn again instead of replaying: after a
    transient failure, or when the record says `running` but its run no longer holds a live lease
    (the lease is missing, expired, or belongs to another request): that run crashed or timed out."""
    if _transient_failure(record):
        return True
    if record.get("state") != "running":
        return False
    return not live or (lease or {}).get("requestId") != request_id


def _check_same_payload(record: dict[str, Any], payload_hash: str | None) -> None:
    """A request id names one message: reused for another (text, images, options) → refused.
    Records written before hashes were stored carry none and are not checked."""
    recorded = record.get("payloadHash")
    if recorded and payload_hash and recorded != payload_hash:
        raise InvalidArgument(REQUEST_ID_REUSED)


def _replay_or_raise(record: dict[str, Any]) -> Replay:
    state = record.get("state")
    if state == "complete":
        return Replay(response=record["response"])
    if state == "failed":
        raise ImageChatError.from_dict(record.get("error") or {})
    raise StillRunning()


class LeaseStore:
    def __init__(self, db: firestore.Client) -> None:
        self._db = db

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
        record = (snap.to_dict() or {}) if snap.exists else {}
        _check_same_payload(record, payload_hash)
        if record.get("state") == "complete" or (record.get("state") == "failed" and not _transient_failure(record)):
            return _replay_or_raise(record)
        return None

    def claim(
        self, uid: str, session_id: str, request_id: str | None, ttl_s: float, payload_hash: str | None = None
    ) -> TurnClaim | Replay:
        """Replays, refuses as busy, or takes the lease. Read plainly, written as one batch
        conditional on the session document being unchanged since the read: every write of a
        request record or of a run's turns also writes the session document, so the condition
        covers everything the decision read."""
        session_ref = paths.session(self._db, uid, session_id)
        request_ref = paths.requests(self._db, uid, session_id).document(request_id) if request_id else None
        turns = paths.turns(self._db, uid, session_id)
        user_turn_id, model_turn_id = turns.document().id, turns.document().id

        def attempt() -> TurnClaim | Replay:
            snap = self._read_session(session_ref)
            session = snap.to_dict() or {}
            stamp = clock.now()
            lease = session.get("lease")
            live = _is_live(lease, stamp)
            record = request_ref.get() if request_ref is not None else None
            previous = (record.to_dict() or {}) if record is not None and record.exists else None
            if previous is not None:
                _check_same_payload(previous, payload_hash)
            if previous is not None and not _runs_again(previous, lease, live, request_id):
                return _replay_or_raise(previous)
            if live:
                raise SessionBusy()
            # Turns left `pending` by dead runs: the expired lease's, and this request's earlier attempt's.
            stale_ids = sorted({t for t in ((lease or {}).get("userTurnId"), (previous or {}).get("userTurnId")) if t})
            stale_turns = [ref for ref in (self._pending_turn(uid, session_id, t) for t in stale_ids) if ref]
            first = int(session.get("nextIndex", 0))
            claim = TurnClaim(
                lease_id=uuid.uuid4().hex,
                user_turn_id=user_turn_id,
                model_turn_id=model_turn_id,
                user_index=first,
                model_index=first + 1,
                request_id=request_id,
            )
            batch = self._db.batch()
            batch.update(
                session_ref,
                {
                    "lease": {
                        "id": claim.lease_id,
                        "userTurnId": user_turn_id,
                        "requestId": request_id,
                        "expiresAt": stamp + timedelta(seconds=ttl_s),
                    },
                    "nextIndex": first + 2,
                    **({"turnCount": firestore.Increment(len(stale_turns))} if stale_turns else {}),
                },
                option=self._if_unchanged(snap),
            )
            for stale_turn in stale_turns:
                batch.update(stale_turn, {"status": "failed", "error": INTERRUPTED})
            if lease and lease.get("requestId") and lease["requestId"] != request_id:
                stale_request = paths.requests(self._db, uid, session_id).document(lease["requestId"])
                batch.set(stale_request, {"state": "failed", "error": INTERRUPTED}, merge=True)
            if request_ref is not None:
                batch.set(
                    request_ref,
                    {
                        "state": "running",
                        "userTurnId": user_turn_id,
                        "modelTurnId": model_turn_id,
                        "payloadHash": payload_hash,
                        "createdAt": stamp,
                    },
                )
            transactions.commit_if_unchanged(batch)
            return claim

        return transactions.retry_lost_races(attempt, exhausted=SessionBusy, what="claim")

    def hold_for_delete(self, uid: str, session_id: str, ttl_s: float) -> None:
        """Takes the session's lease for a deletion: refused (busy) while a turn runs, and no
        send can start while the session's objects and documents are being deleted. Written
        conditionally, like a claim."""
        session_ref = paths.session(self._db, uid, session_id)

        def attempt() -> None:
            snap = self._read_session(session_ref)
            lease = (snap.to_dict() or {}).get("lease")
            stamp = clock.now()
            if _is_live(lease, stamp):
                raise SessionBusy()
            batch = self._db.batch()
            batch.update(
                session_ref,
                {
                    "lease": {
                        "id": f"delete-{uuid.uuid4().hex}",
                        "userTurnId": (lease or {}).get("userTurnId"),
                        "requestId": (lease or {}).get("requestId"),
                        "expiresAt": stamp + timedelta(seconds=ttl_s),
                    }
                },
                option=self._if_unchanged(snap),
            )
            transactions.commit_if_unchanged(batch)

        transactions.retry_lost_races(attempt, exhausted=SessionBusy, what="hold for delete")

    def _pending_turn(self, uid: str, session_id: str, turn_id: str) -> firestore.DocumentReference | None:
        """The user turn a dead run left `pending`, so that it can be marked failed."""
        ref = paths.turns(self._db, uid, session_id).document(turn_id)
        snap = ref.get()
        return ref if snap.exists and (snap.to_dict() or {}).get("status") == "pending" else None
