"""One claimed run of a message (turns.py claims it, then hands it here): every step after the
claim goes through `Run.step`, so any failure is recorded once (the user turn failed with its
input, the lease freed, the outputs removed); `Run.exchange` does the history, the model call(s)
(streamed, with live progress, in parallel for candidates), the outputs (a region edit's blended
back) and the ONE transactional commit of the finished exchange.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from firebase_functions import logger

from imagechat import clock, config, history, pricing, progress, region_edits, tree, views
from imagechat.deps import Deps
from imagechat.errors import (
    GENERATION_FAILED,
    SESSION_NOT_FOUND,
    STORE_UNAVAILABLE,
    Cancelled,
    ImageChatError,
    Internal,
    Interrupted,
    NotFound,
    Unavailable,
)
from imagechat.gemini.contents import Prompt
from imagechat.gemini.gateway import ChatOptions
from imagechat.gemini.parsing import ModelReply
from imagechat.images.cleanup import delete_outputs, delete_run_outputs
from imagechat.images.outputs import save_output
from imagechat.outages import is_outage
from imagechat.schemas import SendMessageResponse, dump
from imagechat.store.documents import (
    Attachment,
    Exchange,
    OutputImage,
    RegionEdit,
    Session,
    StoredError,
    Turn,
    TurnStatus,
)
from imagechat.store.leases import TurnClaim
from imagechat.store.turn_store import ExchangeOutcome, document_size

T = TypeVar("T")


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)


def _history(
    deps: Deps, uid: str, session: Session, parent: Turn | None, image_budget: int
) -> tuple[list[Exchange], str]:
    """The exchanges replayed in full and the note of the rest (history.py decides which)."""
    if parent is None:
        return [], ""
    pairs = tree.exchange_pairs(parent.lineage)
    window = session.history_turns or deps.settings.history_window_exchanges
    chosen = history.plan(len(pairs), window)
    full = deps.turns.get_many(uid, session.id, [t for i in chosen.replayed for t in pairs[i] if t is not None])
    exchanges = [
        Exchange(full[u] if u is not None else None, full[m])  # no user turn: an imported image
        for u, m in (pairs[i] for i in chosen.replayed)
        if (u is None or u in full) and m in full
    ]
    kept, dropped = history.fit_images(exchanges, image_budget)
    summarised = deps.turns.texts(uid, session.id, [u for u, _ in (pairs[i] for i in chosen.summarised) if u])
    return kept, history.earlier_note(history.left_out_instructions(pairs, summarised, dropped))


class Run:
    """One claimed run: every step after the claim goes through `step`, so that any failure is
    recorded (the user turn failed, the lease freed) and mapped once."""

    def __init__(self, deps: Deps, uid: str, claim: TurnClaim, started: float, *, regenerating: bool = False):
        self.deps, self.uid, self.claim, self.started = deps, uid, claim, started
        self.regenerating = regenerating
        self.user_turn_written = False
        self.outputs_started = False  # from then on, a failed run may leave outputs to remove
        # What is known when a run fails: the stage it reached and the time each finished stage took.
        self.progress: dict[str, Any] = {"stage": "inputs", "model": claim.session.model}
        self.stage_started = time.perf_counter()
        for dead_turn_id in claim.dead_model_turn_ids:  # dead runs this claim took over
            self._remove_outputs(dead_turn_id)

    def stage(self, name: str, **finished: float) -> None:
        self.progress.update(stage=name, **finished)
        self.stage_started = time.perf_counter()

    def step(self, action: Callable[[], T]) -> T:
        session_id = self.claim.session.id
        try:
            return action()
        except (Interrupted, NotFound) as exc:
            if isinstance(exc, NotFound) and exc.message != SESSION_NOT_FOUND:
                self._fail(exc)
                raise
            # The lease was taken over (the new holder already failed this turn), the user cancelled
            # the turn, or the session was deleted: there is nothing left to record.
            cancelled = isinstance(exc, Interrupted) and self.deps.leases.was_cancelled(
                self.uid, session_id, self.claim
            )
            logger.warn("turn cancelled" if cancelled else "turn abandoned", uid=self.uid, sessionId=session_id,
                        turnId=self.claim.user_turn_id, **self._timings())
            if cancelled:
                raise Cancelled() from exc
            raise
        except ImageChatError as exc:
            self._fail(exc)
            raise
        except Exception as exc:  # a backend outage, or an unexpected bug: the session must still be freed
            failure: ImageChatError = Unavailable(STORE_UNAVAILABLE) if is_outage(exc) else Internal(GENERATION_FAILED)
            # Raises NotFound when the session was deleted meanwhile (then its objects vanished
            # under the run, which is what crashed it): that is a 404, not our bug.
            self._fail(failure)
            if isinstance(failure, Unavailable):
                logger.warn("send message failed: Firestore or Storage did not answer", sessionId=session_id,
                            error=repr(exc))
            else:
                logger.error("send message crashed", sessionId=session_id, error=repr(exc))
            raise failure from exc

    def exchange(
        self,
        session: Session,
        parent: Turn | None,
        user_turn: Turn,
        sibling_ids: list[str],
        candidates: int = 1,
        region: region_edits.PreparedRegion | None = None,
    ) -> SendMessageResponse:
        """History, model call(s), outputs and the commit of the finished exchange. With
        `candidates` > 1 the model is called that many times in parallel (seeds 0..N-1) and every
        answer is a sibling model turn; the first complete one becomes the head. With a `region`
        (a masked edit) each answer is blended back into the edited image (region_edits.finish)."""
        deps, uid, claim = self.deps, self.uid, self.claim
        self.stage("history", inputsMs=_ms(self.stage_started))
        budget = config.model_spec(session.model).max_input_images - len(user_turn.attachments)
        stateless = user_turn.mode == "stateless"  # its images and text only, never the history
        replayed, note = ([], "") if stateless else self.step(lambda: _history(deps, uid, session, parent, budget))
        window = session.history_turns or deps.settings.history_window_exchanges
        prompt = Prompt(
            history=replayed, attachments=user_turn.attachments, text=user_turn.text, chain_exchanges=window
        )
        options = ChatOptions(
            model=session.model,
            aspect_ratio=user_turn.aspect_ratio or session.aspect_ratio,
            image_size=session.image_size,
            image_only=user_turn.image_only,
            system_prompt=history.with_note(session.system_prompt, note),
        )
        self.stage("model", historyReadMs=_ms(self.stage_started))
        reporter = progress.ProgressReporter(deps, uid, claim, self.started)
        try:
            # Files API parts, then the model, streamed: its progress is shown while it works, and a
            # cancel stops the wait (a late reply is dropped).
            try:
                if candidates == 1:
                    replies = [(claim.model_turn_id, self.step(lambda: progress.await_reply(
                        deps, uid, claim, reporter, lambda: deps.model.stream(prompt, options)
                    )))]
                else:
                    replies = self.step(lambda: self._candidates(prompt, options, reporter, candidates))
            except NotFound:
                # The session was deleted while the model worked: remove the input copies this run
                # may have stored after the deletion swept the session's folder.
                deps.images.delete([a.storage_path for a in user_turn.attachments])
                raise
            self.stage("storage", modelMs=_ms(self.stage_started))
            self.step(lambda: reporter.show("saving"))
            self.outputs_started = True
            if region is not None:
                prepared, model_turn_id = region, claim.model_turn_id
                region = self.step(lambda: region_edits.keep_source(deps, uid, session.id, model_turn_id, prepared))
            answers: list[_Answer] = []
            for turn_id, reply in replies:
                outputs: list[OutputImage] = []
                record = None
                if region is not None and reply.images and not reply.blocked:
                    pngs = [image.data for image in reply.images]
                    outputs, record = self.step(
                        lambda turn_id=turn_id, pngs=pngs: region_edits.finish(  # type: ignore[misc]
                            deps, uid, session.id, turn_id, region, pngs
                        )
                    )
                elif region is not None and reply.blocked:  # kept for a regeneration of the region edit
                    record = self.step(
                        lambda turn_id=turn_id: region_edits.record(deps, uid, session.id, turn_id, region)  # type: ignore[misc]
                    )
                elif not reply.blocked:
                    outputs = self.step(
                        lambda turn_id=turn_id, reply=reply: _save_outputs(deps, uid, session.id, turn_id, reply)  # type: ignore[misc]
                    )
                reply.usage = pricing.priced(reply.usage, options.model, options.image_size, deps.settings.prices_json)
                answers.append(_Answer(turn_id, reply, outputs, record))
            outcome = _exchange_outcome(session.id, claim, user_turn, answers, sibling_ids, self.regenerating)
            storage_ms = _ms(self.stage_started)
            self.stage("commit", storageMs=storage_ms)
            self.step(lambda: _commit(deps, uid, session.id, claim, outcome, user_turn.attachments))
        finally:
            reporter.discard_preview()
        reply = next(a.reply for a in answers if a.turn_id == outcome.model_turn.id)
        logger.info(
            "turn finished",
            uid=uid,
            sessionId=session.id,
            turnId=outcome.model_turn.id,
            status=outcome.model_turn.status,
            model=options.model,
            api=reply.api,
            candidates=candidates,
            succeeded=len(answers),
            interactionId=reply.interaction.id if reply.interaction else None,
            replayedAfter=reply.interaction.fallback_from if reply.interaction else None,
            images=len(reply.images),
            filesUploaded=reply.files_uploaded,
            replayedExchanges=len(replayed),
            noteChars=len(note),
            historyMs=round(reply.timings_ms.get("historyMs", 0.0), 1),
            modelMs=round(reply.timings_ms.get("modelMs", 0.0), 1),
            storageMs=storage_ms,
            totalMs=_ms(self.started),
            firstProgressMs=reporter.first_progress_ms,
            usage=reply.usage.model_dump(by_alias=True),
        )
        return SendMessageResponse.model_validate(outcome.response)

    def _candidates(
        self, prompt: Prompt, options: ChatOptions, reporter: progress.ProgressReporter, count: int
    ) -> list[tuple[str, ModelReply]]:
        """`count` model calls in parallel, candidate k with seed k: the (model turn id, reply) of
        those that answered, in the order they finished. Each call runs `progress.await_reply` on
        its own thread (which streams on another): the first candidate's reporter shows the
        message's progress, the others' show nothing; every waiter checks the lease, so a cancel
        stops them all (`Interrupted`). A failed candidate is logged and left out; when all fail,
        the first failure is raised (the usual failed turn)."""
        deps, uid, claim = self.deps, self.uid, self.claim
        reporters = [reporter, *(progress.QuietReporter(deps, uid, claim, self.started) for _ in range(count - 1))]
        pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="candidate")
        futures = {
            pool.submit(
                contextvars.copy_context().run,  # the request's logging context follows each call
                progress.await_reply,
                deps,
                uid,
                claim,
                reporters[k],
                lambda k=k: deps.model.stream(prompt, replace(options, seed=k)),
            ): k
            for k in range(count)
        }
        answered: list[tuple[str, ModelReply]] = []
        failures: list[BaseException] = []
        try:
            for future in as_completed(futures):
                k = futures[future]
                try:
                    answered.append((claim.model_turn_ids[k], future.result()))
                except Interrupted:
                    raise
                except Exception as exc:
                    logger.warn("candidate failed", sessionId=claim.session.id, candidate=k, error=repr(exc))
                    failures.append(exc)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)  # an abandoned call ends on its own
        if not answered:
            raise failures[0]
        return answered

    def _timings(self) -> dict[str, Any]:
        """The failure log's timings: the finished stages, the failed stage's time so far, and the total."""
        return {**self.progress, "stageMs": _ms(self.stage_started), "totalMs": _ms(self.started)}

    def _fail(self, exc: ImageChatError) -> None:
        recorded = _record_failure(self.deps, self.uid, self.claim.session.id, self.claim, exc,
                                   self.user_turn_written, self._timings())
        if recorded and self.outputs_started:
            # The failure was written under this run's lease, so its exchange can never be: what it
            # stored (all, some or none of its outputs) belongs to no turn. When the failure could not
            # be written (Firestore away), the outputs stay until the next claim takes the lease over.
            for model_turn_id in self.claim.model_turn_ids:
                self._remove_outputs(model_turn_id)

    def _remove_outputs(self, model_turn_id: str) -> None:
        """Removes what a run that will never write `model_turn_id` stored; a failure here (Storage
        away) is logged, not raised: the turn's own outcome matters more than the leftover."""
        session_id = self.claim.session.id
        try:
            removed = delete_run_outputs(self.deps.images, self.uid, session_id, model_turn_id)
        except Exception as exc:
            logger.warn("could not remove a failed run's outputs", sessionId=session_id, turnId=model_turn_id,
                        error=repr(exc))
            return
        if removed:
            logger.info("removed a failed run's outputs", sessionId=session_id, turnId=model_turn_id, objects=removed)


