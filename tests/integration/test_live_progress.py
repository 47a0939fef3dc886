"""Live progress (issue 15): a client listening to the session's turns with onSnapshot sees the
running message's phases, the model's thought summary and an interim preview before the answer;
the final commit removes them (and the preview object)."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
from google.cloud import firestore, storage

from tests.integration.helpers import fetch, new_session, provenance_of, send
from tests.support.clients import ApiClient, GeminiControl


class TurnWatcher:
    """Every state of the session's user turns a Firestore listener saw, in order."""

    def __init__(self, db: firestore.Client, uid: str, session_id: str) -> None:
        self.seen: list[dict[str, Any]] = []
        self.previews: list[bytes] = []
        self._lock = threading.Lock()
        self._listening = threading.Event()
        turns = db.collection("users").document(uid).collection("chatSessions").document(session_id)
        self._watch = turns.collection("turns").on_snapshot(self._on_snapshot)
        # The listener's first snapshot (the empty collection) says its stream is up: a message sent
        # before that could run its whole course unseen (a loaded machine takes seconds to connect).
        assert self._listening.wait(60), "the Firestore listener never delivered its first snapshot"

    def _on_snapshot(self, snapshots: list[Any], changes: list[Any], _read_time: Any) -> None:
        self._listening.set()
        with self._lock:
            for change in changes:
                data = change.document.to_dict() or {}
                if data.get("role") == "user":
                    self.seen.append(data)
                    preview = (data.get("progress") or {}).get("preview")
                    if preview:  # fetched while the message runs: it is deleted afterwards
                        self.previews.append(fetch(preview["publicUrl"]))

    def stop(self) -> list[dict[str, Any]]:
        """Stops listening once the listener has seen the message end (bounded)."""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not any(s["status"] != "pending" for s in list(self.seen)[-1:]):
            time.sleep(0.05)
        self._watch.unsubscribe()
        with self._lock:
            return list(self.seen)


def _phases(seen: list[dict[str, Any]]) -> list[str]:
    phases: list[str] = []
    for state in seen:
        phase = (state.get("progress") or {}).get("phase") or state["status"]
        if not phases or phases[-1] != phase:
            phases.append(phase)
    return phases


def test_a_listener_sees_the_phases_the_thoughts_and_a_preview_before_the_answer(
    user: ApiClient, gemini: GeminiControl, firestore_db: firestore.Client, bucket: storage.Bucket
) -> None:
    session_id = new_session(user, model="gemini-3-pro-image-preview")
    gemini.config(latencyMs=300, streamDelayMs=800)  # each streamed chunk shows on its own
    watcher = TurnWatcher(firestore_db, user.uid, session_id)
    try:
        answer = send(user, session_id, "Draw a lighthouse at dusk")
    finally:
        seen = watcher.stop()
        gemini.config(latencyMs=0, streamDelayMs=None)
    assert answer["status"] == "complete"
    phases = _phases(seen)
    # In order (a listener may miss a state that was overwritten before it was sent: not thinking).
    order = ["queued", "thinking", "drawing", "saving", "complete"]
    assert [order.index(p) for p in phases] == sorted(order.index(p) for p in phases), phases
    assert {"thinking", "drawing", "complete"} <= set(phases), phases
    thoughts = [s["progress"]["thought"] for s in seen if (s.get("progress") or {}).get("thought")]
    assert thoughts and thoughts[0] == "Planning: draw a new image."
    # The interim thought image, downscaled: a WebP that is not the answer.
    assert watcher.previews and watcher.previews[0][:4] == b"RIFF"
    assert fetch(answer["images"][0]["publicUrl"]) not in watcher.previews

    final = seen[-1]
    assert final["status"] == "complete" and "progress" not in final
    stored = [b.name for b in bucket.list_blobs(prefix=f"chat-images/{user.uid}/{session_id}/")]
    assert not [name for name in stored if "preview" in name], stored
    # The answer is what a non-streamed call would have made (provenance and the next edit).
    assert provenance_of(answer["images"][0])
    assert send(user, session_id, "make it warmer")["status"] == "complete"


def test_a_model_without_thoughts_shows_its_phases_and_the_rest_api_returns_progress(
    user: ApiClient, gemini: GeminiControl, firestore_db: firestore.Client
) -> None:
    session_id = new_session(user)  # 2.5 Flash Image: no thoughts
    gemini.config(latencyMs=1500)
    watcher = TurnWatcher(firestore_db, user.uid, session_id)
    got: list[requests.Response] = []
    thread = threading.Thread(target=lambda: got.append(send(user, session_id, "Draw a fox")))  # type: ignore[func-returns-value]
    thread.start()
    try:
        while not any((s.get("progress") or {}).get("phase") == "thinking" for s in list(watcher.seen)):
            assert thread.is_alive(), "the message ended before it showed it was thinking"
            threading.Event().wait(0.05)
        running = user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"]
        assert running[0]["status"] == "pending"
        assert running[0]["progress"]["phase"] == "thinking"
        assert running[0]["progress"]["thought"] == ""
    finally:
        thread.join()
        seen = watcher.stop()
        gemini.config(latencyMs=0)
    # "drawing" shows when the answer's text arrives in its own chunk before the image; a listener may
    # miss a state overwritten before it was sent (queued, saving), never see them out of order.
    phases = _phases(seen)
    order = ["queued", "thinking", "drawing", "saving", "complete"]
    assert [order.index(p) for p in phases] == sorted(order.index(p) for p in phases), phases
    assert phases[-1] == "complete" and "thinking" in phases
    done = user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"]
    assert done[0]["progress"] is None
