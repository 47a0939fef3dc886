"""Use cases on the user's profile users/{uid}: appearance preferences (`GET`/`PATCH /api/v1/me/`)."""

from __future__ import annotations

from imagechat.deps import Deps
from imagechat.identity_schemas import MeView, UpdateMeRequest


def get_me(deps: Deps, uid: str) -> MeView:
    profile = deps.profiles.get(uid)
    chat = profile.identity_chat
    if chat is not None and deps.sessions.get(uid, chat.session_id) is None:
        chat = None  # its session was deleted: no active chat (as identity_chat.status says)
    return MeView(
        user_id=uid, appearance=profile.appearance, has_active_session=chat is not None,
        session_identity_id=chat.identity_id if chat else None,
    )


def update_me(deps: Deps, uid: str, req: UpdateMeRequest) -> MeView:
    deps.profiles.set_appearance(uid, req.appearance)
    return get_me(deps, uid)
