"""How long a session lives: `expiresAt` = last activity + the TTL, `purgeAt` = `expiresAt` + a grace.

Every write that moves a session's `lastActive` writes both (`SessionLifetime.active_at`), in the
same write, so the daily sweep (lifecycle.py) and Firestore's TTL policy on `purgeAt` always see the
session's latest activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from imagechat.store.documents import Session


@dataclass(frozen=True)
class SessionLifetime:
    ttl: timedelta
    grace: timedelta

    def expiry(self, last_active: datetime) -> tuple[datetime, datetime]:
        """(expiresAt, purgeAt) of a session last active at `last_active`."""
        expires_at = last_active + self.ttl
        return expires_at, expires_at + self.grace

    def active_at(self, stamp: datetime) -> dict[str, Any]:
        """A partial write: the session was last active at `stamp` (and expires accordingly)."""
        expires_at, purge_at = self.expiry(stamp)
        return Session.fields(last_active=stamp, expires_at=expires_at, purge_at=purge_at)


# What tests and tools get without settings: the deployment defaults (config.Settings).
DEFAULT_LIFETIME = SessionLifetime(ttl=timedelta(days=30), grace=timedelta(days=7))
