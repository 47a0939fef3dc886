"""The identity image chat (seeds 001 and 002): "me as this identity", then refined turn by turn.

Each user has one active identity chat, the pointer `users/{uid}.identityChat`. The chat itself is
an ordinary chat session of kind `identity` (turns, the tree, Storage outputs; the web app lists
it), so every step here is a `turns.send_message` on it:

- start (seed 001 start, seed 002 generate-image): a new session (the identity's aspect ratio and
  size; a 3.x model for 4K), its first message the prompt of `identity_prompt` with every
  reference photo attached, oldest first. On success the pointer moves to it; **the previous
  identity session is kept** as an ordinary session in the user's list (history, projects), it is
  just no longer the active one. On failure the new session is deleted and the pointer stays.
- continue (seed 001 continue): the next message of that chat, with its history.
- edit (seed 002 edit-image): the same, after checking `identity_id` against the chat's.
- status: whether there is a chat to edit, and whether the references changed since it started
  (it still uses the photos it started with; the response says so).

A model failure (or a refusal: no image) is seed 002's 500 "Image generation failed. Please try
again."; the failed turn stays in the session like any failed turn.
"""

from __future__ import annotations

from collections.abc import Callable

from firebase_functions import logger

from imagechat import clock, config, edits, identities, identity_prompt, quotas, reference_images, turns
from imagechat.auth import Caller
from imagechat.deps import Deps
from imagechat.errors import (
    EDIT_PROMPT_REQUIRED,
    GENERATION_FAILED,
    NO_IMAGE_YET,
    TRANSIENT_CODES,
    ImageChatError,
    Internal,
    InvalidArgument,
)
from imagechat.identity_schemas import (
    REQUIRED,
    ContinueIdentityChatRequest,
    FieldInvalid,
    IdentityChatStatus,
    IdentityImageResponse,
    StartIdentityChatRequest,
)
from imagechat.images.encoding import inline_image
from imagechat.schemas import EditImageRequest, SendMessageRequest, SendMessageResponse
from imagechat.sessions import delete_session
from imagechat.store.documents import IdentityChat, Session

DIFFERENT_IDENTITY = "Current session is for a different identity. Generate a new image to start editing."
REFERENCES_CHANGED = (
    "Your reference images changed since this chat started; it still uses the ones it started with. "
    "Generate a new image to use the new ones."
)


def no_references(uid: str) -> InvalidArgument:
    return InvalidArgument(
        f"No reference images found for user {uid}. Reference images are required for image generation."
    )


def start(
    deps: Deps, caller: Caller, req: StartIdentityChatRequest, *, admin_endpoint: bool = False
) -> IdentityImageResponse:
    if admin_endpoint:
        identities.require_admin(caller)
    if not req.identity_id:
        raise FieldInvalid("identity_id", REQUIRED)
    identity = identities.load_identity(deps, req.identity_id)
    uid = identities.target_user(deps, caller, req.user_id, admin_endpoint=admin_endpoint)
    refs = deps.profiles.references(uid)
    if not refs:
        raise no_references(uid)
    profile = deps.profiles.get(uid)
    prompt = identity_prompt.build_prompt(identity, profile.appearance, req.additional_prompt, len(refs))
    if len(prompt) > config.MAX_TEXT_CHARS:  # a long identity prompt, appearance and additional_prompt together
        raise FieldInvalid(
            "additional_prompt",
            f"The prompt (identity, appearance and additional_prompt) is over {config.MAX_TEXT_CHARS} characters; "
            "shorten additional_prompt.",
        )
    quotas.admit(deps, uid)  # over quota: 429 before a session is made (the send counts the call)
    stamp = clock.now()
    session = deps.sessions.create(uid, Session(
        title=identity.name, aspect_ratio=identity.default_aspect_ratio, image_size=identity.default_image_size,
        model=identities.model_for(identity), kind="identity", created_at=stamp, last_active=stamp,
        head_turn_id=None,
    ))
    message = SendMessageRequest(text=prompt, ref_urls=[ref.storage_path for ref in refs])
    try:
        sent = _send(deps, lambda: turns.send_message(deps, uid, session.id, message))
    except BaseException:
        _discard(deps, uid, session.id)
        raise
    chat = IdentityChat(
        session_id=session.id, identity_id=identity.id, references_hash=reference_images.references_hash(refs),
        started_at=stamp,
    )
    previous = profile.identity_chat
    deps.profiles.set_identity_chat(uid, chat)
    logger.info("identity chat started", uid=uid, identityId=identity.id, sessionId=session.id,
                references=len(refs), replaced=previous.session_id if previous else None)
    return _response(deps, chat, identity.name, sent, references_changed=False)


