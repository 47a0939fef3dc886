"""Use cases on a session's conversation tree: move the head (undo, switch branch, start over) and
delete a turn with everything below it.

Both hold the session like a send does (409 while a turn runs), so a running send never continues
from a head that moved or a turn that was deleted under it.
"""

from __future__ import annotations

from imagechat import tree, views
from imagechat.deps import Deps
from imagechat.errors import NOT_A_HEAD, TURN_NOT_FOUND, InvalidArgument, NotFound
from imagechat.images.cleanup import delete_turn_objects
from imagechat.schemas import DeleteTurnRequest, SetHeadRequest, UpdateSessionResponse, operation_hash
from imagechat.sessions import load_session
from imagechat.store.documents import Session, Turn


def lined_turn(deps: Deps, uid: str, session_id: str, turn_id: str) -> Turn:
    """The turn with its lineage (a line's, for a turn written before the tree); NotFound if none."""
    turn = deps.turns.get(uid, session_id, turn_id)
    if turn is None:
        raise NotFound(TURN_NOT_FOUND)
    if turn.lineage:
        return turn
    return {t.id: t for t in tree.as_line(deps.turns.list(uid, session_id))}[turn.id]


def head_turn(deps: Deps, uid: str, session: Session) -> Turn | None:
    """The model turn the session's next message continues from, with its lineage."""
    if session.has_tree_head:
        return lined_turn(deps, uid, session.id, session.head_turn_id) if session.head_turn_id else None
    turns, head = tree.resolve(session, deps.turns.list(uid, session.id))
    return next((t for t in turns if t.id == head), None)


def set_head(deps: Deps, uid: str, session_id: str, req: SetHeadRequest) -> UpdateSessionResponse:
    """Moves the head to any complete model turn of the session, or to None (start over)."""
    load_session(deps, uid, session_id)
    head = None
    if req.turn_id is not None:
        head = lined_turn(deps, uid, session_id, req.turn_id)
        if head.role != "model" or head.status != "complete":
            raise InvalidArgument(NOT_A_HEAD)
    deps.leases.move_head(uid, session_id, head)
    return views.updated_session(load_session(deps, uid, session_id))


def delete_turn(deps: Deps, uid: str, session_id: str, turn_id: str, req: DeleteTurnRequest) -> None:
    """Deletes a turn and everything below it, with their Storage objects. A user turn goes with
    all its answers; a model turn alone (its user turn too when it was the only answer). A head
    among them moves to the nearest turn left (tree.head_after_removing)."""
    load_session(deps, uid, session_id)
    payload_hash = operation_hash("deleteTurn", turn_id)
    if req.request_id and deps.leases.recorded(uid, session_id, req.request_id, payload_hash) is not None:
        return
    lease_id = deps.leases.hold_for_delete(uid, session_id, deps.settings.lease_ttl_s)
    try:
        # Read under the lease: no send adds a turn below the ones being deleted meanwhile.
        session = load_session(deps, uid, session_id)
        turns, head = tree.resolve(session, deps.turns.list(uid, session_id))
        by_id = {t.id: t for t in turns}
        target = by_id.get(turn_id)
        if target is None:
            raise NotFound(TURN_NOT_FOUND)
        only_answer = not any(t.parent_id == target.parent_id and t.id != target.id for t in turns)
        if target.role == "model" and target.parent_id in by_id and only_answer:
            target = by_id[target.parent_id]  # never a user turn left without an answer
        removed = tree.subtree(turns, target.id)
        new_head = tree.head_after_removing(turns, target, head)
        delete_turn_objects(deps.images, uid, session_id, removed)
        deps.turns.remove(uid, session_id, lease_id, removed, by_id.get(new_head or ""), req.request_id)
    except BaseException:
        deps.leases.release(uid, session_id, lease_id)
        raise
