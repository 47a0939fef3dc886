"""The send-message pipeline (the use cases: send, regenerate, a prepared send; the claimed run
itself is turn_run.py).

validate → resolve images → claim (idempotency + lease, one transaction) → write the pending
user turn → copy inputs into the session → history → model call → save outputs → ONE transactional commit
(model turn, user turn status, session counters/usage, lease release, request record) —
written only while the run still holds its lease (else `Interrupted`, and its outputs are
deleted).

A refusal makes the exchange `blocked` (the model turn carries the reason); an error makes
the user turn `failed`. Either way the input is kept and the lease released, so the
session stays usable. A Firestore or Storage outage is such an error (503, transient); a failed
run removes the outputs it stored, and a claim that takes a session over from a dead run removes
that run's (see docs/data-model.md, "Outages").
"""

from __future__ import annotations

import time

from imagechat import clock, progress, quotas, region_edits
from imagechat.branches import head_turn, lined_turn
from imagechat.deps import Deps
from imagechat.errors import EDIT_PROMPT_REQUIRED, HEAD_MOVED, NOT_A_PARENT, NOT_AN_ANSWER, InvalidArgument
from imagechat.images.inputs import InputImage, source_attachments, store_inputs
from imagechat.presets import message_text
from imagechat.references import check_image_cap, resolve_message_images
from imagechat.schemas import RegenerateRequest, SendMessageRequest, SendMessageResponse, operation_hash
from imagechat.sessions import check_model_options, load_session
from imagechat.store.documents import Session, Turn
from imagechat.store.leases import Replay, TurnClaim
from imagechat.turn_run import Run


def send_message(deps: Deps, uid: str, session_id: str, req: SendMessageRequest) -> SendMessageResponse:
    started = time.perf_counter()
    session = load_session(deps, uid, session_id)
    text = message_text(deps, uid, req)  # a preset's text first, then the message's
    if not text and not req.ref_urls and not req.image_ids:
        raise InvalidArgument(EDIT_PROMPT_REQUIRED)
    check_image_cap(session, req)  # pinned references count too
    check_model_options(session.model, aspect_ratio=req.aspect_ratio)
    payload_hash = req.payload_hash() if req.request_id else None
    if req.request_id:  # a retry of a finished request needs nothing else, not even its uploads
        recorded = deps.leases.recorded(uid, session_id, req.request_id, payload_hash)
        if recorded is not None:
            return SendMessageResponse.model_validate(recorded.response)
    chosen_parent = None if req.continues_head or req.parent_turn_id is None else _parent(deps, uid, session_id,
                                                                                         req.parent_turn_id)
    inputs = resolve_message_images(deps, uid, req.image_ids, req.ref_urls)  # library picks first, then refUrls
    region = None
    if req.mask is not None:  # checked before the claim: a bad mask is a 400 and writes nothing
        target = None
        if req.mask.attachment is None:  # the image the message continues from
            target = head_turn(deps, uid, session) if req.continues_head else chosen_parent
        region = region_edits.prepare(deps, uid, target, inputs, req.mask, session.region_context)
        inputs = region.message_inputs(inputs)

    claim = _claim(deps, uid, session_id, req.request_id, payload_hash, candidates=req.candidates)
    if isinstance(claim, Replay):
        return SendMessageResponse.model_validate(claim.response)
    run = Run(deps, uid, claim, started)
    # The head is the one the claim read: no other send can move it until this run ends.
    parent = run.step(lambda: head_turn(deps, uid, claim.session) if req.continues_head else chosen_parent)
    if region is not None and region.target is not None and (parent is None or parent.id != region.target.id):
        run.step(lambda: _refuse(HEAD_MOVED))
    if (region is None or region.target is None) and parent is not None and parent.region is not None:
        # The image to continue from is the composite, which the model never made: it goes as a user image.
        inputs = [run.step(lambda: region_edits.composite_input(deps, uid, parent)), *inputs]
    template = Turn(
        role="user", index=0, status="pending", text=text, request_id=req.request_id,
        aspect_ratio=region.ratio if region is not None else req.aspect_ratio, image_only=req.image_only,
    )
    user_turn = _write_user_turn(run, parent, template, inputs)
    return run.exchange(
        session, parent, user_turn, sibling_ids=[claim.model_turn_id], candidates=req.candidates, region=region
    )


def _refuse(message: str) -> None:
    raise InvalidArgument(message)


