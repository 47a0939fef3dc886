"""Faults beyond the model (issue 14): the Storage emulator stopped while the model works, and the
Firestore emulator frozen (SIGSTOP, past the functions' Firestore deadline, then SIGCONT: it keeps
its data in memory, so it is never restarted) during a turn.

After each fault, once the emulator is back: the turn ended `failed` with its input kept, no
Storage object of the session lacks a turn, no model turn lacks its images, the session is free
again (the next send is not busy), and a retry with the same `requestId` succeeds with at most
two model calls for that request (the failed attempt's and the retry's).

These tests stop and freeze emulators, so they run on a stack of their own (module scope), with
short deadlines set on the functions (a frozen Firestore must cost seconds, not minutes) and the
Storage emulator keeping its objects on disk (so it can be stopped and started again).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from google.cloud import storage

from devtools.stack import Ports, Stack
from imagechat.errors import STORE_UNAVAILABLE
from tests.integration.helpers import MODEL_CALL_KINDS, fetch, model_calls, new_session, send, upload
from tests.support.clients import ApiClient, GeminiControl

# The functions of this stack give up on Firestore and Storage after a few seconds (production:
# IMAGECHAT_FIRESTORE_DEADLINE_S / IMAGECHAT_STORAGE_DEADLINE_S defaults, see config.py).
FIRESTORE_DEADLINE_S = 3.0
STORAGE_DEADLINE_S = 3.0
LEASE_TTL_S = 15.0  # longer than a turn here (the model answers in 2 s), and than a failure takes to show
FAULT_ENV = {
    "PYTHONUNBUFFERED": "1",  # the tests watch the functions' log as it is written
    "IMAGECHAT_FIRESTORE_DEADLINE_S": str(FIRESTORE_DEADLINE_S),
    "IMAGECHAT_STORAGE_DEADLINE_S": str(STORAGE_DEADLINE_S),
    "IMAGECHAT_LEASE_TTL_S": str(LEASE_TTL_S),
}
MODEL_LATENCY_MS = 2000


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """This module's own stack (it overrides the shared one for these tests only)."""
    work_dir = tmp_path_factory.mktemp("fault-stack")
    storage_dir = work_dir / "storage"
    storage_dir.mkdir()
    the_stack = Stack(Ports.free(), work_dir, use_real_gemini=False, functions_env=FAULT_ENV, storage_dir=storage_dir)
    seconds = the_stack.start()
    print(f"\nfault stack up in {seconds:.1f} s (logs in {work_dir})")
    saved = dict(os.environ)
    os.environ.update(the_stack.env)
    try:
        yield the_stack
    finally:
        the_stack.stop()
        os.environ.clear()
        os.environ.update(saved)


def _send_in_background(client: ApiClient, session_id: str, body: dict[str, Any]) -> tuple[threading.Thread, list]:
    """The send on a thread; its result list gets the response, then the seconds it took."""
    result: list[Any] = []

    def run() -> None:
        started = time.monotonic()
        result.append(client.rest("POST", f"/api/chat/sessions/{session_id}/message", json=body))
        result.append(time.monotonic() - started)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def _wait_for_model_call(gemini: GeminiControl) -> None:
    """Waits (bounded) until the emulator holds a model call (its latency keeps it in flight)."""
    deadline = time.monotonic() + 30
    while not set(MODEL_CALL_KINDS) & set(gemini.in_flight()):
        assert time.monotonic() < deadline, "the model was never called"
        time.sleep(0.02)


def _turns(client: ApiClient, session_id: str) -> list[dict[str, Any]]:
    response = client.rest("GET", f"/api/chat/sessions/{session_id}")
    assert response.status_code == 200, response.text
    turns: list[dict[str, Any]] = response.json()["turns"]
    return turns


def _referenced_objects(turns: list[dict[str, Any]]) -> set[str]:
    paths = {a["storagePath"] for t in turns for a in t.get("attachments") or []}
    for turn in turns:
        for image in turn.get("images") or []:
            paths.add(image["storagePath"])
            if image.get("thumbnail"):
                paths.add(image["thumbnail"]["storagePath"])
    return paths


def _assert_consistent(client: ApiClient, bucket: storage.Bucket, session_id: str) -> list[dict[str, Any]]:
    """No object of the session without a turn naming it; every image a turn names is there."""
    turns = _turns(client, session_id)
    stored = {b.name for b in bucket.list_blobs(prefix=f"chat-images/{client.uid}/{session_id}/")}
    referenced = _referenced_objects(turns)
    assert stored - referenced == set(), "objects without a turn"
    assert referenced - stored == set(), "turns naming missing objects"
    for turn in turns:
        for image in turn.get("images") or []:
            assert fetch(image["publicUrl"])  # served, with its token
    return turns


def _retry_until_free(client: ApiClient, session_id: str, body: dict[str, Any]) -> tuple[requests.Response, int]:
    """Sends the retry; while the dead attempt's lease lives the answer is 409 "still being
    processed" (never anything else), and once it expired the retry runs. Returns the answer and
    how many 409s came first."""
    deadline = time.monotonic() + LEASE_TTL_S + 30
    busy = 0
    while True:
        response = client.rest("POST", f"/api/chat/sessions/{session_id}/message", json=body)
        if response.status_code != 409:
            return response, busy
        assert response.json()["error"]["status"] == "ABORTED", response.text
        assert time.monotonic() < deadline, "the lease never freed itself"
        busy += 1
        time.sleep(0.5)


