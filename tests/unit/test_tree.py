"""The conversation tree as pure logic: branches, siblings, subtrees, where the head goes."""

from __future__ import annotations

from imagechat import tree
from imagechat.store.documents import LEGACY_HEAD, Session, Turn, TurnStatus


def _turn(turn_id: str, index: int, parent: Turn | None, status: TurnStatus = "complete") -> Turn:
    role = "user" if turn_id.startswith("u") else "model"
    lineage = (*(parent.lineage if parent else ()), turn_id)
    return Turn(id=turn_id, role=role, index=index, status=status,
                parent_id=parent.id if parent else None, lineage=lineage)


def _example() -> list[Turn]:
    # u0 → m1 → u2 → m3          (abandoned branch)
    #           u4 → m5, m6      (a branch from m1; m6 regenerated m5)
    #           u7 (failed, off m5's branch point)
    u0 = _turn("u0", 0, None)
    m1 = _turn("m1", 1, u0)
    u2 = _turn("u2", 2, m1)
    m3 = _turn("m3", 3, u2)
    u4 = _turn("u4", 4, m1)
    m5 = _turn("m5", 5, u4)
    m6 = _turn("m6", 6, u4)
    u7 = _turn("u7", 7, m6, status="failed")
    return [u0, m1, u2, m3, u4, m5, m6, u7]


def test_the_active_branch_is_the_heads_lineage_and_the_sends_hanging_off_it() -> None:
    turns = _example()
    assert [t.id for t in tree.active_branch(turns, "m6")] == ["u0", "m1", "u4", "m6", "u7"]
    assert [t.id for t in tree.active_branch(turns, "m3")] == ["u0", "m1", "u2", "m3"]
    assert tree.active_branch(turns, None) == []
    pending_first = _turn("u9", 9, None, status="pending")
    assert [t.id for t in tree.active_branch([*turns, pending_first], None)] == ["u9"]


def test_siblings_share_a_parent_and_a_role() -> None:
    siblings = tree.siblings(_example())
    assert siblings["m5"] == siblings["m6"] == ["m5", "m6"]
    assert siblings["u2"] == siblings["u4"] == ["u2", "u4"]
    assert siblings["u0"] == ["u0"] and siblings["u7"] == ["u7"]


def test_a_subtree_is_every_turn_whose_lineage_passes_through() -> None:
    turns = _example()
    assert [t.id for t in tree.subtree(turns, "u4")] == ["u4", "m5", "m6", "u7"]
    assert [t.id for t in tree.subtree(turns, "m3")] == ["m3"]


def test_the_head_moves_to_what_is_left() -> None:
    turns = _example()
    by_id = {t.id: t for t in turns}
    assert tree.head_after_removing(turns, by_id["u4"], "m6") == "m1"  # the exchange's parent
    assert tree.head_after_removing(turns, by_id["m6"], "m6") == "m5"  # the answer beside it
    assert tree.head_after_removing(turns, by_id["u2"], "m6") == "m6"  # the head survives
    assert tree.head_after_removing(turns, by_id["u0"], "m6") is None


def test_a_session_from_before_the_tree_reads_as_a_line() -> None:
    plain = [Turn(id=i, role="user" if i.startswith("u") else "model", index=n, status="complete")
             for n, i in enumerate(["u0", "m1", "u2", "m3"])]
    session = Session(title="t", aspect_ratio="1:1", image_size="1K", model="m")
    assert session.head_turn_id == LEGACY_HEAD and not session.has_tree_head
    assert "headTurnId" not in session.to_firestore()
    lined, head = tree.resolve(session, plain)
    assert head == "m3" and [t.parent_id for t in lined] == [None, "u0", "m1", "u2"]
    assert lined[3].lineage == ("u0", "m1", "u2", "m3")
    recorded = session.model_copy(update={"head_turn_id": None})
    assert recorded.to_firestore()["headTurnId"] is None and tree.resolve(recorded, plain)[1] is None
    assert tree.exchange_pairs(lined[3].lineage) == [("u0", "m1"), ("u2", "m3")]


def test_exchange_pairs_of_a_branch_opened_on_an_imported_image() -> None:
    # An imported image is a root model turn without a user turn: the branch's first exchange.
    assert tree.exchange_pairs(["m0"]) == [(None, "m0")]
    assert tree.exchange_pairs(["m0", "u1", "m2", "u3", "m4"]) == [(None, "m0"), ("u1", "m2"), ("u3", "m4")]
