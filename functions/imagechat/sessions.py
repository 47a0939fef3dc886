"""Use cases on chat sessions: create, list, get, update, delete.

`uid` is always the user whose data is touched (auth.acting_for decided it); a session
id of another user is simply not found under this uid, hence 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from firebase_functions import logger

from imagechat import clock, config, tree, views
from imagechat.deps import Deps
from imagechat.errors import SESSION_NOT_FOUND, InvalidArgument, NotFound
from imagechat.images.cleanup import delete_session_objects
from imagechat.references import resolve_pins, store_pins
from imagechat.schemas import (
    CreateSessionRequest,
    CreateSessionResponse,
    GetSessionRequest,
    GetSessionResponse,
    ListSessionsRequest,
    ListSessionsResponse,
    UpdateSessionRequest,
    UpdateSessionResponse,
)
from imagechat.store.documents import Session


def load_session(deps: Deps, uid: str, session_id: str) -> Session:
    session = deps.sessions.get(uid, session_id)
    if session is None:
        raise NotFound(SESSION_NOT_FOUND)
    return session


def check_model_options(model: str, image_size: str | None = None, aspect_ratio: str | None = None) -> None:
    """What this model takes (config.MODEL_SPECS); the request schemas already checked the rest."""
    spec = config.model_spec(model)
    if image_size is not None and image_size not in spec.image_sizes:
        raise InvalidArgument(f"imageSize: {model} supports {', '.join(spec.image_sizes)} (got {image_size!r}).")
    if aspect_ratio is not None and aspect_ratio not in spec.aspect_ratios:
        raise InvalidArgument(
            f"aspectRatio: {model} supports {', '.join(spec.aspect_ratios)} (got {aspect_ratio!r})."
        )


def create_session(deps: Deps, uid: str, req: CreateSessionRequest) -> CreateSessionResponse:
    model = req.model or config.DEFAULT_MODEL
    image_size = req.image_size or config.DEFAULT_IMAGE_SIZE
    aspect_ratio = req.aspect_ratio or config.DEFAULT_ASPECT_RATIO
    check_model_options(model, image_size, aspect_ratio)
    pins = resolve_pins(deps, uid, req.pinned_refs or [])  # checked before the session exists
    stamp = clock.now()
    session = deps.sessions.create(
        uid,
        Session(
            title=(req.title or "").strip() or config.DEFAULT_TITLE,
            aspect_ratio=aspect_ratio,
            image_size=image_size,
            model=model,
            system_prompt=req.system_prompt or "",
            created_at=stamp,
            last_active=stamp,
            head_turn_id=None,
            history_turns=req.history_turns,
            region_context=bool(req.region_context),
        ),
    )
    if pins:
        pinned = store_pins(deps, uid, session.id, pins)
        deps.sessions.set_pinned_refs(uid, session.id, pinned)
        session = session.model_copy(update={"pinned_refs": tuple(pinned)})
    return views.created_session(session)


def list_sessions(deps: Deps, uid: str, req: ListSessionsRequest) -> ListSessionsResponse:
    sessions, next_cursor = deps.sessions.list(uid, req.limit, req.cursor)
    return views.session_page(sessions, next_cursor)


def get_session(deps: Deps, uid: str, session_id: str, req: GetSessionRequest) -> GetSessionResponse:
    """The session with its active branch (or, with `all`, every turn of every branch)."""
    session = load_session(deps, uid, session_id)
    turns, head = tree.resolve(session, deps.turns.list(uid, session_id))
    shown = turns if req.all else tree.active_branch(turns, head)
    return views.session_with_turns(session.model_copy(update={"head_turn_id": head}), turns, shown)


def update_session(deps: Deps, uid: str, session_id: str, req: UpdateSessionRequest) -> UpdateSessionResponse:
    session = load_session(deps, uid, session_id)
    check_model_options(session.model, aspect_ratio=req.aspect_ratio)
    title = None if req.title is None else req.title.strip() or config.DEFAULT_TITLE
    if req.pinned_refs is not None:  # replaces the list ([] clears it)
        pins = resolve_pins(deps, uid, req.pinned_refs)
        deps.sessions.set_pinned_refs(uid, session_id, store_pins(deps, uid, session_id, pins))
    settings = (title, req.aspect_ratio, req.system_prompt, req.history_turns, req.region_context)
    if any(setting is not None for setting in settings):
        deps.sessions.update(
            uid,
            session_id,
            title=title,
            aspect_ratio=req.aspect_ratio,
            system_prompt=req.system_prompt,
            history_turns=req.history_turns,
            region_context=req.region_context,
        )
    return views.updated_session(load_session(deps, uid, session_id))


@dataclass(frozen=True)
class Removed:
    """What deleting data removed: Firestore documents, Storage objects, interactions at Google."""

    documents: int = 0
    storage_objects: int = 0
    interactions: int = 0

    def __add__(self, other: Removed) -> Removed:
        return Removed(
            self.documents + other.documents,
            self.storage_objects + other.storage_objects,
            self.interactions + other.interactions,
        )


def delete_session(deps: Deps, uid: str, session_id: str) -> None:
    """Removes the session's Storage objects, then its turns and the session itself.

    Refused with the busy error while a turn runs (its outputs would be left behind); the
    deletion holds the session's lease, so no send starts meanwhile."""
    load_session(deps, uid, session_id)
    remove_session(deps, uid, session_id)


def remove_session(deps: Deps, uid: str, session_id: str, *, expired_before: datetime | None = None) -> Removed:
    """The one way a session is deleted (by its user, or by the lifecycle sweep once expired):
    holds its lease (busy while a turn runs; with `expired_before`, `NotExpired` when it was active
    again meanwhile), deletes its interactions at Google, its Storage objects, then its documents,
    the session document last: a deletion cut short leaves the session there, and the next
    attempt (the user's, or the next sweep once the deletion's lease expired) finishes it."""
    deps.leases.hold_for_delete(uid, session_id, deps.settings.lease_ttl_s, expired_before=expired_before)
    interactions = delete_stored_interactions(deps, uid, session_id)
    objects = delete_session_objects(deps.images, uid, session_id)
    documents = deps.sessions.delete_tree(uid, session_id)
    return Removed(documents=documents, storage_objects=objects, interactions=interactions)


def delete_stored_interactions(deps: Deps, uid: str, session_id: str) -> int:
    """Deletes the interactions Google keeps for the session's turns (IMAGECHAT_INTERACTIONS_STORE);
    returns how many. One Google would not delete now is logged and left to its retention."""
    ids = deps.turns.interaction_ids(uid, session_id)
    left = deps.model.delete_interactions(ids) if ids else []
    if left:
        logger.warn("stored interactions not deleted", uid=uid, sessionId=session_id, interactionIds=left)
    return len(ids) - len(left)