def _commit(
    deps: Deps,
    uid: str,
    session_id: str,
    claim: TurnClaim,
    outcome: ExchangeOutcome,
    attachments: Sequence[Attachment],
) -> None:
    try:
        deps.turns.commit_exchange(uid, session_id, claim, outcome)
    except Interrupted:
        for turn in (outcome.model_turn, *outcome.other_model_turns):
            delete_outputs(deps.images, turn.images)  # no turn will reference them
        raise
    except NotFound:
        # The session was deleted while the turn ran: remove what this run stored after the
        # deletion swept the session's folder.
        for turn in (outcome.model_turn, *outcome.other_model_turns):
            delete_outputs(deps.images, turn.images)
        deps.images.delete([a.storage_path for a in attachments])
        raise


def _save_outputs(deps: Deps, uid: str, session_id: str, turn_id: str, reply: ModelReply) -> list[OutputImage]:
    """Stores the reply's images (PNG and thumbnail each) in the session's folder."""
    return [save_output(deps.images, uid, session_id, turn_id, i, image.data) for i, image in enumerate(reply.images)]


@dataclass(frozen=True)
class _Answer:
    """One candidate's reply and the outputs stored for it (under its model turn id)."""

    turn_id: str
    reply: ModelReply
    outputs: list[OutputImage]
    region: RegionEdit | None = None  # a masked edit: outputs[0] is the composite


