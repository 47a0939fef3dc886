"""The send-message pipeline.

validate → resolve images → claim (idempotency + lease, one transaction) → write the pending
user turn → copy inputs into the session → history → model call → save outputs → ONE transactional commit
(model turn, user turn status, session counters/usage, lease release, request record) —
written only while the run still holds its lease (else `Interrupted`, and its outputs are
deleted).

A refusal makes the exchange `blocked` (the model turn carries the reason); an error makes
the user turn `failed`. Either way the input is kept and the lease released, so the
session stays usable.
"""

from __future__ import annotations

import time
from typing import Any

from firebase_functions import logger

from imagechat import clock, config, history
from imagechat.deps import Deps
from imagechat.errors import (
    EDIT_PROMPT_REQUIRED,
    GENERATION_FAILED,
    ImageChatError,
    Internal,
    Interrupted,
    InvalidArgument,
    NotFound,
)
from imagechat.gemini.gateway import ChatOptions
from imagechat.gemini.parsing import ModelReply
from imagechat.images.cleanup import delete_outputs
from imagechat.images.inputs import check_library_refs, resolve_references, source_attachments, store_inputs
from imagechat.images.outputs import save_output
from imagechat.schemas import SendMessageRequest, SendMessageResponse, TurnView, dump
from imagechat.sessions import load_session
from imagechat.store.leases import Replay, TurnClaim
from imagechat.store.turn_store import ExchangeOutcome, document_size


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)


def send_message(deps: Deps, uid: str, session_id: str, req: SendMessageRequest) -> SendMessageResponse:
    started = time.perf_counter()
    session = load_session(deps, uid, session_id)
    text = req.text.strip()
    if not text and not req.ref_urls and not req.image_ids:
        raise InvalidArgument(EDIT_PROMPT_REQUIRED)
    max_images = config.model_spec(session["model"]).max_input_images
    count = len(req.ref_urls) + len(req.image_ids)
    if count > max_images:
        raise InvalidArgument(
            f"refUrls: {session['model']} accepts at most {max_images} images per message, "
            f"refUrls and imageIds together (got {count})."
        )
    check_library_refs(req.image_ids, req.ref_urls)
    payload_hash = req.payload_hash() if req.request_id else None
    if req.request_id:  # a retry of a finished request needs nothing else, not even its uploads
        recorded = deps.leases.recorded(uid, session_id, req.request_id, payload_hash)
        if recorded is not None:
            return SendMessageResponse.model_validate(recorded.response)
    inputs = resolve_references(deps.images, uid, req.ref_urls)

    claim = deps.leases.claim(uid, session_id, req.request_id, deps.settings.lease_ttl_s, payload_hash)
    if isinstance(claim, Replay):
        return SendMessageResponse.model_validate(claim.response)

    user_turn_written = False
    # What is known when a run fails: the stage it reached and the time each finished stage took.
    progress: dict[str, Any] = {"stage": "inputs", "model": session["model"], "images": len(inputs)}
    stage_started = time.perf_counter()
    try:
        # The pending turn first, so that the input is recorded even if copying the images fails.
        attachments = source_attachments(uid, inputs)
        deps.turns.write_user_turn(
            uid, session_id, claim, {"text": text, "attachments": attachments, "requestId": req.request_id}
        )
        user_turn_written = True
        if inputs:
            attachments = store_inputs(deps.images, uid, session_id, claim.user_turn_id, inputs)
            deps.turns.set_attachments(uid, session_id, claim.user_turn_id, attachments)
        progress.update(stage="history", inputsMs=_ms(stage_started))
        stage_started = time.perf_counter()
        window = deps.settings.history_window_exchanges
        earlier = deps.turns.newest_before(uid, session_id, claim.user_index, history.turns_to_read(window))
        contents = history.contents_for(
            earlier, attachments, text, window, max_images
        )

        options = ChatOptions(
            model=session["model"],
            aspect_ratio=req.aspect_ratio or session["aspectRatio"],
            image_size=session["imageSize"],
            image_only=req.image_only,
            system_prompt=session.get("systemPrompt") or "",
        )
        progress.update(stage="model", historyReadMs=_ms(stage_started))
        stage_started = time.perf_counter()
        reply = deps.model.send(contents, options)  # builds the history parts (Files API) and calls the model
        progress.update(stage="storage", modelMs=_ms(stage_started))
        stage_started = time.perf_counter()
        outcome = _outcome(deps, uid, session_id, claim, reply)
        storage_ms = _ms(stage_started)
        progress.update(stage="commit", storageMs=storage_ms)
        _commit(deps, uid, session_id, claim, outcome, attachments)
    except (Interrupted, NotFound):
        # The lease was taken over (the new holder already failed this turn) or the session was
        # deleted: there is nothing left to record.
        logger.warn(
            "turn abandoned", uid=uid, sessionId=session_id, turnId=claim.user_turn_id,
            **_timings(progress, started, stage_started),
        )
        raise
    except ImageChatError as exc:
        timings = _timings(progress, started, stage_started)
        _record_failure(deps, uid, session_id, claim, exc, user_turn_written, timings)
        raise
    except Exception as exc:  # an unexpected bug must still free the session
        logger.error("send message crashed", sessionId=session_id, error=repr(exc))
        failure = Internal(GENERATION_FAILED)
        timings = _timings(progress, started, stage_started)
        _record_failure(deps, uid, session_id, claim, failure, user_turn_written, timings)
        raise failure from exc

    logger.info(
        "turn finished",
        uid=uid,
        sessionId=session_id,
        turnId=claim.model_turn_id,
        status=outcome.model_turn["status"],
        model=options.model,
        images=len(reply.images),
        filesUploaded=reply.files_uploaded,
        historyMs=round(reply.timings_ms.get("historyMs", 0.0), 1),
        modelMs=round(reply.timings_ms.get("modelMs", 0.0), 1),
        storageMs=storage_ms,
        totalMs=_ms(started),
        usage=reply.usage,
    )
    return SendMessageResponse.model_validate(outcome.response)


