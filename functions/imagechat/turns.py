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

from imagechat import clock, config, history, views
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
from imagechat.gemini.contents import Prompt
from imagechat.gemini.gateway import ChatOptions
from imagechat.gemini.parsing import ModelReply
from imagechat.images.cleanup import delete_outputs
from imagechat.images.inputs import check_library_refs, resolve_references, source_attachments, store_inputs
from imagechat.images.outputs import save_output
from imagechat.schemas import SendMessageRequest, SendMessageResponse, dump
from imagechat.sessions import check_model_options, load_session
from imagechat.store.documents import Attachment, OutputImage, StoredError, Turn
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
    max_images = config.model_spec(session.model).max_input_images
    count = len(req.ref_urls) + len(req.image_ids)
    if count > max_images:
        raise InvalidArgument(
            f"refUrls: {session.model} accepts at most {max_images} images per message, "
            f"refUrls and imageIds together (got {count})."
        )
    check_model_options(session.model, aspect_ratio=req.aspect_ratio)
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
    progress: dict[str, Any] = {"stage": "inputs", "model": session.model, "images": len(inputs)}
    stage_started = time.perf_counter()
    try:
        # The pending turn first, so that the input is recorded even if copying the images fails.
        attachments = source_attachments(uid, inputs)
        user_turn = Turn(
            id=claim.user_turn_id,
            role="user",
            index=claim.user_index,
            status="pending",
            text=text,
            attachments=tuple(attachments),
            request_id=req.request_id,
            created_at=clock.now(),
        )
        deps.turns.write_user_turn(uid, session_id, user_turn)
        user_turn_written = True
        if inputs:
            attachments = store_inputs(deps.images, uid, session_id, claim.user_turn_id, inputs)
            deps.turns.set_attachments(uid, session_id, claim.user_turn_id, attachments)
        progress.update(stage="history", inputsMs=_ms(stage_started))
        stage_started = time.perf_counter()
        window = deps.settings.history_window_exchanges
        earlier = deps.turns.newest_before(uid, session_id, claim.user_index, history.turns_to_read(window))
        # History images and this message's images together within the model's cap.
        replayed = history.exchanges_to_replay(earlier, window, image_budget=max_images - len(attachments))
        prompt = Prompt(history=replayed, attachments=attachments, text=text)
        options = ChatOptions(
            model=session.model,
            aspect_ratio=req.aspect_ratio or session.aspect_ratio,
            image_size=session.image_size,
            image_only=req.image_only,
            system_prompt=session.system_prompt,
        )
        progress.update(stage="model", historyReadMs=_ms(stage_started))
        stage_started = time.perf_counter()
        reply = deps.model.send(prompt, options)  # builds the history parts (Files API) and calls the model
        progress.update(stage="storage", modelMs=_ms(stage_started))
        stage_started = time.perf_counter()
        outputs = [] if reply.blocked else _save_outputs(deps, uid, session_id, claim, reply)
        outcome = _exchange_outcome(session_id, claim, reply, outputs)
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
        failure = Internal(GENERATION_FAILED)
        timings = _timings(progress, started, stage_started)
        # Raises NotFound when the session was deleted meanwhile (then its objects vanished
        # under the run, which is what crashed it): that is a 404, not our bug.
        _record_failure(deps, uid, session_id, claim, failure, user_turn_written, timings)
        logger.error("send message crashed", sessionId=session_id, error=repr(exc))
        raise failure from exc

    logger.info(
        "turn finished",
        uid=uid,
        sessionId=session_id,
        turnId=claim.model_turn_id,
        status=outcome.model_turn.status,
        model=options.model,
        images=len(reply.images),
        filesUploaded=reply.files_uploaded,
        historyMs=round(reply.timings_ms.get("historyMs", 0.0), 1),
        modelMs=round(reply.timings_ms.get("modelMs", 0.0), 1),
        storageMs=storage_ms,
        totalMs=_ms(started),
        usage=reply.usage.model_dump(by_alias=True),
    )
    return SendMessageResponse.model_validate(outcome.response)


def _commit(
    deps: Deps,
    uid: str,
    session_id: str,
    claim: TurnClaim,
    outcome: ExchangeOutcome,
    attachments: list[Attachment],
) -> None:
    try:
        deps.turns.commit_exchange(uid, session_id, claim, outcome)
    except Interrupted:
        delete_outputs(deps.images, outcome.model_turn.images)  # no turn will reference them
        raise
    except NotFound:
        # The session was deleted while the turn ran: remove what this run stored after the
        # deletion swept the session's folder.
        delete_outputs(deps.images, outcome.model_turn.images)
        deps.images.delete([a.storage_path for a in attachments])
        raise


def _save_outputs(deps: Deps, uid: str, session_id: str, claim: TurnClaim, reply: ModelReply) -> list[OutputImage]:
    """Stores the reply's images (PNG and thumbnail each) in the session's folder."""
    return [
        save_output(deps.images, uid, session_id, claim.model_turn_id, i, image.data)
        for i, image in enumerate(reply.images)
    ]


def _exchange_outcome(
    session_id: str, claim: TurnClaim, reply: ModelReply, outputs: list[OutputImage]
) -> ExchangeOutcome:
    """The model turn of the finished exchange, and the response recorded for replays, made from
    that same turn (so the answer and what GET later shows agree, `createdAt` included)."""
    blocked = reply.blocked_message or ""
    model_turn = Turn(
        id=claim.model_turn_id,
        role="model",
        index=claim.model_index,
        status="blocked" if reply.blocked else "complete",
        text=blocked if reply.blocked else reply.text,
        error=StoredError(code="BLOCKED", message=blocked) if reply.blocked else None,
        images=tuple(outputs),  # none when blocked
        content=() if reply.blocked else tuple(reply.content),
        finish_reason=reply.finish_reason,
        usage=reply.usage,
        created_at=clock.now(),
    )
    if not reply.blocked:
        model_turn = fit_model_turn(model_turn, session_id=session_id, turn_id=claim.model_turn_id)
    return ExchangeOutcome(
        user_status="blocked" if reply.blocked else "complete",
        model_turn=model_turn,
        response=dump(views.sent_message(model_turn)),
    )


def _timings(progress: dict[str, Any], started: float, stage_started: float) -> dict[str, Any]:
    """The failure log's timings: the finished stages, the failed stage's time so far, and the total."""
    return {**progress, "stageMs": _ms(stage_started), "totalMs": _ms(started)}


def fit_model_turn(model_turn: Turn, **context: Any) -> Turn:
    """The model turn as it can be stored: one whose document would pass
    MAX_TURN_DOCUMENT_BYTES (Firestore's limit is 1 MiB) loses its `content` — history then
    falls back to the turn's text and images — and a warning is logged."""
    stored = model_turn.to_firestore()
    size = document_size(stored)
    if size <= config.MAX_TURN_DOCUMENT_BYTES or not model_turn.content:
        return model_turn
    logger.warn(
        "model turn content dropped: document too large",
        bytes=size,
        limit=config.MAX_TURN_DOCUMENT_BYTES,
        contentBytes=document_size(stored[Turn.stored_name("content")]),
        **context,
    )
    return model_turn.model_copy(update={"content": ()})


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
        deps.turns.commit_failure(uid, session_id, claim, StoredError.of(exc), user_turn_written)
    except NotFound:
        logger.warn("turn abandoned: the session was deleted", uid=uid, sessionId=session_id)
        raise
    except Exception as commit_error:  # the lease expires on its own; keep the original error
        logger.error("could not record a failed turn", sessionId=session_id, error=repr(commit_error))
