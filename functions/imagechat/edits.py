"""The stateless edit (seed 002): the given references, the head's image and the instruction —
no history — answered as a normal exchange on the branch (`mode: "stateless"` on both turns), so
undo, regenerate and the tree work as for any message.

It takes the session like a send (409 while a turn runs) and honours `requestId`. The image
edited is the head's as read before the claim: the new exchange hangs off that turn (as a send
naming it in `parentTurnId` would).
"""

from __future__ import annotations

import time

from imagechat import config
from imagechat.branches import head_turn
from imagechat.deps import Deps
from imagechat.errors import EDIT_PROMPT_REQUIRED, NO_ACTIVE_IMAGE, InvalidArgument
from imagechat.images.inputs import resolve_reference
from imagechat.references import resolve_message_images
from imagechat.schemas import EditImageRequest, SendMessageResponse
from imagechat.sessions import load_session
from imagechat.store.documents import Turn
from imagechat.turns import send_prepared


def edit_image(deps: Deps, uid: str, session_id: str, req: EditImageRequest) -> SendMessageResponse:
    started = time.perf_counter()
    session = load_session(deps, uid, session_id)
    text = req.text.strip()
    if not text:
        raise InvalidArgument(EDIT_PROMPT_REQUIRED)
    max_images = config.model_spec(session.model).max_input_images
    pinned = len(session.pinned_refs or ())
    count = pinned + len(req.ref_urls) + len(req.image_ids) + 1
    if count > max_images:
        raise InvalidArgument(
            f"refUrls: {session.model} accepts at most {max_images} images per edit: pinned references, "
            f"refUrls, imageIds and the edited image together (got {count})."
        )
    payload_hash = req.payload_hash() if req.request_id else None
    if req.request_id:  # a retry of a finished edit needs nothing else
        recorded = deps.leases.recorded(uid, session_id, req.request_id, payload_hash)
        if recorded is not None:
            return SendMessageResponse.model_validate(recorded.response)
    head = head_turn(deps, uid, session)
    if head is None or not head.images:
        raise InvalidArgument(NO_ACTIVE_IMAGE)
    edited = resolve_reference(deps.images, uid, head.images[0].storage_path, "the head's image")
    # The references first (pinned ones, then library picks, then refUrls), the image being edited
    # last, right before the instruction: the newest image is the one to edit, as in a conversation.
    inputs = [*resolve_message_images(deps, uid, req.image_ids, req.ref_urls), edited]
    user_turn = Turn(role="user", index=0, status="pending", text=text, request_id=req.request_id, mode="stateless")
    return send_prepared(deps, uid, session, head, user_turn, inputs, payload_hash, started)
