"""Live progress of a running message, and waiting for the model while holding the session.

The model call (10–60 s on the real API) streams on its own thread; the run's thread waits for
the stream's events on a queue. Meanwhile it
- shows the progress on the pending user turn (`TurnProgress`: queued → thinking → drawing →
  saving, the thought summary so far, a small preview of an interim thought image), the newest
  state at most every PROGRESS_INTERVAL_S, each write only while the run holds the lease;
- checks every LEASE_CHECK_S that it still holds the session: a run whose lease is gone (its user
  cancelled it, or it was taken over) stops waiting at once (`Interrupted`). The abandoned call
  finishes on its thread and its reply is dropped: nothing of it is ever stored.

Progress is shown on a best-effort basis: a write that fails for another reason is logged and the
turn goes on. The final commit (or failure, or cancel) removes the progress.
"""

from __future__ import annotations

import contextvars
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from firebase_functions import logger

from imagechat import clock
from imagechat.deps import Deps
from imagechat.errors import Interrupted
from imagechat.gemini.parsing import GeneratedImage, ModelProgress, ModelReply
from imagechat.images.previews import save_preview
from imagechat.store.documents import ProgressPhase, Thumbnail, TurnProgress
from imagechat.store.leases import TurnClaim

PROGRESS_INTERVAL_S = 0.5
LEASE_CHECK_S = 1.0
# The longest thought summary a turn shows (the newest text is kept).
MAX_THOUGHT_CHARS = 2000


def queued() -> TurnProgress:
    """The progress a message starts with (written with its pending user turn)."""
    return TurnProgress(phase="queued", updated_at=clock.now())


class ProgressReporter:
    """Shows one run's progress on its user turn."""

    def __init__(self, deps: Deps, uid: str, claim: TurnClaim, started: float) -> None:
        self._deps, self._uid, self._claim, self._started = deps, uid, claim, started
        self._shown = TurnProgress()
        self._waiting: ModelProgress | None = None  # newer than what is shown, not yet written
        self._written_at = 0.0
        self._preview_of: GeneratedImage | None = None
        self._preview: Thumbnail | None = None
        self.first_progress_ms: float | None = None  # the model's first thought or image, from the start

    def show(self, phase: ProgressPhase) -> None:
        """Writes a new phase now (the model started; the outputs are being saved)."""
        self._write(self._shown.model_copy(update={"phase": phase}))

    def offer(self, event: ModelProgress) -> None:
        """What the stream shows now: written at once, or when PROGRESS_INTERVAL_S has passed."""
        if self.first_progress_ms is None:
            self.first_progress_ms = round((time.perf_counter() - self._started) * 1000, 1)
        self._waiting = event
        if self.due_in() == 0:
            self.flush()

    def due_in(self) -> float | None:
        """Seconds until the waiting progress may be written (None: nothing waits)."""
        if self._waiting is None:
            return None
        return max(0.0, self._written_at + PROGRESS_INTERVAL_S - time.monotonic())

    def flush(self) -> None:
        event, self._waiting = self._waiting, None
        if event is None:
            return
        if event.preview is not None and event.preview is not self._preview_of:
            self._preview_of = event.preview
            self._preview = save_preview(
                self._deps.images, self._uid, self._claim.session.id, self._claim.user_turn_id, event.preview.data
            )
        thought = event.thought[-MAX_THOUGHT_CHARS:]
        phase: ProgressPhase = "drawing" if event.phase == "drawing" else "thinking"
        self._write(TurnProgress(phase=phase, thought=thought, preview=self._preview))

    def discard_preview(self) -> None:
        """Deletes the preview image (the message ended: its progress is gone)."""
        if self._preview is not None:
            try:
                self._deps.images.delete([self._preview.storage_path])
            except Exception as exc:  # the session's deletion sweeps it anyway
                logger.warn("could not delete a progress preview", path=self._preview.storage_path, error=repr(exc))

    def _write(self, progress: TurnProgress) -> None:
        progress = progress.model_copy(update={"updated_at": clock.now()})
        self._written_at = time.monotonic()
        try:
            self._deps.turns.set_progress(self._uid, self._claim.session.id, self._claim, progress)
        except Interrupted:
            raise
        except Exception as exc:  # progress is a courtesy: the turn goes on without it
            logger.warn("could not show progress", sessionId=self._claim.session.id, error=repr(exc))
            return
        self._shown = progress


class QuietReporter(ProgressReporter):
    """A candidate's reporter that shows nothing: a message with several candidates shows the
    progress of its first one only (one user turn, one progress); the others are only waited for."""

    def flush(self) -> None:
        self._waiting = None

    def _write(self, progress: TurnProgress) -> None:
        self._written_at = time.monotonic()


def await_reply(
    deps: Deps,
    uid: str,
    claim: TurnClaim,
    reporter: ProgressReporter,
    stream: Callable[[], Iterator[ModelProgress | ModelReply]],
) -> ModelReply:
    """Runs the model's stream on its own thread and waits for its reply, showing its progress and
    checking the lease meanwhile (see the module's docstring). Raises what the stream raised."""
    inbox: queue.Queue[tuple[bool, Any]] = queue.Queue()

    def work() -> None:
        try:
            for event in stream():
                inbox.put((True, event))
        except BaseException as exc:  # handed to the waiting run, which maps it
            inbox.put((False, exc))

    context = contextvars.copy_context()  # the request's logging context follows the call
    threading.Thread(target=context.run, args=(work,), name="model-call", daemon=True).start()
    reporter.show("thinking")  # while the request is on its way
    checked = time.monotonic()
    while True:
        until_check = max(0.0, checked + LEASE_CHECK_S - time.monotonic())
        due = reporter.due_in()
        try:
            ok, value = inbox.get(timeout=until_check if due is None else min(due, until_check))
        except queue.Empty:
            pass
        else:
            if not ok:
                raise value
            if isinstance(value, ModelReply):
                return value
            reporter.offer(value)
        if reporter.due_in() == 0:
            reporter.flush()
        if time.monotonic() - checked >= LEASE_CHECK_S:
            if not deps.leases.holds(uid, claim.session.id, claim.lease_id):
                raise Interrupted()
            checked = time.monotonic()