def _assert_retry_succeeds(
    client: ApiClient, gemini: GeminiControl, bucket: storage.Bucket, session_id: str, body: dict[str, Any],
    calls_before: int, fault: str, failed_after_s: float,
) -> None:
    """The retry of the failed request runs the turn (at most two model calls for the request in
    all), the failed attempt's user turn stays failed with its input, and the session goes on."""
    waited = time.monotonic()
    retry, busy = _retry_until_free(client, session_id, body)
    waited_s = time.monotonic() - waited
    assert retry.status_code == 200, retry.text
    turn = retry.json()["turn"]
    assert turn["status"] == "complete" and turn["images"]
    calls = len(model_calls(gemini.requests())) - calls_before
    assert calls <= 2
    turns = _assert_consistent(client, bucket, session_id)
    failed = turns[-3]
    assert (failed["role"], failed["status"], failed["text"]) == ("user", "failed", body["text"]), failed
    assert failed["error"]["message"] and len(failed["attachments"]) == len(body["refUrls"])
    assert [t["status"] for t in turns[-2:]] == ["complete", "complete"]
    assert [t["index"] for t in turns] == sorted(t["index"] for t in turns)
    assert turns[-1]["parentId"] == turns[-2]["id"] and turns[-2]["parentId"] == turns[-4]["id"]
    assert send(client, session_id, "one more")["status"] == "complete"
    print(f"\n{fault}: the send failed 503 after {failed_after_s:.1f} s; the retry answered 200 after {busy} "
          f"busy answers ({waited_s:.1f} s); "
          f"{calls} model calls for the request; no object without a turn, no turn without its images")


def _start_turn(client: ApiClient, gemini: GeminiControl, request_id: str) -> tuple[str, dict[str, Any], int]:
    """A session with one finished exchange, and the body of the next send (with an uploaded
    photo) whose model call the emulator will hold for MODEL_LATENCY_MS; returns the session, the
    body and the model calls so far."""
    session_id = new_session(client)
    assert send(client, session_id, "Draw a fox")["status"] == "complete"
    photo = upload(client)
    calls_before = len(model_calls(gemini.requests()))
    body = {"text": "put this hat on it", "refUrls": [photo["publicUrl"]], "requestId": request_id}
    gemini.config(latencyMs=MODEL_LATENCY_MS)
    return session_id, body, calls_before


def _assert_failed_cleanly(response: requests.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"] == {"status": "UNAVAILABLE", "message": STORE_UNAVAILABLE}


def test_storage_stopped_while_the_model_works(
    stack: Stack, user: ApiClient, gemini: GeminiControl, bucket: storage.Bucket
) -> None:
    session_id, body, calls_before = _start_turn(user, gemini, "req-storage")
    thread, result = _send_in_background(user, session_id, body)
    _wait_for_model_call(gemini)
    stack.service("storage").stop()  # the model answers while Storage is down
    try:
        thread.join(timeout=60)
        assert not thread.is_alive(), "the turn hung"
    finally:
        stack.restart("storage")  # with every object it had (kept on disk)
    gemini.config(latencyMs=0)

    _assert_failed_cleanly(result[0])
    turns = _assert_consistent(user, bucket, session_id)
    assert (turns[-1]["status"], turns[-1]["text"]) == ("failed", body["text"])  # recorded at once
    _assert_retry_succeeds(user, gemini, bucket, session_id, body, calls_before, "storage stopped", result[1])


def _wait_for_log(stack: Stack, message: str, session_id: str) -> None:
    """Waits (bounded) until the functions log `message` for this session."""
    log = stack.service("functions").log_path
    assert log is not None
    deadline = time.monotonic() + 60
    while not any(f'"{message}"' in line and session_id in line for line in log.read_text().splitlines()):
        assert time.monotonic() < deadline, f"the functions never logged {message!r}"
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("frozen_until", "status_when_back"),
    [
        # Until the exchange's commit gave up: the failure is written once Firestore is back.
        ("turn failed", "failed"),
        # Until the failure's write gave up too: the turn is left to its lease, which expires on its
        # own; the claim that takes the session over then fails the turn.
        ("could not record a failed turn", "pending"),
    ],
    ids=["past-the-commit", "past-the-failure-record"],
)
def test_firestore_frozen_while_the_model_works(
    stack: Stack, user: ApiClient, gemini: GeminiControl, bucket: storage.Bucket, frozen_until: str,
    status_when_back: str,
) -> None:
    session_id, body, calls_before = _start_turn(user, gemini, f"req-firestore-{status_when_back}")
    thread, result = _send_in_background(user, session_id, body)
    _wait_for_model_call(gemini)
    stack.pause("firestore")  # SIGSTOP: its data stays in memory; it is never restarted
    frozen = time.monotonic()
    try:
        _wait_for_log(stack, frozen_until, session_id)  # past the functions' deadline
    finally:
        stack.resume("firestore")
    frozen_s = time.monotonic() - frozen
    thread.join(timeout=60)
    assert not thread.is_alive(), "the turn hung"
    gemini.config(latencyMs=0)

    _assert_failed_cleanly(result[0])
    assert _turns(user, session_id)[-1]["status"] == status_when_back
    _assert_retry_succeeds(user, gemini, bucket, session_id, body, calls_before,
                           f"firestore frozen {frozen_s:.1f} s", result[1])
