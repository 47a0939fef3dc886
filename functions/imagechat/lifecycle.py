"""The data lifecycle: the daily sweep (main.py's scheduled `sweepExpiredData`).

- Expired sessions (`expiresAt` before now: no activity for IMAGECHAT_SESSION_TTL_DAYS) are
  deleted with their turns, request records and Storage objects, through the same code as a
  user's own deletion (`sessions.remove_session`), in batches of `sweep_batch_sessions`, at most
  `sweep_max_batches` per run. A session held by a live lease (a turn running) is skipped; one
  active again since the query found it is kept. The session document goes last, so a run cut
  short (a crash, the batch cap) leaves the rest findable and the next run finishes it.
  Firestore's TTL policy on `purgeAt` (a grace later) deletes only what the sweep missed, and
  only the session document: TTL deletes neither subcollections nor Storage objects.
- Sessions written before `expiresAt` existed, inactive for longer than the TTL, are dated first
  (their `expiresAt` from their `lastActive`), so the same run deletes them.
- Files API cache entries (`geminiFiles`) whose file has expired at Google are dropped.
- Temporary uploads older than a day are removed (the bucket's lifecycle rule does it too).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from firebase_functions import logger

from imagechat import clock, config, sessions
from imagechat.deps import Deps
from imagechat.errors import NotFound, SessionBusy
from imagechat.images.temp_uploads import delete_stale_uploads
from imagechat.sessions import Removed
from imagechat.store.leases import NotExpired


@dataclass(frozen=True)
class SweepReport:
    sessions_deleted: int = 0
    sessions_busy: int = 0  # a turn was running: skipped, the next run gets them
    sessions_kept: int = 0  # active again since they were found expired
    documents: int = 0  # Firestore documents of the deleted sessions (sessions, turns, request records)
    storage_objects: int = 0  # of the deleted sessions
    interactions: int = 0  # stored at Google for the deleted sessions' turns (the Interactions hook)
    gemini_files_dropped: int = 0
    temp_uploads_deleted: int = 0
    complete: bool = True  # False: the batch cap stopped the run with expired sessions left
    legacy_sessions_dated: int = 0  # sessions from before `expiresAt` that got one (then swept if past)


def sweep(
    deps: Deps, now: datetime | None = None, *, max_batches: int | None = None, batch_sessions: int | None = None
) -> SweepReport:
    """One run of the sweep at `now` (default: the clock's); returns and logs what it removed."""
    now = now or clock.now()
    max_batches = max_batches if max_batches is not None else deps.settings.sweep_max_batches
    batch_sessions = batch_sessions or deps.settings.sweep_batch_sessions
    legacy = _date_legacy_sessions(deps, now, max_batches, batch_sessions)
    removed, deleted, busy, kept, complete = Removed(), 0, 0, 0, False
    after = None
    for _ in range(max_batches):
        page = deps.sessions.expired(now, batch_sessions, after)
        for uid, session, _snap in page:
            try:
                removed += sessions.remove_session(deps, uid, session.id, expired_before=now)
                deleted += 1
            except SessionBusy:
                busy += 1
            except NotExpired:
                kept += 1
            except NotFound:  # deleted meanwhile (by its user): nothing left to do
                pass
        if len(page) < batch_sessions:
            complete = True
            break
        after = page[-1][2]  # skipped sessions stay expired: continue after them, not from the start
    report = SweepReport(
        sessions_deleted=deleted,
        sessions_busy=busy,
        sessions_kept=kept,
        documents=removed.documents,
        storage_objects=removed.storage_objects,
        interactions=removed.interactions,
        gemini_files_dropped=deps.files.drop_expired(now),
        temp_uploads_deleted=delete_stale_uploads(deps.images, now - timedelta(seconds=config.TEMP_UPLOAD_MAX_AGE_S)),
        complete=complete,
        legacy_sessions_dated=legacy,
    )
    logger.info("lifecycle sweep", **asdict(report))
    return report


def _date_legacy_sessions(deps: Deps, now: datetime, max_batches: int, batch_sessions: int) -> int:
    """Sessions written before the lifecycle have no `expiresAt`, and a query cannot find a missing
    field: those inactive for longer than the TTL get one from their `lastActive` (already past),
    so the sweep that follows deletes them. Once dated, a session is not dated again."""
    inactive_since = now - timedelta(days=deps.settings.session_ttl_days)
    dated, after = 0, None
    for _ in range(max_batches):
        count, after = deps.sessions.backfill_expiry(inactive_since, batch_sessions * 5, after)
        dated += count
        if after is None:
            break
    return dated
