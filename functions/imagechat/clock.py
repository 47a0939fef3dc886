"""The one clock of the backend: every stored timestamp and every expiry check reads it (UTC,
timezone-aware, as Firestore hands timestamps back), so tests can move time in one place."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
