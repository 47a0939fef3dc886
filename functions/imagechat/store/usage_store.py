"""Quota counters and the cost ledger (users/{uid}/usage/{day}, users/{uid}/quota/minute-*,
users/{uid}/settings/limits).

Counters are only ever added to (`firestore.Increment`, written blind with merge): no read locks
and no transaction, so a user's sessions never wait on each other for them. The quota check is a
plain batched read (`quota_state`) before a claim; the claim's own batch adds the turn to the
day's and the minute's counters (`count_turn`), so a refused or lost claim counts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from google.cloud import firestore
from google.cloud.firestore_v1.field_path import FieldPath

from imagechat.store import paths
from imagechat.store.documents import DailyUsage, MinuteCount, Usage, UserLimits


@dataclass(frozen=True)
class QuotaWindow:
    """The UTC day and minute a model call is counted in, and when each ends."""

    day: str  # YYYY-MM-DD
    minute: str  # YYYYMMDDHHMM
    day_ends: datetime
    minute_ends: datetime

    @classmethod
    def at(cls, stamp: datetime) -> QuotaWindow:
        minute_start = stamp.replace(second=0, microsecond=0)
        day_start = minute_start.replace(hour=0, minute=0)
        return cls(
            day=stamp.strftime("%Y-%m-%d"),
            minute=stamp.strftime("%Y%m%d%H%M"),
            day_ends=day_start + timedelta(days=1),
            minute_ends=minute_start + timedelta(minutes=1),
        )


@dataclass(frozen=True)
class QuotaState:
    """What the quota check reads, in one round trip."""

    limits: UserLimits
    day_turns: int
    minute_turns: int


def _turn_counts(window: QuotaWindow, calls: int = 1) -> tuple[dict[str, object], dict[str, object]]:
    """The day's and the minute's increments for `calls` more model calls."""
    day = DailyUsage.fields(turns=firestore.Increment(calls))
    minute = MinuteCount.fields(turns=firestore.Increment(calls), expires_at=window.minute_ends + timedelta(days=1))
    return day, minute


def count_turn(
    db: firestore.Client, batch: firestore.WriteBatch, uid: str, window: QuotaWindow, calls: int = 1
) -> None:
    """Adds `calls` model calls (a message's candidates) to the day's and the minute's counters,
    in the caller's batch."""
    day, minute = _turn_counts(window, calls)
    batch.set(paths.usage_day(db, uid, window.day), day, merge=True)
    batch.set(paths.quota_minute(db, uid, window.minute), minute, merge=True)


def add_usage(db: firestore.Client, writer: firestore.Transaction | firestore.WriteBatch, uid: str, day: str,
              usage: Usage) -> None:
    """Adds a call's usage and cost to the day's totals, in the caller's transaction or batch."""
    writer.set(paths.usage_day(db, uid, day), usage.increments(), merge=True)


class UsageStore:
    def __init__(self, db: firestore.Client) -> None:
        self._db = db

    def quota_state(self, uid: str, window: QuotaWindow) -> QuotaState:
        """The user's limits and this day's and minute's counts: one batched read."""
        refs = [
            paths.user_limits(self._db, uid),
            paths.usage_day(self._db, uid, window.day),
            paths.quota_minute(self._db, uid, window.minute),
        ]
        found = {s.reference.path: s.to_dict() for s in self._db.get_all(refs) if s.exists}
        limits, day, minute = (found.get(ref.path) for ref in refs)
        return QuotaState(
            limits=UserLimits.from_firestore(limits),
            day_turns=DailyUsage.from_firestore(day).turns,
            minute_turns=MinuteCount.from_firestore(minute).turns,
        )

    def record_call(self, uid: str, window: QuotaWindow, usage: Usage) -> None:
        """A model call outside a turn (a project summary): counted and its usage added, one batch."""
        batch = self._db.batch()
        count_turn(self._db, batch, uid, window)
        add_usage(self._db, batch, uid, window.day, usage)
        batch.commit()

    def days(self, uid: str, first: str, last: str) -> list[DailyUsage]:
        """The usage documents of the days first..last (YYYY-MM-DD, inclusive), oldest first."""
        collection = paths.usage_days(self._db, uid)
        doc_id = FieldPath.document_id()
        query = (
            collection.where(filter=firestore.FieldFilter(doc_id, ">=", collection.document(first)))
            .where(filter=firestore.FieldFilter(doc_id, "<=", collection.document(last)))
            .order_by(doc_id)
        )
        return [DailyUsage.from_firestore(s.to_dict(), s.id) for s in query.stream()]

    def limits(self, uid: str) -> UserLimits:
        snap = paths.user_limits(self._db, uid).get()
        return UserLimits.from_firestore(snap.to_dict() if snap.exists else None)

    def set_limits(self, uid: str, changes: dict[str, int | None], stamp: datetime, by: str) -> UserLimits:
        """Sets (an int) or clears (None) overrides; fields not named keep their value."""
        update = UserLimits.fields(
            **{name: firestore.DELETE_FIELD if value is None else value for name, value in changes.items()},
            updated_at=stamp,
            updated_by=by,
        )
        ref = paths.user_limits(self._db, uid)
        ref.set(update, merge=True)
        snap = ref.get()
        return UserLimits.from_firestore(snap.to_dict() if snap.exists else None)
