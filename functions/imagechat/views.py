"""API responses, each built from typed stored documents by one function.

A response is made from the very document that was (or will be) stored, never from a copy
assembled on the side, so what a client is answered and what it reads back later (GET, or
Firestore's `onSnapshot`) cannot drift apart. The schemas' field names match the documents'
(Python names); fields a view does not declare (lease, content, ...) stay private.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    return SessionView.model_validate(session, from_attributes=True)


def turn_view(turn: Turn) -> TurnView:
    return TurnView.model_validate(turn, from_attributes=True)


def created_session(session: Session) -> CreateSessionResponse:
    return CreateSessionResponse(id=session.id, session=session_view(session))


def session_page(sessions: Sequence[Session], next_cursor: str | None) -> ListSessionsResponse:
    return ListSessionsResponse(sessions=[session_view(s) for s in sessions], next_cursor=next_cursor)


def session_with_turns(session: Session, turns: Sequence[Turn]) -> GetSessionResponse:
    return GetSessionResponse(session=session_view(session), turns=[turn_view(t) for t in turns])


def updated_session(session: Session) -> UpdateSessionResponse:
    return UpdateSessionResponse(session=session_view(session))


def sent_message(model_turn: Turn) -> SendMessageResponse:
    return SendMessageResponse(turn=turn_view(model_turn))
