"""Cancel a running message (issue 15): the turn is `cancelled` with its input kept, the session takes
the next message at once, and the abandoned model call's late result is never stored."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
from google.cloud import firestore, storage

from tests.integration.helpers import model_calls, new_session, send, upload
from tests.support.clients import ApiClient, GeminiControl

CANCELLED = "This message was cancelled."


def _turns(db: firestore.Client, uid: str, session_id: str) -> list[dict[str, Any]]:
    ref = db.collection("users").document(uid).collection("chatSessions").document(session_id)
    return sorted((s.to_dict() | {"id": s.id} for s in ref.collection("turns").stream()), key=lambda t: t["index"])


def _pending_turn(db: firestore.Client, uid: str, session_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        pending = [t for t in _turns(db, uid, session_id) if t["status"] == "pending"]
        if pending:
            return pending[0]
        assert time.monotonic() < deadline, "the send never started"
        time.sleep(0.05)


def _in_background(call: Any) -> tuple[threading.Thread, list[requests.Response]]:
    result: list[requests.Response] = []
    thread = threading.Thread(target=lambda: result.append(call()))
    thread.start()
    return thread, result


def _wait_for_model_calls(gemini: GeminiControl, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(model_calls(gemini.requests())) < count:
        assert time.monotonic() < deadline, "the model was never called"
        time.sleep(0.1)


def test_cancel_frees_the_session_keeps_the_input_and_discards_the_late_answer(
    user: ApiClient, gemini: GeminiControl, firestore_db: firestore.Client, bucket: storage.Bucket
) -> None:
    session_id = new_session(user)
    photo = upload(user)
    gemini.config(latencyMs=6000)
    body = {"text": "Draw a fox", "refUrls": [photo["publicUrl"]], "requestId": "fox-1"}
    thread, result = _in_background(
        lambda: user.rest("POST", f"/api/chat/sessions/{session_id}/message", json=body)
    )
    pending = _pending_turn(firestore_db, user.uid, session_id)
    _wait_for_model_calls(gemini, 1)  # the model is working on it

    cancelled = user.rest("POST", f"/api/chat/sessions/{session_id}/turns/{pending['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    turn = cancelled.json()["turn"]
    assert (turn["status"], turn["text"], turn["error"]["message"]) == ("cancelled", "Draw a fox", CANCELLED)
    assert len(turn["attachments"]) == 1  # the input is kept

    # The sender hears it was cancelled, without waiting for the model's answer.
    thread.join(timeout=5)
    assert not thread.is_alive(), "the cancelled send kept waiting for the model"
    assert result[0].status_code == 409
    assert result[0].json()["error"] == {"status": "CANCELLED", "message": CANCELLED}

    # The session takes the next message at once (the first model call is still running).
    gemini.config(latencyMs=0)
    answer = send(user, session_id, "Draw a cat")
    assert answer["status"] == "complete"

    # The abandoned call finishes at the emulator; its answer is stored nowhere.
    time.sleep(6)
    turns = _turns(firestore_db, user.uid, session_id)
    assert [(t["role"], t["status"]) for t in turns] == [("user", "cancelled"), ("user", "complete"),
                                                         ("model", "complete")]
    assert turns[0]["attachments"][0]["storagePath"]
    outputs = [b.name for b in bucket.list_blobs(prefix=f"chat-images/{user.uid}/{session_id}/")
               if "/inputs/" not in b.name]
    assert outputs and all(f"/{answer['id']}/" in name or answer["id"] in name for name in outputs), outputs
    session = user.rest("GET", f"/api/chat/sessions/{session_id}").json()
    assert session["session"]["headTurnId"] == answer["id"]
    assert session["session"]["turnCount"] == 3

    # A retry of the cancelled request replays the cancel: it does not run the message again.
    retry = user.rest("POST", f"/api/chat/sessions/{session_id}/message", json=body)
    assert (retry.status_code, retry.json()["error"]["message"]) == (409, CANCELLED)
    assert len(model_calls(gemini.requests())) == 2


def test_only_a_running_message_can_be_cancelled_and_the_callable_cancels_too(
    user: ApiClient, gemini: GeminiControl, firestore_db: firestore.Client
) -> None:
    session_id = new_session(user)
    answer = send(user, session_id, "Draw a fox")
    finished = user.rest("POST", f"/api/chat/sessions/{session_id}/turns/{answer['parentId']}/cancel")
    assert finished.status_code == 400
    assert finished.json()["error"]["message"] == "turnId: only a message that is still running can be cancelled."
    unknown = user.rest("POST", f"/api/chat/sessions/{session_id}/turns/nope/cancel")
    assert (unknown.status_code, unknown.json()["error"]["message"]) == (404, "Turn not found.")

    gemini.config(latencyMs=6000)
    thread, result = _in_background(lambda: user.call("sendMessage", {"sessionId": session_id, "text": "warmer"}))
    pending = _pending_turn(firestore_db, user.uid, session_id)
    cancelled = user.call_result("cancelTurn", {"sessionId": session_id, "turnId": pending["id"]})
    assert cancelled["turn"]["status"] == "cancelled"
    thread.join(timeout=10)
    assert result[0].json()["error"] == {"status": "CANCELLED", "message": CANCELLED}
    gemini.config(latencyMs=0)
    assert send(user, session_id, "cooler", parentTurnId=answer["id"])["status"] == "complete"
