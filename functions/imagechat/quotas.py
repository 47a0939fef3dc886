"""Per-user quotas of model calls: turns per UTC day and per UTC minute.

Checked just before a turn is claimed (`admit`): one batched read of the user's limits and of the
day's and minute's counters. The claim's own batch then adds the turn to both counters
(store/usage_store.py), so a refused request writes nothing and a retry of its `requestId` works
once the quota allows. Over the limit → `QuotaExceeded` (429 / resource-exhausted, with
`retryAfterSeconds`), never `SessionBusy`.

The read and the increment are not one transaction (that would serialise a user's sessions on one
hot document): claims of the same user that pass the check at the same moment are all admitted.
Only one claim per session can hold its lease, so the over-admission of a window is at most the
number of the user's *other* sessions claimed in that instant (in practice 0–2 turns).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from imagechat import clock
from imagechat.deps import Deps
from imagechat.errors import QuotaExceeded
from imagechat.store.documents import UserLimits
from imagechat.store.usage_store import QuotaState, QuotaWindow

TIME_FORMAT = "%Y-%m-%d %H:%M UTC"


def daily_limit_reached(resets_at: datetime) -> str:
    return f"Daily limit reached; it resets at {resets_at.strftime(TIME_FORMAT)}."


def minute_limit_reached(retry_at: datetime) -> str:
    return f"Too many turns this minute; try again at {retry_at.strftime(TIME_FORMAT)}."


@dataclass(frozen=True)
class Limits:
    """A user's effective limits: their overrides, else the deployment's defaults."""

    turns_per_day: int
    turns_per_minute: int


def effective_limits(deps: Deps, overrides: UserLimits) -> Limits:
    return Limits(
        turns_per_day=deps.settings.turns_per_day if overrides.turns_per_day is None else overrides.turns_per_day,
        turns_per_minute=(
            deps.settings.turns_per_minute if overrides.turns_per_minute is None else overrides.turns_per_minute
        ),
    )


def _seconds_until(end: datetime, stamp: datetime) -> int:
    return max(1, math.ceil((end - stamp).total_seconds()))


def refusal(
    limits: Limits, state: QuotaState, window: QuotaWindow, stamp: datetime, calls: int = 1
) -> QuotaExceeded | None:
    """Why `calls` more model calls are refused now, if they are (the day's limit first: it lasts
    longer). A message with N candidates is N calls: all of them must fit."""
    if state.day_turns + calls > limits.turns_per_day:
        return QuotaExceeded(daily_limit_reached(window.day_ends), _seconds_until(window.day_ends, stamp))
    if state.minute_turns + calls > limits.turns_per_minute:
        return QuotaExceeded(minute_limit_reached(window.minute_ends), _seconds_until(window.minute_ends, stamp))
    return None


def admit(deps: Deps, uid: str, calls: int = 1) -> QuotaWindow:
    """The window `calls` more model calls of `uid` count in; `QuotaExceeded` when over a limit.
    Counts nothing: the caller adds the call to the counters (the claim's batch, or
    `UsageStore.record_call`)."""
    stamp = clock.now()
    window = QuotaWindow.at(stamp)
    state = deps.usage.quota_state(uid, window)
    refused = refusal(effective_limits(deps, state.limits), state, window, stamp, calls)
    if refused is not None:
        raise refused
    return window
