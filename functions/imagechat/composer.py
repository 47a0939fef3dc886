"""Starting a session the ways an editor does (seed 000 §5–6), on top of `sessions.create_session`:
- opened on an image (Open in Chat, imports.py): the image is the session's first turn;
- with its first message (composer chat mode): created, then sent, in one call. If the send
  fails, the session stays, with the failed turn (the input is never lost), and the error says
  which session it is (`FirstMessageFailed`).
"""

from __future__ import annotations

from imagechat import quotas, sessions, turns, views
from imagechat.deps import Deps
from imagechat.errors import EDIT_PROMPT_REQUIRED, FirstMessageFailed, ImageChatError, InvalidArgument
from imagechat.imports import import_image, resolve_start_image
from imagechat.schemas import CreateAndSendResponse, CreateSessionResponse, StartSessionRequest, dump


def start_session(deps: Deps, uid: str, req: StartSessionRequest) -> CreateSessionResponse:
    """`POST /api/chat/sessions` / `createSession`: {id, session}, plus `turn` with a message."""
    message = req.message
    if message is not None and not message.text.strip() and not message.ref_urls and not message.image_ids:
        raise InvalidArgument(EDIT_PROMPT_REQUIRED)  # refused before anything is created
    if message is not None:
        quotas.admit(deps, uid)  # over quota: 429 before a session is made (the send counts the call)
    start = resolve_start_image(deps, uid, req.start_image) if req.start_image is not None else None
    created = sessions.create_session(deps, uid, req)
    if start is not None:
        import_image(deps, uid, sessions.load_session(deps, uid, created.id), start)
    if message is None:
        return views.created_session(sessions.load_session(deps, uid, created.id))
    try:
        sent = turns.send_message(deps, uid, created.id, message)
    except ImageChatError as exc:
        session = deps.sessions.get(uid, created.id)
        if session is None:  # deleted meanwhile: nothing to open
            raise
        body = dump(views.created_session(session))
        raise FirstMessageFailed(exc, body=body, details={"id": created.id}) from exc
    session = sessions.load_session(deps, uid, created.id)
    return CreateAndSendResponse(id=created.id, session=views.session_view(session), turn=sent.turn)
