"""API responses, each built from typed stored documents by one function.

A response is made from the very document that was (or will be) stored, never from a copy
assembled on the side, so what a client is answered and what it reads back later (GET, or
Firestore's `onSnapshot`) cannot drift apart. The schemas' field names match the documents'
(Python names); fields a view does not declare (lease, content, ...) stay private.
"""

from __future__ import annotations

from collections.abc import Sequence

from imagechat import tree
from imagechat.schemas import (
    CreateSessionResponse,
    GetSessionResponse,
    ListSessionsResponse,
    SendMessageResponse,
    SessionView,
    TurnView,
    UpdateSessionResponse,
)
from imagechat.store.documents import Session, Turn


def session_view(session: Session) -> SessionView:
    """A session written before the tree shows its computed head once `tree.with_head` gave it one
    (until then, in lists, null)."""
    view = SessionView.model_validate(session, from_attributes=True)
    return view if session.has_tree_head else view.model_copy(update={"head_turn_id": None})


def turn_view(turn: Turn, sibling_ids: Sequence[str] = ()) -> TurnView:
    view = TurnView.model_validate(turn, from_attributes=True)
    return view.model_copy(update={"sibling_ids": list(sibling_ids or [turn.id])})


def created_session(session: Session) -> CreateSessionResponse:
    return CreateSessionResponse(id=session.id, session=session_view(session))


def session_page(sessions: Sequence[Session], next_cursor: str | None) -> ListSessionsResponse:
    return ListSessionsResponse(sessions=[session_view(s) for s in sessions], next_cursor=next_cursor)


def session_with_turns(session: Session, turns: Sequence[Turn], shown: Sequence[Turn]) -> GetSessionResponse:
    """The session and the `shown` turns, each with its siblings among all `turns`."""
    siblings = tree.siblings(turns)
    return GetSessionResponse(
        session=session_view(session), turns=[turn_view(t, siblings.get(t.id, ())) for t in shown]
    )


def updated_session(session: Session) -> UpdateSessionResponse:
    return UpdateSessionResponse(session=session_view(session))


def sent_message(model_turn: Turn, sibling_ids: Sequence[str] = ()) -> SendMessageResponse:
    return SendMessageResponse(turn=turn_view(model_turn, sibling_ids))
