"""API responses, each built from typed stored documents by one function.

A response is made from the very document that was (or will be) stored, never from a copy
assembled on the side, so what a client is answered and what it reads back later (GET, or
Firestore's `onSnapshot`) cannot drift apart. The schemas' field names match the documents'
(Python names); fields a view does not declare (lease, content, ...) stay private.
"""

from __future__ import annotations

from collections.abc import Sequence

from imagechat import tree
from imagechat.project_schemas import (
    CreateProjectResponse,
    ListProjectsResponse,
    ProjectLink,
    ProjectResponse,
    ProjectView,
)
from imagechat.schemas import (
    CreateSessionResponse,
    GetSessionResponse,
    ListSessionsResponse,
    SendMessageResponse,
    SessionView,
    TurnView,
    UpdateSessionResponse,
)
from imagechat.store.documents import Project, Session, Turn


def session_view(session: Session) -> SessionView:
    """A session written before the tree shows its computed head once `tree.with_head` gave it one
    (until then, in lists, null)."""
    view = SessionView.model_validate(session, from_attributes=True)
    return view if session.has_tree_head else view.model_copy(update={"head_turn_id": None})


def turn_view(turn: Turn, sibling_ids: Sequence[str] = ()) -> TurnView:
    view = TurnView.model_validate(turn, from_attributes=True)
    cost = turn.usage.cost_usd if turn.usage is not None else None
    return view.model_copy(update={"sibling_ids": list(sibling_ids or [turn.id]), "cost_usd": cost})


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


def sent_message(
    model_turn: Turn, sibling_ids: Sequence[str] = (), candidates: Sequence[Turn] = ()
) -> SendMessageResponse:
    """The new head, and every answer of the message (its candidates, index order; default the head)."""
    answers = list(candidates) or [model_turn]
    return SendMessageResponse(
        turn=turn_view(model_turn, sibling_ids),
        candidates=[turn_view(t, sibling_ids) for t in answers],
        succeeded=len(answers),
    )


def project_url(uid: str, slug: str) -> str:
    """The web app's page of a project (a hash route: Hosting serves index.html for it)."""
    return f"/#/projects/{uid}/{slug}"


def project_view(project: Project, uid: str) -> ProjectView:
    return ProjectView.model_validate({**project.model_dump(), "id": project.id, "url": project_url(uid, project.slug)})


def project(project: Project, uid: str) -> ProjectResponse:
    return ProjectResponse(project=project_view(project, uid))


def project_list(projects: Sequence[Project], uid: str) -> ListProjectsResponse:
    return ListProjectsResponse(projects=[project_view(p, uid) for p in projects])


def created_project(project: Project, uid: str) -> CreateProjectResponse:
    link = ProjectLink(id=project.id, slug=project.slug, url=project_url(uid, project.slug), title=project.title)
    return CreateProjectResponse(project=link)
