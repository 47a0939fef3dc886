"""Which earlier turns a send replays to the model (gemini/contents.py decides how they look).

The history of a message is its branch: the exchanges on the lineage of the model turn it
continues. Of those the model gets
1. the branch's first exchange in full (it holds the user's original images; on a session opened
   from an image, the imported image: a root model turn without a user turn),
2. the last `window` exchanges in full (text, images and thought signatures as received),
3. the instructions of the exchanges in between as text only, in one short note (`earlier_note`,
   sent with the system instruction): the intent is kept without their images, and no model turn
   is ever made up.
Every image counts against the model's cap (the 3.x models reject more than 14 per request,
the new message's included): the replayed exchanges give way oldest first (the first exchange
before the newest ones), and the head's exchange — the image being edited — is kept. An
exchange that gives way joins the note.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from imagechat.store.documents import Exchange

# The note of earlier instructions stays short: the oldest give way beyond this many characters.
MAX_NOTE_CHARS = 4000
NOTE_PREFIX = "Earlier in this conversation the user asked, in order: "
NOTE_SUFFIX = " The images below already reflect those requests."


@dataclass(frozen=True)
class BranchPlan:
    """Which exchanges of a branch (positions in its list of exchanges, root first) are sent."""

    replayed: list[int]  # in full, oldest first
    summarised: list[int]  # as text in the note, oldest first


def plan(exchange_count: int, window: int) -> BranchPlan:
    """The first exchange and the last `window` (at least the head's) in full; the rest as text."""
    if exchange_count == 0:
        return BranchPlan([], [])
    recent = set(range(max(exchange_count - max(window, 1), 0), exchange_count))
    replayed = sorted(recent | {0})
    return BranchPlan(replayed, [i for i in range(exchange_count) if i not in recent and i != 0])


def exchange_images(exchange: Exchange) -> int:
    """How many image parts an exchange puts into a request."""
    model = exchange.model
    if exchange.user is None:  # an imported image: its image, sent as a user image
        return len(model.images)
    attached = sum(1 for a in exchange.user.attachments if not a.pinned)  # pins go with the new message
    if model.content:
        return attached + sum(1 for entry in model.content if entry.image is not None)
    if model.steps:
        return attached + sum(1 for step in model.steps for block in step.content if block.image is not None)
    return attached + len(model.images)


def fit_images(exchanges: Sequence[Exchange], image_budget: int) -> tuple[list[Exchange], list[Exchange]]:
    """(kept, dropped), both oldest first: the newest exchanges whose images fit the budget (the
    head's first), then the branch's first exchange if it still fits."""
    kept: list[Exchange] = []
    used = 0
    for exchange in reversed(exchanges[1:]):
        used += exchange_images(exchange)
        if used > image_budget:
            used -= exchange_images(exchange)
            break
        kept.append(exchange)
    if exchanges and used + exchange_images(exchanges[0]) <= image_budget:
        kept.append(exchanges[0])
    kept_ids = {e.model.id for e in kept}
    return (
        [e for e in exchanges if e.model.id in kept_ids],
        [e for e in exchanges if e.model.id not in kept_ids],
    )


def earlier_note(instructions: Sequence[str]) -> str:
    """One short note of the instructions the model does not see in full ("" when none)."""
    items = [" ".join(text.split()) for text in instructions if text.strip()]
    if not items:
        return ""
    numbered = [f"{i}) {text}" for i, text in enumerate(items, 1)]
    while len(numbered) > 1 and sum(len(n) + 2 for n in numbered) > MAX_NOTE_CHARS:
        numbered.pop(0)
        numbered[0] = "… " + numbered[0]
    return NOTE_PREFIX + "; ".join(numbered)[:MAX_NOTE_CHARS] + "." + NOTE_SUFFIX


def with_note(system_prompt: str, note: str) -> str:
    """The session's instructions, then the note (the note never replaces them)."""
    return "\n\n".join(part for part in (system_prompt, note) if part)


def left_out_instructions(
    pairs: Sequence[tuple[str | None, str]], summarised: Mapping[str, str], dropped: Sequence[Exchange]
) -> list[str]:
    """The instructions of the exchanges not replayed, in branch order: the summarised ones
    (`summarised`: user turn id → text) and those the image cap dropped (an imported image has
    no instruction)."""
    texts = {**summarised, **{e.user.id: e.user.text for e in dropped if e.user is not None}}
    return [texts[user_id] for user_id, _ in pairs if user_id in texts]
