"""Contention and odd paths (issue 7): many sends to one session at once are one turn and clean
busy answers, never 5xx; every answer of the REST API is our JSON error shape, whatever the path
holds."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.integration.helpers import model_calls, new_session, send
from tests.support.clients import ApiClient, GeminiControl

ODD_IDS = ["abc%0A", "abc%0Adef", "%0A", "abc%00", "%2e%2e", "..", "a%2Fb", "x" * 2000, "%E2%80%AE", "a%0D%0Ab"]


@pytest.mark.parametrize("odd_id", ODD_IDS, ids=lambda s: s[:12])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE", "POST"])
def test_odd_path_segments_answer_json_errors(user: ApiClient, anon: ApiClient, odd_id: str, method: str) -> None:
    suffix = "/message" if method == "POST" else ""
    for client, statuses in ((user, {400, 404}), (anon, {401})):
        response = client.rest(method, f"/api/chat/sessions/{odd_id}{suffix}", json={"text": "hi"})
        assert response.status_code in statuses, (response.status_code, response.text)
        assert response.headers["Content-Type"].startswith("application/json"), response.text
        error = response.json()["error"]
        assert error["status"] in {"NOT_FOUND", "INVALID_ARGUMENT", "UNAUTHENTICATED"} and error["message"]


@pytest.mark.parametrize("path", ["/api/%0A", "/api/chat/sessions%0A/x", "/api/chat/%00"])
def test_unknown_paths_answer_json_errors(user: ApiClient, path: str) -> None:
    response = user.rest("GET", path)
    assert response.status_code == 404, (response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("application/json"), response.text
    assert response.json()["error"]["status"] == "NOT_FOUND"


PARALLEL_SENDS = 60
BUSY = {"status": "FAILED_PRECONDITION", "message": "This session is busy with another message."}


def _spin(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass


@pytest.fixture
def busy_cpu() -> Iterator[None]:
    """Both cores kept busy for the test (as on a loaded instance), bounded at 60 s whatever happens."""
    spinners = [multiprocessing.Process(target=_spin, args=(60,), daemon=True) for _ in range(2)]
    for spinner in spinners:
        spinner.start()
    yield
    for spinner in spinners:
        spinner.terminate()
        spinner.join()


def _all_at_once(count: int, call: Callable[[int], requests.Response]) -> list[requests.Response]:
    """Runs `count` calls on as many threads released together by a barrier."""
    barrier = threading.Barrier(count)

    def released(i: int) -> requests.Response:
        barrier.wait()
        return call(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(released, range(count)))


def test_parallel_sends_to_one_session_are_one_turn_and_busy_answers(
    user: ApiClient, gemini: GeminiControl, busy_cpu: None
) -> None:
    session_id = new_session(user)
    gemini.config(latencyMs=3000)
    responses = _all_at_once(
        PARALLEL_SENDS,
        lambda i: user.rest("POST", f"/api/chat/sessions/{session_id}/message", json={"text": f"Draw fox {i}"}),
    )

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: PARALLEL_SENDS - 1}, statuses
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"] == BUSY
    assert len(model_calls(gemini.requests())) == 1

    gemini.config(latencyMs=0)
    assert send(user, session_id, "make it warmer")["status"] == "complete"
    turns = user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"]
    assert [t["role"] for t in turns] == ["user", "model", "user", "model"]
    assert [t["status"] for t in turns] == ["complete"] * 4


def test_sends_racing_a_delete_get_clean_answers(user: ApiClient, gemini: GeminiControl, busy_cpu: None) -> None:
    session_id = new_session(user)
    gemini.config(latencyMs=500)
    path = f"/api/chat/sessions/{session_id}"

    def delete_or_send(i: int) -> requests.Response:
        return user.rest("DELETE", path) if i % 4 == 0 else user.rest("POST", f"{path}/message", json={"text": "hi"})

    responses = _all_at_once(40, delete_or_send)

    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {200, 204, 404, 409}, statuses
    assert statuses[204] <= 1, statuses
    for response in responses:
        if response.status_code >= 400:
            assert response.json()["error"]["message"], response.text
    gemini.config(latencyMs=0)
    if statuses[204]:
        assert user.rest("GET", path).status_code == 404
    else:
        assert send(user, session_id, "again")["status"] == "complete"
