"""Which earlier turns a send replays to the model (gemini/contents.py decides how they look).

- Only complete exchanges (a complete user turn followed by its complete model turn) go
  back to the model; failed, blocked and pending turns are left out.
- Only the newest `window` exchanges are sent, to bound the request size; and of those, only
  as many of the newest as fit the model's image cap (history images plus the new message's
  images; the 3.x models reject a request with more than 14): older exchanges are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from imagechat.store.documents import Exchange, Turn

# Turns read per send beyond two per exchange of the window: room for failed and blocked sends
# (one or two turns each) among the newest, so they do not shrink the history much.
SLACK_TURNS = 20


def turns_to_read(window: int) -> int:
    """How many of the newest turns a send reads to rebuild a `window`-exchange history."""
    return 2 * max(window, 0) + SLACK_TURNS


def complete_exchanges(turns: Sequence[Turn]) -> list[Exchange]:
    """Pairs each complete user turn with the complete model turn right after it."""
    ordered = sorted(turns, key=lambda t: t.index)
    return [
        Exchange(user, model)
        for user, model in pairwise(ordered)
        if user.role == "user"
        and model.role == "model"
        and user.status == "complete"
        and model.status == "complete"
        and model.index == user.index + 1
    ]


def exchange_images(exchange: Exchange) -> int:
    """How many image parts an exchange puts into a request."""
    attached = len(exchange.user.attachments)
    model = exchange.model
    if model.content:
        return attached + sum(1 for entry in model.content if entry.image is not None)
    return attached + len(model.images)


def newest_that_fit(exchanges: Sequence[Exchange], image_budget: int) -> list[Exchange]:
    """The newest exchanges whose images fit the budget, oldest first (older ones are dropped)."""
    kept: list[Exchange] = []
    used = 0
    for exchange in reversed(exchanges):
        used += exchange_images(exchange)
        if used > image_budget:
            break
        kept.append(exchange)
    kept.reverse()
    return kept


def exchanges_to_replay(turns: Sequence[Turn], window: int, image_budget: int | None = None) -> list[Exchange]:
    """The newest `window` complete exchanges, and of those the newest whose images fit
    `image_budget` (None: no cap), oldest first."""
    exchanges = complete_exchanges(turns)[-window:] if window > 0 else []
    if image_budget is not None:
        exchanges = newest_that_fit(exchanges, image_budget)
    return exchanges
