"""Use cases on chat sessions: create, list, get, update, delete.

`uid` is always the user whose data is touched (auth.acting_for decided it); a session
id of another user is simply not found under this uid, hence 404.
"""

from __future__ import annotations

from typing import Any

from imagechat import config
from imagechat.deps import Deps
from imagechat.errors import SESSION_NOT_FOUND, InvalidArgument, NotFound
from imagechat.images.cleanup import delete_session_objects
from imagechat.schemas import (
    CreateSessionRequest,
    CreateSessionResponse,
    GetSessionResponse,
    ListSessionsRequest,
    ListSessionsResponse,
    SessionView,
    TurnView,
    UpdateSessionRequest,
    UpdateSessionResponse,
)


def session_view(doc: dict[str, Any]) -> SessionView:
    return SessionView.model_validate(doc)


def turn_view(doc: dict[str, Any]) -> TurnView:
    return TurnView.model_validate(doc)


def load_session(deps: Deps, uid: str, session_id: str) -> dict[str, Any]:
    doc = deps.sessions.get(uid, session_id)
    if doc is None:
        raise NotFound(SESSION_NOT_FOUND)
    return doc


def check_image_size(model: str, image_size: str) -> None:
    sizes = config.image_sizes(model)
    if image_size not in sizes:
        raise InvalidArgument(f"imageSize: {model} supports {', '.join(sizes)} (got {image_size!r}).")


def create_session(deps: Deps, uid: str, req: CreateSessionRequest) -> CreateSessionResponse:
    model = req.model or config.DEFAULT_MODEL
    image_size = req.image_size or config.DEFAULT_IMAGE_SIZE
    check_image_size(model, image_size)
    doc = deps.sessions.create(
        uid,
        {
            "title": (req.title or "").strip() or config.DEFAULT_TITLE,
            "aspectRatio": req.aspect_ratio or config.DEFAULT_ASPECT_RATIO,
            "imageSize": image_size,
            "model": model,
            "systemPrompt": req.system_prompt or "",
        },
    )
    return CreateSessionResponse(id=doc["id"], session=session_view(doc))


def list_sessions(deps: Deps, uid: str, req: ListSessionsRequest) -> ListSessionsResponse:
    docs, next_cursor = deps.sessions.list(uid, req.limit, req.cursor)
    return ListSessionsResponse(sessions=[session_view(d) for d in docs], next_cursor=next_cursor)


def get_session(deps: Deps, uid: str, session_id: str) -> GetSessionResponse:
    doc = load_session(deps, uid, session_id)
    turns = deps.turns.list(uid, session_id)
    return GetSessionResponse(session=session_view(doc), turns=[turn_view(t) for t in turns])


def update_session(deps: Deps, uid: str, session_id: str, req: UpdateSessionRequest) -> UpdateSessionResponse:
    load_session(deps, uid, session_id)
    fields: dict[str, Any] = {}
    if req.title is not None:
        fields["title"] = req.title.strip() or config.DEFAULT_TITLE
    if req.aspect_ratio is not None:
        fields["aspectRatio"] = req.aspect_ratio
    if req.system_prompt is not None:
        fields["systemPrompt"] = req.system_prompt
    if fields:
        deps.sessions.update(uid, session_id, fields)
    return UpdateSessionResponse(session=session_view(load_session(deps, uid, session_id)))


def delete_session(deps: Deps, uid: str, session_id: str) -> None:
    """Removes the session's Storage objects, then its turns and the session itself.

    Refused with the busy error while a turn runs (its outputs would be left behind); the
    deletion holds the session's lease, so no send starts meanwhile."""
    load_session(deps, uid, session_id)
    deps.leases.hold_for_delete(uid, session_id, deps.settings.lease_ttl_s)
    delete_session_objects(deps.images, uid, session_id)
    deps.sessions.delete_tree(uid, session_id)
