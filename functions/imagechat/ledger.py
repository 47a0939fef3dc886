"""Reading the cost ledger and the quotas (`GET /api/usage`, `getUsage`), and an admin's per-user
limits (`PATCH /api/admin/users/{uid}/limits`, `setUserLimits`)."""

from __future__ import annotations

from datetime import date, timedelta

from imagechat import clock, quotas
from imagechat.auth import Caller
from imagechat.deps import Deps
from imagechat.errors import InvalidArgument, NotFound, PermissionDenied
from imagechat.store.documents import DailyUsage, Usage, UserLimits
from imagechat.store.usage_store import QuotaWindow
from imagechat.usage_schemas import (
    MAX_USAGE_DAYS,
    GetUsageRequest,
    LimitsResponse,
    LimitsView,
    QuotaView,
    SetUserLimitsRequest,
    UsageDay,
    UsageResponse,
    UsageTotals,
)

DEFAULT_RANGE_DAYS = 30
NOT_ADMIN = "Only an admin may set a user's limits."


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(f"{field}: must be a date, YYYY-MM-DD.") from None


def _limits_view(deps: Deps, uid: str, overrides: UserLimits) -> LimitsView:
    limits = quotas.effective_limits(deps, overrides)
    overridden = [name for name, value in (("turnsPerDay", overrides.turns_per_day),
                                           ("turnsPerMinute", overrides.turns_per_minute)) if value is not None]
    return LimitsView(
        user_id=uid, turns_per_day=limits.turns_per_day, turns_per_minute=limits.turns_per_minute,
        overridden=overridden,
    )


def get_usage(deps: Deps, uid: str, req: GetUsageRequest) -> UsageResponse:
    """Per-day rows of the range (UTC, inclusive), their totals, the limits and what is left now."""
    stamp = clock.now()
    last = _day(req.to, "to") if req.to else stamp.date()
    first = _day(req.from_, "from") if req.from_ else last - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if first > last:
        raise InvalidArgument("from: must not be after to.")
    if (last - first).days + 1 > MAX_USAGE_DAYS:
        raise InvalidArgument(f"from: the range is at most {MAX_USAGE_DAYS} days.")
    rows = deps.usage.days(uid, first.isoformat(), last.isoformat())
    window = QuotaWindow.at(stamp)
    state = deps.usage.quota_state(uid, window)
    limits = quotas.effective_limits(deps, state.limits)
    totals = _sum(rows)
    return UsageResponse.model_validate({
        "from": first.isoformat(),
        "to": last.isoformat(),
        "days": [UsageDay.model_validate({**row.model_dump(), "date": row.date}) for row in rows],
        "totals": UsageTotals.model_validate(totals.model_dump()),
        "limits": _limits_view(deps, uid, state.limits),
        "quota": QuotaView(
            used_today=state.day_turns,
            remaining_today=max(0, limits.turns_per_day - state.day_turns),
            day_resets_at=window.day_ends,
            used_this_minute=state.minute_turns,
            remaining_this_minute=max(0, limits.turns_per_minute - state.minute_turns),
            minute_resets_at=window.minute_ends,
        ),
    })


def _sum(rows: list[DailyUsage]) -> DailyUsage:
    sums = {name: sum(getattr(row, name) for row in rows) for name in (*Usage.model_fields, "turns") if name != "date"}
    sums["cost_usd"] = round(sums["cost_usd"], 6)
    return DailyUsage.model_validate(sums)


def set_user_limits(deps: Deps, caller: Caller, uid: str, req: SetUserLimitsRequest) -> LimitsResponse:
    """An admin sets (a number) or clears (null) a user's overrides; fields left out are kept."""
    if not caller.is_admin:
        raise PermissionDenied(NOT_ADMIN)
    if uid != caller.uid and not deps.accounts.exists(uid):
        raise NotFound(f"User {uid} not found.")
    named = req.model_fields_set & {"turns_per_day", "turns_per_minute"}
    changes = {name: getattr(req, name) for name in sorted(named)}
    overrides = deps.usage.set_limits(uid, changes, clock.now(), caller.uid) if changes else deps.usage.limits(uid)
    return LimitsResponse(limits=_limits_view(deps, uid, overrides))