def continue_chat(
    deps: Deps, caller: Caller, req: ContinueIdentityChatRequest, *, admin_endpoint: bool = False
) -> IdentityImageResponse:
    """Seed 001's continue: the chat's next message, with its history."""
    return _next_image(deps, caller, req, admin_endpoint=admin_endpoint, stateless=False)


def edit(
    deps: Deps, caller: Caller, req: ContinueIdentityChatRequest, *, admin_endpoint: bool = False
) -> IdentityImageResponse:
    """Seed 002's edit-image: a stateless edit (edits.py) — only the current image, the user's
    reference photos and the instruction — stored as the chat's next exchange."""
    return _next_image(deps, caller, req, admin_endpoint=admin_endpoint, stateless=True)


def _next_image(
    deps: Deps, caller: Caller, req: ContinueIdentityChatRequest, *, admin_endpoint: bool, stateless: bool
) -> IdentityImageResponse:
    if admin_endpoint:
        identities.require_admin(caller)
    edit_prompt = req.edit_prompt.strip()
    if not edit_prompt:
        raise FieldInvalid("edit_prompt", EDIT_PROMPT_REQUIRED)
    uid = identities.target_user(deps, caller, req.user_id, admin_endpoint=admin_endpoint)
    chat = _active_chat(deps, uid)
    if chat is None:
        raise InvalidArgument(NO_IMAGE_YET)
    if req.identity_id and req.identity_id != chat.identity_id:
        raise InvalidArgument(DIFFERENT_IDENTITY)
    if stateless:
        refs = [ref.storage_path for ref in deps.profiles.references(uid)]
        sent = _send(deps, lambda: edits.edit_image(
            deps, uid, chat.session_id, EditImageRequest(text=edit_prompt, ref_urls=refs)))
    else:
        sent = _send(deps, lambda: turns.send_message(deps, uid, chat.session_id, SendMessageRequest(text=edit_prompt)))
    identity = deps.identities.get(chat.identity_id)
    changed = _references_changed(deps, uid, chat)
    return _response(deps, chat, identity.name if identity else None, sent, references_changed=changed)


def status(deps: Deps, caller: Caller, user_id: str | None, *, admin_endpoint: bool = False) -> IdentityChatStatus:
    uid = identities.target_user(deps, caller, user_id, admin_endpoint=admin_endpoint)
    chat = _active_chat(deps, uid)
    if chat is None:
        return IdentityChatStatus(has_active_session=False)
    return IdentityChatStatus(
        has_active_session=True, session_identity_id=chat.identity_id,
        references_changed=_references_changed(deps, uid, chat), session_id=chat.session_id,
    )


def _active_chat(deps: Deps, uid: str) -> IdentityChat | None:
    """The pointer, if its session still exists (a deleted session ends the chat)."""
    chat = deps.profiles.get(uid).identity_chat
    if chat is None or deps.sessions.get(uid, chat.session_id) is None:
        return None
    return chat


def _references_changed(deps: Deps, uid: str, chat: IdentityChat) -> bool:
    return reference_images.references_hash(deps.profiles.references(uid)) != chat.references_hash


def _send(deps: Deps, send: Callable[[], SendMessageResponse]) -> SendMessageResponse:
    """One message of the chat. A model failure (the transient codes: unavailable, quota,
    internal) or a refusal (no image) is the seeds' 500; other errors (busy: 409) pass."""
    try:
        sent = send()
    except ImageChatError as exc:
        if exc.code in TRANSIENT_CODES:
            raise Internal(GENERATION_FAILED) from exc
        raise
    if sent.turn.status != "complete" or not sent.turn.images:
        raise Internal(GENERATION_FAILED)
    return sent


def _discard(deps: Deps, uid: str, session_id: str) -> None:
    try:
        delete_session(deps, uid, session_id)
    except Exception as exc:  # the failure that got us here matters more
        logger.warn("could not delete a failed identity session", uid=uid, sessionId=session_id, error=repr(exc))


def _response(
    deps: Deps, chat: IdentityChat, identity_name: str | None, sent: SendMessageResponse, *, references_changed: bool
) -> IdentityImageResponse:
    image = sent.turn.images[0]
    data, mime_type = inline_image(deps.images.read(image.storage_path))
    return IdentityImageResponse(
        image_base64=data, image_mime_type=mime_type, identity_id=chat.identity_id, identity_name=identity_name,
        has_active_session=True, session_identity_id=chat.identity_id, references_changed=references_changed,
        notice=REFERENCES_CHANGED if references_changed else None, session_id=chat.session_id,
        turn_id=sent.turn.id, image_url=image.public_url,
    )
