"""Payloads of usage, costs and quotas (issue 14). camelCase on the wire."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from imagechat.schemas import Body, Schema, Usage

_DAY = r"^\d{4}-\d{2}-\d{2}$"
MAX_USAGE_DAYS = 366
MAX_TURN_LIMIT = 1_000_000


class GetUsageRequest(Schema):
    """`GET /api/usage?from=&to=` (UTC days, inclusive; default: the last 30 days)."""

    from_: str | None = Field(default=None, alias="from", pattern=_DAY, description="First day, YYYY-MM-DD.")
    to: str | None = Field(default=None, pattern=_DAY, description="Last day, YYYY-MM-DD (default: today).")


class SetUserLimitsRequest(Body):
    """An admin's overrides: a number sets it, null goes back to the deployment default, absent keeps it."""

    turns_per_day: int | None = Field(default=None, ge=0, le=MAX_TURN_LIMIT, description="Model calls per UTC day.")
    turns_per_minute: int | None = Field(
        default=None, ge=0, le=MAX_TURN_LIMIT, description="Model calls per UTC minute."
    )


class UsageDay(Usage):
    date: str = Field(..., description="The UTC day, YYYY-MM-DD.")
    turns: int = Field(default=0, description="Model calls admitted that day (sends, edits, regenerations, summaries).")


class UsageTotals(Usage):
    turns: int = Field(default=0, description="Model calls admitted over the range.")


class LimitsView(Schema):
    user_id: str = Field(..., description="Whose limits.")
    turns_per_day: int = Field(..., description="Effective limit per UTC day.")
    turns_per_minute: int = Field(..., description="Effective limit per UTC minute.")
    overridden: list[str] = Field(
        default_factory=list, description="Which of the two an admin set for this user (others: the default)."
    )


class QuotaView(Schema):
    used_today: int = Field(..., description="Model calls admitted today (UTC).")
    remaining_today: int = Field(..., description="Left today (never negative).")
    day_resets_at: datetime = Field(..., description="Next UTC midnight.")
    used_this_minute: int = Field(..., description="Model calls admitted this UTC minute.")
    remaining_this_minute: int = Field(..., description="Left this minute (never negative).")
    minute_resets_at: datetime = Field(..., description="Start of the next UTC minute.")


class UsageResponse(Schema):
    from_: str = Field(..., alias="from", description="First day of the range.")
    to: str = Field(..., description="Last day of the range.")
    days: list[UsageDay] = Field(..., description="Days with usage, oldest first (days without any are left out).")
    totals: UsageTotals = Field(..., description="Sums over the range.")
    limits: LimitsView = Field(..., description="The user's effective limits.")
    quota: QuotaView = Field(..., description="What is left now.")


class LimitsResponse(Schema):
    limits: LimitsView = Field(..., description="The user's effective limits after the change.")