def _exchange_outcome(
    session_id: str,
    claim: TurnClaim,
    user_turn: Turn,
    answers: list[_Answer],
    sibling_ids: list[str],
    regenerating: bool,
) -> ExchangeOutcome:
    """The model turns of the finished exchange (one per answered candidate; `answers` in the order
    they finished) and the response recorded for replays, made from those same turns (so the answer
    and what GET later shows agree, `createdAt` included). The head is the first complete answer
    (else the first: all were blocked)."""
    turns = [_model_turn(session_id, claim, user_turn, a) for a in answers]
    head = next((t for t in turns if t.status == "complete"), turns[0])
    blocked = head.status == "blocked"
    user_status: TurnStatus | None = "blocked" if blocked else "complete"
    if regenerating and blocked:
        user_status = None  # the message keeps its earlier answers: it is not blocked
    in_order = sorted(turns, key=lambda t: t.index)
    siblings = [*(i for i in sibling_ids if i not in claim.model_turn_ids), *(t.id for t in in_order)]
    return ExchangeOutcome(
        user_status=user_status,
        model_turn=head,
        response=dump(views.sent_message(head, siblings, in_order)),
        new_turns=len(turns) + (0 if regenerating else 1),
        other_model_turns=tuple(t for t in turns if t is not head),
    )


