"""The conversation tree, as pure functions over a session's turns.

A user turn's parent is the model turn it continues (None for a first message); a model turn's
parent is its user turn. Each turn stores its `lineage`: the ids from the root down to itself
(user, model, user, model, ...), which makes the history a lookup by id and a subtree one
`array_contains` query. Turns written before the tree have no lineage: `as_line` gives them the
parents they would have had in a strict line, so old sessions read and continue unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from imagechat.store.documents import Session, Turn


def is_legacy(turns: Iterable[Turn]) -> bool:
    """Whether any turn was written before the tree (it has no lineage)."""
    return any(not turn.lineage for turn in turns)


def as_line(turns: Sequence[Turn]) -> list[Turn]:
    """Turns of a session written before the tree, with the parents and lineage of a line: a user
    turn continues the newest complete exchange before it; a model turn answers the user turn
    just before it. Turns that already have a lineage are kept as they are."""
    ordered = sorted(turns, key=lambda t: t.index)
    out: list[Turn] = []
    by_id: dict[str, Turn] = {}
    head: Turn | None = None  # the newest complete model turn of a complete exchange so far
    previous: Turn | None = None
    for turn in ordered:
        if turn.lineage:
            fixed = turn
        elif turn.role == "user":
            parent = head
            fixed = turn.model_copy(
                update={"parent_id": parent.id if parent else None,
                        "lineage": (*(parent.lineage if parent else ()), turn.id)}
            )
        else:
            user = previous if previous is not None and previous.role == "user" else None
            fixed = turn.model_copy(
                update={"parent_id": user.id if user else None,
                        "lineage": (*(user.lineage if user else ()), turn.id)}
            )
        by_id[fixed.id] = fixed
        out.append(fixed)
        if fixed.role == "model" and fixed.status == "complete" and fixed.parent_id is not None:
            user = by_id.get(fixed.parent_id)
            if user is not None and user.status == "complete":
                head = fixed
        previous = fixed
    return out


def legacy_head(turns: Sequence[Turn]) -> str | None:
    """The head of a session written before the tree: its newest complete exchange's answer."""
    line = as_line(turns)
    by_id = {t.id: t for t in line}
    for turn in reversed(line):
        if turn.role == "model" and turn.status == "complete" and turn.parent_id in by_id \
                and by_id[turn.parent_id].status == "complete":
            return turn.id
    return None


def active_branch(turns: Sequence[Turn], head_id: str | None) -> list[Turn]:
    """The turns a client shows: root → head, and the sends that hang off that branch without
    moving the head (pending, failed, blocked, with their answers), in index order."""
    by_id = {t.id: t for t in turns}
    shown: set[str] = set()
    head = by_id.get(head_id) if head_id else None
    if head is not None:
        shown.update(i for i in head.lineage if i in by_id)
    # Sends that did not move the head: not complete, hanging off a shown turn or off the root.
    for turn in sorted(turns, key=lambda t: t.index):
        hangs = turn.parent_id in shown or (turn.parent_id is None and turn.role == "user")
        if turn.id not in shown and hangs and turn.status != "complete":
            shown.add(turn.id)
    return [t for t in sorted(turns, key=lambda t: t.index) if t.id in shown]


def subtree(turns: Sequence[Turn], turn_id: str) -> list[Turn]:
    """The turn and every turn below it (the turns whose lineage passes through it)."""
    return [t for t in turns if turn_id in t.lineage]


def head_after_removing(turns: Sequence[Turn], removed: Turn, head_id: str | None) -> str | None:
    """Where the head goes when `removed` (and its subtree) is deleted: unchanged if the head
    survives; else the newest complete answer left beside a removed answer, or the removed
    exchange's parent."""
    if head_id is None or head_id not in {t.id for t in subtree(turns, removed.id)}:
        return head_id
    by_id = {t.id: t for t in turns}
    user = by_id.get(removed.parent_id or "") if removed.role == "model" else removed
    if removed.role == "model" and user is not None:
        left = [t for t in turns if t.parent_id == user.id and t.id != removed.id and t.status == "complete"]
        if left:
            return max(left, key=lambda t: t.index).id
    return user.parent_id if user is not None else None


def exchange_pairs(lineage: Sequence[str]) -> list[tuple[str | None, str]]:
    """(user turn id, model turn id) of each exchange of a model turn's lineage, root first.

    A model turn's lineage alternates user, model, ... from the root, so it has an even length;
    an odd one starts with an imported image (Open in Chat: a root model turn without a user
    turn), which is the branch's first exchange, as (None, its id)."""
    if len(lineage) % 2:
        return [(None, lineage[0]), *exchange_pairs(lineage[1:])]
    return list(zip(lineage[0::2], lineage[1::2], strict=False))


def siblings(turns: Sequence[Turn]) -> dict[str, list[str]]:
    """For each turn, the ids of the turns sharing its parent and role (itself included), oldest
    first: a client's "‹ 2/3 ›"."""
    groups: dict[tuple[str, str | None], list[Turn]] = defaultdict(list)
    for turn in turns:
        groups[(turn.role, turn.parent_id)].append(turn)
    out: dict[str, list[str]] = {}
    for group in groups.values():
        ids = [t.id for t in sorted(group, key=lambda t: t.index)]
        for turn_id in ids:
            out[turn_id] = ids
    return out


def resolve(session: Session, turns: Sequence[Turn]) -> tuple[list[Turn], str | None]:
    """The session's turns, each with its lineage (a line's, for turns written before the tree),
    and its head (computed for a session written before the tree)."""
    lined = as_line(turns) if is_legacy(turns) else list(turns)
    return lined, session.head_turn_id if session.has_tree_head else legacy_head(lined)