def _write_user_turn(run: Run, parent: Turn | None, template: Turn, inputs: list[InputImage]) -> Turn:
    """Writes the claimed run's user turn (`template` gives its text, options and mode) as `pending`
    first — so the input is recorded even if copying the images fails — then copies its images into
    the session. The session's pinned references come first (already the session's copies)."""
    deps, uid, claim = run.deps, run.uid, run.claim
    session_id = claim.session.id
    pinned = tuple(claim.session.pinned_refs or ())
    user_turn = template.model_copy(
        update={
            "id": claim.user_turn_id,
            "index": claim.user_index,
            "status": "pending",
            "progress": progress.queued(),
            "attachments": (*pinned, *source_attachments(uid, inputs)),
            "created_at": clock.now(),
            "parent_id": parent.id if parent else None,
            "lineage": (*(parent.lineage if parent else ()), claim.user_turn_id),
        }
    )
    run.step(lambda: deps.turns.write_user_turn(uid, session_id, user_turn))
    run.user_turn_written = True
    if inputs:
        copies = [*pinned, *run.step(lambda: store_inputs(deps.images, uid, session_id, claim.user_turn_id, inputs))]
        run.step(lambda: deps.turns.set_attachments(uid, session_id, claim.user_turn_id, copies))
        user_turn = user_turn.model_copy(update={"attachments": tuple(copies)})
    return user_turn


def regenerate_turn(
    deps: Deps, uid: str, session_id: str, turn_id: str, req: RegenerateRequest
) -> SendMessageResponse:
    """Sends an answered user message again (same text, images and options, from the same
    parent); the new answer (with `candidates`, each one) is a sibling of `turn_id`, and the first
    complete one becomes the head. A region edit's new answers are blended back like the first."""
    started = time.perf_counter()
    session = load_session(deps, uid, session_id)
    answer = lined_turn(deps, uid, session_id, turn_id)
    if answer.role != "model" or answer.parent_id is None:
        raise InvalidArgument(NOT_AN_ANSWER)
    operation = "regenerate" if req.candidates == 1 else f"regenerate:{req.candidates}"
    payload_hash = operation_hash(operation, turn_id) if req.request_id else None
    if req.request_id:
        recorded = deps.leases.recorded(uid, session_id, req.request_id, payload_hash)
        if recorded is not None:
            return SendMessageResponse.model_validate(recorded.response)
    user_turn = lined_turn(deps, uid, session_id, answer.parent_id)
    parent = lined_turn(deps, uid, session_id, user_turn.parent_id) if user_turn.parent_id else None
    region = _region_to_redo(deps, uid, session_id, user_turn, answer)  # before the claim: a refusal writes nothing
    claim = _claim(
        deps, uid, session_id, req.request_id, payload_hash, answering=user_turn.id, candidates=req.candidates
    )
    if isinstance(claim, Replay):
        return SendMessageResponse.model_validate(claim.response)
    run = Run(deps, uid, claim, started, regenerating=True)
    answers = run.step(lambda: deps.turns.answers(uid, session_id, user_turn.id))
    earlier = [t.id for t in answers] or [answer.id]  # an answer written before the tree has no parentId
    return run.exchange(
        session, parent, user_turn, sibling_ids=[*earlier, claim.model_turn_id], candidates=req.candidates,
        region=region,
    )


def _region_to_redo(
    deps: Deps, uid: str, session_id: str, user_turn: Turn, answer: Turn
) -> region_edits.PreparedRegion | None:
    """The region edit a regeneration redoes (None: the message was not one): from the answer's
    record, or (an answer stored before blocked answers kept one) from a sibling's."""
    if answer.region is None and any(a.role == "region" for a in user_turn.attachments):
        return region_edits.restore(deps, user_turn, deps.turns.answers(uid, session_id, user_turn.id))
    return region_edits.restore(deps, user_turn, [answer])


def send_prepared(
    deps: Deps,
    uid: str,
    session: Session,
    parent: Turn | None,
    user_turn: Turn,
    inputs: list[InputImage],
    payload_hash: str | None,
    started: float,
) -> SendMessageResponse:
    """A send another use case prepared (a stateless edit): its parent is chosen and its inputs
    resolved. Claims the session, then runs it like a message: `user_turn` gives the text, the
    options and the mode; its id, index, parent and lineage come from the claim; the session's
    pinned references come first, as in every message."""
    claim = _claim(deps, uid, session.id, user_turn.request_id, payload_hash)
    if isinstance(claim, Replay):
        return SendMessageResponse.model_validate(claim.response)
    run = Run(deps, uid, claim, started)
    user_turn = _write_user_turn(run, parent, user_turn, inputs)
    return run.exchange(session, parent, user_turn, sibling_ids=[claim.model_turn_id])


def _claim(
    deps: Deps,
    uid: str,
    session_id: str,
    request_id: str | None,
    payload_hash: str | None,
    answering: str | None = None,
    candidates: int = 1,
) -> TurnClaim | Replay:
    """The user's quota first (429 `QuotaExceeded`, nothing written), then the session's claim,
    which counts the model calls (one per candidate) in the quota's window."""
    window = quotas.admit(deps, uid, candidates)
    return deps.leases.claim(
        uid, session_id, request_id, deps.settings.lease_ttl_s, payload_hash, answering=answering, quota=window,
        candidates=candidates,
    )


def _parent(deps: Deps, uid: str, session_id: str, turn_id: str) -> Turn:
    """The model turn a message names to branch from: complete, of this session."""
    parent = lined_turn(deps, uid, session_id, turn_id)
    if parent.role != "model" or parent.status != "complete":
        raise InvalidArgument(NOT_A_PARENT)
    return parent