def _model_turn(session_id: str, claim: TurnClaim, user_turn: Turn, answer: _Answer) -> Turn:
    """One answer as a model turn (its index: the one the claim reserved for its candidate)."""
    reply, turn_id = answer.reply, answer.turn_id
    blocked = reply.blocked_message or ""
    content, steps = tuple(reply.content), tuple(reply.steps)
    if answer.region is not None:  # the composite came first: the model's images are one further
        shift = answer.region.model_image
        content = tuple(e.model_copy(update={"image": e.image + shift}) if e.image is not None else e for e in content)
        steps = tuple(
            step.model_copy(update={"content": tuple(
                b.model_copy(update={"image": b.image + shift}) if b.image is not None else b for b in step.content
            )})
            for step in steps
        )
    model_turn = Turn(
        id=turn_id,
        role="model",
        index=claim.model_index + claim.model_turn_ids.index(turn_id),
        status="blocked" if reply.blocked else "complete",
        text=blocked if reply.blocked else reply.text,
        error=StoredError(code="BLOCKED", message=blocked) if reply.blocked else None,
        images=tuple(answer.outputs),  # none when blocked
        content=() if reply.blocked else content,
        steps=() if reply.blocked else steps,
        api=reply.api,
        interaction=reply.interaction,  # kept when blocked too: account deletion deletes it
        finish_reason=reply.finish_reason,
        usage=reply.usage,
        model=claim.session.model,
        created_at=clock.now(),
        parent_id=user_turn.id,
        lineage=(*user_turn.lineage, turn_id),
        mode=user_turn.mode,
        region=answer.region,
    )
    if not reply.blocked:
        model_turn = fit_model_turn(model_turn, session_id=session_id, turn_id=turn_id)
    return model_turn


def fit_model_turn(model_turn: Turn, **context: Any) -> Turn:
    """The model turn as it can be stored: one whose document would pass
    MAX_TURN_DOCUMENT_BYTES (Firestore's limit is 1 MiB) loses its `content` / `steps` — history then
    falls back to the turn's text and images — and a warning is logged."""
    stored = model_turn.to_firestore()
    size = document_size(stored)
    if size <= config.MAX_TURN_DOCUMENT_BYTES or not (model_turn.content or model_turn.steps):
        return model_turn
    logger.warn(
        "model turn content dropped: document too large",
        bytes=size,
        limit=config.MAX_TURN_DOCUMENT_BYTES,
        contentBytes=document_size(stored[Turn.stored_name("content")])
        + document_size(stored.get(Turn.stored_name("steps"), [])),
        **context,
    )
    return model_turn.model_copy(update={"content": (), "steps": ()})


def _record_failure(
    deps: Deps,
    uid: str,
    session_id: str,
    claim: TurnClaim,
    exc: ImageChatError,
    user_turn_written: bool,
    timings: dict[str, Any],
) -> bool:
    """Records the failure under the run's lease; whether it was written (False: the lease was taken
    over, or Firestore did not answer — then the lease expires on its own)."""
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
        return False
    return True