def _commit(
    deps: Deps,
    uid: str,
    session_id: str,
    claim: TurnClaim,
    outcome: ExchangeOutcome,
    attachments: list[dict[str, Any]],
) -> None:
    try:
        deps.turns.commit_exchange(uid, session_id, claim, outcome)
    except Interrupted:
        delete_outputs(deps.images, outcome.model_turn["images"])  # no turn will reference them
        raise
    except NotFound:
        # The session was deleted while the turn ran: remove what this run stored after the
        # deletion swept the session's folder.
        delete_outputs(deps.images, outcome.model_turn["images"])
        deps.images.delete([a["storagePath"] for a in attachments])
        raise


def _outcome(deps: Deps, uid: str, session_id: str, claim: TurnClaim, reply: ModelReply) -> ExchangeOutcome:
    """Stores the output images and shapes the documents of the finished exchange."""
    model_turn: dict[str, Any] = {
        "finishReason": reply.finish_reason,
        "usage": reply.usage,
    }
    if reply.blocked:
        model_turn.update(
            text=reply.blocked_message,
            images=[],
            content=[],
            status="blocked",
            error={"code": "BLOCKED", "message": reply.blocked_message or ""},
        )
    else:
        images = [
            save_output(deps.images, uid, session_id, claim.model_turn_id, i, image.data)
            for i, image in enumerate(reply.images)
        ]
        model_turn.update(text=reply.text, images=images, content=reply.content, status="complete")
        model_turn = fit_model_turn(model_turn, session_id=session_id, turn_id=claim.model_turn_id)
    view = TurnView.model_validate(
        {**model_turn, "id": claim.model_turn_id, "index": claim.model_index, "role": "model", "createdAt": clock.now()}
    )
    return ExchangeOutcome(
        user_status="blocked" if reply.blocked else "complete",
        model_turn=model_turn,
        response=dump(SendMessageResponse(turn=view)),
        usage=reply.usage,
        last_image=model_turn["images"][0] if model_turn["images"] else None,
    )


def _timings(progress: dict[str, Any], started: float, stage_started: float) -> dict[str, Any]:
    """The failure log's timings: the finished stages, the failed stage's time so far, and the total."""
    return {**progress, "stageMs": _ms(stage_started), "totalMs": _ms(started)}


def fit_model_turn(model_turn: dict[str, Any], **context: Any) -> dict[str, Any]:
    """The model turn as it can be stored: one whose document would pass
    MAX_TURN_DOCUMENT_BYTES (Firestore's limit is 1 MiB) loses its `content` — history then
    falls back to the turn's text and images — and a warning is logged."""
    size = document_size(model_turn)
    if size <= config.MAX_TURN_DOCUMENT_BYTES or not model_turn.get("content"):
        return model_turn
    logger.warn(
        "model turn content dropped: document too large",
        bytes=size,
        limit=config.MAX_TURN_DOCUMENT_BYTES,
        contentBytes=document_size(model_turn["content"]),
        **context,
    )
    return {**model_turn, "content": []}


def _record_failure(
    deps: Deps,
    uid: str,
    session_id: str,
    claim: TurnClaim,
    exc: ImageChatError,
    user_turn_written: bool,
    timings: dict[str, Any],
) -> None:
    logger.warn(
        "turn failed",
        uid=uid,
        sessionId=session_id,
        turnId=claim.user_turn_id,
        code=exc.code.value,
        message=exc.message,
        **timings,
    )
    try:
        deps.turns.commit_failure(uid, session_id, claim, exc.as_dict(), user_turn_written)
    except Exception as commit_error:  # the lease expires on its own; keep the original error
        logger.error("could not record a failed turn", sessionId=session_id, error=repr(commit_error))
