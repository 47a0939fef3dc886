"""One turn at a time per session, and idempotent retries with a client request id."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from google.cloud import firestore

from tests.integration.helpers import model_calls, new_session, send, upload
from tests.support.clients import ApiClient, GeminiControl


def _turns(db: firestore.Client, uid: str, session_id: str) -> list[dict[str, Any]]:
    ref = db.collection("users").document(uid).collection("chatSessions").document(session_id)
    return [s.to_dict() for s in ref.collection("turns").stream()]


def _send_in_background(client: ApiClient, session_id: str, body: dict[str, Any]) -> tuple[threading.Thread, list]:
    result: list[requests.Response] = []
    thread = threading.Thread(
        target=lambda: result.append(client.rest("POST", f"/api/chat/sessions/{session_id}/message", json=body))
    )
    thread.start()
    return thread, result


def _wait_for_pending_turn(db: firestore.Client, uid: str, session_id: str) -> None:
    """Waits (bounded) until the first send holds the lease and has written its user turn."""
    deadline = time.monotonic() + 30
    while not any(t["status"] == "pending" for t in _turns(db, uid, session_id)):
        assert time.monotonic() < deadline, "the first send never started"
        time.sleep(0.05)


def test_second_send_while_one_runs_is_409(user: ApiClient, gemini: GeminiControl,
                                           firestore_db: firestore.Client) -> None:
    session_id = new_session(user)
    gemini.config(latencyMs=1500)
    thread, result = _send_in_background(user, session_id, {"text": "Draw a fox"})
    _wait_for_pending_turn(firestore_db, user.uid, session_id)

    busy = user.rest("POST", f"/api/chat/sessions/{session_id}/message", json={"text": "make it warmer"})
    assert busy.status_code == 409
    assert busy.json()["error"]["message"] == "This session is busy with another message."
    busy_callable = user.call("sendMessage", {"sessionId": session_id, "text": "make it warmer"})
    assert busy_callable.json()["error"]["status"] == "FAILED_PRECONDITION"
    assert busy_callable.json()["error"]["message"] == "This session is busy with another message."

    thread.join()
    assert result[0].status_code == 200, result[0].text
    gemini.config(latencyMs=0)
    assert send(user, session_id, "make it warmer")["status"] == "complete"
    assert len(model_calls(gemini.requests())) == 2


def test_request_id_retry_returns_the_first_result(user: ApiClient, gemini: GeminiControl) -> None:
    session_id = new_session(user)
    first = send(user, session_id, "Draw a fox", requestId="req-1")
    again = send(user, session_id, "Draw a fox", requestId="req-1")
    assert again == first
    by_callable = user.call_result("sendMessage", {"sessionId": session_id, "text": "Draw a fox",
                                                   "requestId": "req-1"})
    assert by_callable["turn"] == first
    assert len(model_calls(gemini.requests())) == 1
    assert len(user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"]) == 2


def test_request_id_reused_for_a_different_message_is_refused(user: ApiClient, gemini: GeminiControl) -> None:
    session_id = new_session(user)
    first = send(user, session_id, "Draw a fox", requestId="req-x")
    for body in ({"text": "Draw a bear"}, {"text": "Draw a fox", "imageOnly": True},
                 {"text": "Draw a fox", "aspectRatio": "16:9"}):
        reused = user.rest("POST", f"/api/chat/sessions/{session_id}/message", json={**body, "requestId": "req-x"})
        assert reused.status_code == 400, reused.text
        assert reused.json()["error"] == {"status": "INVALID_ARGUMENT",
                                          "message": "requestId was already used for a different message."}
    by_callable = user.call("sendMessage", {"sessionId": session_id, "text": "Draw a bear", "requestId": "req-x"})
    assert by_callable.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert send(user, session_id, "Draw a fox", requestId="req-x") == first  # the same message still replays
    assert len(model_calls(gemini.requests())) == 1


def test_request_id_retry_while_running_says_so(user: ApiClient, gemini: GeminiControl,
                                                firestore_db: firestore.Client) -> None:
    session_id = new_session(user)
    gemini.config(latencyMs=1500)
    thread, result = _send_in_background(user, session_id, {"text": "Draw a fox", "requestId": "req-2"})
    _wait_for_pending_turn(firestore_db, user.uid, session_id)
    running = user.rest("POST", f"/api/chat/sessions/{session_id}/message",
                        json={"text": "Draw a fox", "requestId": "req-2"})
    assert running.status_code == 409
    assert running.json()["error"]["status"] == "ABORTED"
    assert "still being processed" in running.json()["error"]["message"]
    thread.join()
    assert send(user, session_id, "Draw a fox", requestId="req-2") == result[0].json()["turn"]
    assert len(model_calls(gemini.requests())) == 1


def test_request_id_retry_after_a_transient_failure_runs_again(user: ApiClient, gemini: GeminiControl) -> None:
    # A 503 is not the final outcome of a request id: the client's retry gets the turn done.
    session_id = new_session(user)
    gemini.faults({"on": "generateContent", "status": 500, "times": 10})
    body = {"text": "Draw a fox", "requestId": "req-3"}
    first = user.rest("POST", f"/api/chat/sessions/{session_id}/message", json=body)
    assert first.status_code == 503
    gemini.reset()  # the model is back
    turn = send(user, session_id, **body)
    assert turn["status"] == "complete" and turn["index"] == 3
    assert send(user, session_id, **body) == turn  # now final: replayed, no new call
    assert len(model_calls(gemini.requests())) == 1
    turns = user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"]
    assert [t["status"] for t in turns] == ["failed", "complete", "complete"]


def test_request_id_retry_of_a_finished_send_needs_no_upload(user: ApiClient, gemini: GeminiControl,
                                                              bucket: Any) -> None:
    session_id = new_session(user)
    photo = upload(user)
    body = {"text": "make it warmer", "refUrls": [photo["publicUrl"]], "requestId": "req-up"}
    turn = send(user, session_id, **body)
    bucket.blob(photo["storagePath"]).delete()  # temp uploads expire
    assert send(user, session_id, **body) == turn
    assert len(model_calls(gemini.requests())) == 1


def _session_ref(db: firestore.Client, uid: str, session_id: str) -> firestore.DocumentReference:
    return db.collection("users").document(uid).collection("chatSessions").document(session_id)


def test_an_expired_lease_frees_the_session_and_fails_the_stuck_turn(
    user: ApiClient, firestore_db: firestore.Client
) -> None:
    # What a crashed instance leaves behind: a pending user turn, a running request, a lease.
    session_id = new_session(user)
    ref = _session_ref(firestore_db, user.uid, session_id)
    past = datetime.now(UTC) - timedelta(minutes=1)
    ref.collection("turns").document("stuck").set({"role": "user", "index": 0, "text": "Draw a fox",
                                                   "status": "pending", "attachments": []})
    ref.collection("requests").document("req-crashed").set({"state": "running", "userTurnId": "stuck"})
    ref.update({"nextIndex": 2, "lease": {"id": "old", "userTurnId": "stuck", "requestId": "req-crashed",
                                          "expiresAt": past}})

    turn = send(user, session_id, "Draw a fox")
    assert turn["status"] == "complete" and turn["index"] == 3
    turns = user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"]
    assert (turns[0]["id"], turns[0]["status"]) == ("stuck", "failed")
    assert "interrupted" in turns[0]["error"]["message"]
    # Interrupted is not a final outcome: a retry of the crashed request runs the turn.
    retry = send(user, session_id, "Draw a fox", requestId="req-crashed")
    assert retry["status"] == "complete" and retry["index"] == 5


def test_an_unexpired_lease_is_respected(user: ApiClient, firestore_db: firestore.Client) -> None:
    session_id = new_session(user)
    future = datetime.now(UTC) + timedelta(minutes=5)
    _session_ref(firestore_db, user.uid, session_id).update({"lease": {"id": "x", "expiresAt": future}})
    busy = user.rest("POST", f"/api/chat/sessions/{session_id}/message", json={"text": "Draw a fox"})
    assert busy.status_code == 409
    assert busy.json()["error"] == {"status": "FAILED_PRECONDITION",
                                    "message": "This session is busy with another message."}


INTERRUPTED_MESSAGE = "This message was interrupted before it finished. Please send it again."


def test_a_run_that_lost_its_lease_writes_nothing(user: ApiClient, gemini: GeminiControl,
                                                  firestore_db: firestore.Client, bucket: Any) -> None:
    # Run A outlives its lease and run B takes the session: A's late commit must not release
    # B's lease, complete A's turn or move the counters.
    session_id = new_session(user)
    ref = _session_ref(firestore_db, user.uid, session_id)
    gemini.config(latencyMs=1500)
    thread, result = _send_in_background(user, session_id, {"text": "Draw a fox", "requestId": "req-late"})
    _wait_for_pending_turn(firestore_db, user.uid, session_id)
    foreign = {"id": "run-b", "userTurnId": "turn-b", "requestId": None,
               "expiresAt": datetime.now(UTC) + timedelta(minutes=5)}
    ref.update({"lease": foreign})
    thread.join()

    response = result[0]
    assert response.status_code == 503, response.text
    assert response.json()["error"] == {"status": "UNAVAILABLE", "message": INTERRUPTED_MESSAGE}
    session = ref.get().to_dict()
    assert session["lease"]["id"] == "run-b" and session["lease"]["userTurnId"] == "turn-b"
    assert session["turnCount"] == 0 and session["lastImage"] is None
    turns = _turns(firestore_db, user.uid, session_id)
    assert [(t["role"], t["status"]) for t in turns] == [("user", "pending")]
    assert ref.collection("requests").document("req-late").get().to_dict()["state"] == "running"
    # The outputs of the lost run are not left behind in Storage.
    prefix = f"chat-images/{user.uid}/{session_id}/"
    assert [b.name for b in bucket.list_blobs(prefix=prefix) if "/inputs/" not in b.name] == []


@pytest.mark.parametrize("lease_left", ["expired", "missing"])
def test_a_retry_of_a_crashed_request_runs_the_turn(user: ApiClient, gemini: GeminiControl,
                                                    firestore_db: firestore.Client, lease_left: str) -> None:
    # The instance running req-crashed died: its record says running, its lease expired (or is gone).
    session_id = new_session(user)
    ref = _session_ref(firestore_db, user.uid, session_id)
    ref.collection("turns").document("stuck").set({"role": "user", "index": 0, "text": "Draw a fox",
                                                   "status": "pending", "attachments": [],
                                                   "requestId": "req-crashed"})
    ref.collection("requests").document("req-crashed").set({"state": "running", "userTurnId": "stuck"})
    lease = {"id": "old", "userTurnId": "stuck", "requestId": "req-crashed",
             "expiresAt": datetime.now(UTC) - timedelta(minutes=1)}
    ref.update({"nextIndex": 2, **({"lease": lease} if lease_left == "expired" else {})})

    turn = send(user, session_id, "Draw a fox", requestId="req-crashed")
    assert turn["status"] == "complete" and turn["index"] == 3
    assert len(model_calls(gemini.requests())) == 1
    session = user.rest("GET", f"/api/chat/sessions/{session_id}").json()
    assert [(t["id"] == "stuck", t["status"]) for t in session["turns"]] == [
        (True, "failed"), (False, "complete"), (False, "complete")]
    assert "interrupted" in session["turns"][0]["error"]["message"]
    assert session["session"]["turnCount"] == 3
    # From now on the id replays the new result.
    assert send(user, session_id, "Draw a fox", requestId="req-crashed") == turn
    assert len(model_calls(gemini.requests())) == 1


def test_deleting_a_session_while_a_turn_runs_is_refused(user: ApiClient, gemini: GeminiControl,
                                                         firestore_db: firestore.Client, bucket: Any) -> None:
    session_id = new_session(user)
    gemini.config(latencyMs=1500)
    thread, result = _send_in_background(user, session_id, {"text": "Draw a fox"})
    _wait_for_pending_turn(firestore_db, user.uid, session_id)
    busy = user.rest("DELETE", f"/api/chat/sessions/{session_id}")
    assert busy.status_code == 409
    assert busy.json()["error"]["message"] == "This session is busy with another message."
    busy_callable = user.call("deleteSession", {"sessionId": session_id})
    assert busy_callable.json()["error"]["status"] == "FAILED_PRECONDITION"
    thread.join()
    assert result[0].status_code == 200, result[0].text

    assert user.rest("DELETE", f"/api/chat/sessions/{session_id}").status_code == 204
    assert list(bucket.list_blobs(prefix=f"chat-images/{user.uid}/{session_id}/")) == []


def test_a_turn_whose_session_vanished_leaves_no_objects(user: ApiClient, gemini: GeminiControl,
                                                         firestore_db: firestore.Client, bucket: Any) -> None:
    # The session is deleted behind a running turn (as after its lease expired): the sender gets
    # 404 and what the turn stored in Storage does not outlive the session.
    session_id = new_session(user)
    ref = _session_ref(firestore_db, user.uid, session_id)
    gemini.config(latencyMs=1500)
    photo = upload(user)
    thread, result = _send_in_background(user, session_id, {"text": "warmer", "refUrls": [photo["publicUrl"]]})
    _wait_for_pending_turn(firestore_db, user.uid, session_id)
    prefix = f"chat-images/{user.uid}/{session_id}/"
    for snap in ref.collection("turns").stream():
        snap.reference.delete()
    ref.delete()
    for blob in bucket.list_blobs(prefix=prefix):
        blob.delete()
    thread.join()

    assert result[0].status_code == 404, result[0].text
    assert result[0].json()["error"]["message"] == "Chat session not found."
    assert list(bucket.list_blobs(prefix=prefix)) == []
    assert not ref.get().exists
