"""Variations (issue 17): `candidates: N` runs N model calls under one lease; the answers are
sibling model turns of the one user turn; the head picks one, and history then holds only it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore

from tests.integration.helpers import model_calls, new_session, provenance_of, send
from tests.support.clients import ApiClient, GeminiControl


def _message(client: ApiClient, session_id: str, **body: Any) -> dict[str, Any]:
    response = client.rest("POST", f"/api/chat/sessions/{session_id}/message", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_three_candidates_are_three_calls_and_three_siblings(
    transport: str, user: ApiClient, gemini: GeminiControl, firestore_db: firestore.Client
) -> None:
    session_id = new_session(user)
    first = send(user, session_id, "Draw a lighthouse")
    calls_before = len(model_calls(gemini.requests()))
    answer = _message(user, session_id, text="make it warmer", candidates=3, requestId="vary-1")

    assert answer["succeeded"] == 3 and len(answer["candidates"]) == 3
    candidates = answer["candidates"]
    head = answer["turn"]
    assert head["id"] in {c["id"] for c in candidates}
    assert [c["index"] for c in candidates] == sorted(c["index"] for c in candidates)
    assert len({c["parentId"] for c in candidates}) == 1  # one user turn
    assert all(c["siblingIds"] == [c2["id"] for c2 in candidates] for c in candidates)
    # N real calls, each with its own seed, each a different image on top of the same edit.
    calls = model_calls(gemini.requests())[calls_before:]
    assert len(calls) == 3 and sorted(c["seed"] for c in calls) == [0, 1, 2]
    chains = [provenance_of(c["images"][0]) for c in candidates]
    base = provenance_of(first["images"][0])
    assert sorted(chain[-1] for chain in chains) == ["seed:0", "seed:1", "seed:2"]
    assert all(chain[: len(base) + 1] == [*base, "warmer"] for chain in chains)
    assert len({c["images"][0]["storagePath"] for c in candidates}) == 3
    assert all(c["costUsd"] and c["costUsd"] > 0 and c["usage"]["imagesOut"] == 1 for c in candidates)

    body = user.rest("GET", f"/api/chat/sessions/{session_id}", params={"all": "true"}).json()
    session = body["session"]
    assert session["headTurnId"] == head["id"]
    assert session["lastImage"]["storagePath"] == head["images"][0]["storagePath"]
    assert session["turnCount"] == 2 + 1 + 3
    assert session["usage"]["imagesOut"] == 1 + 3  # each candidate's usage is counted
    day = firestore_db.document(f"users/{user.uid}/usage/{datetime.now(UTC).strftime('%Y-%m-%d')}").get().to_dict()
    assert day is not None and day["turns"] == 1 + 3  # the quota counts each candidate's call
    assert day["costUsd"] > 0 and day["imagesOut"] == 1 + 3
    # A retry of the request id replays the same answer (no new calls).
    again = _message(user, session_id, text="make it warmer", candidates=3, requestId="vary-1")
    assert again == answer
    assert len(model_calls(gemini.requests())) == calls_before + 3

    # Choosing another candidate: the next turn's history holds only that one.
    other = next(c for c in candidates if c["id"] != head["id"])
    chosen = user.rest("POST", f"/api/chat/sessions/{session_id}/head", json={"turnId": other["id"]})
    assert chosen.status_code == 200, chosen.text
    after = send(user, session_id, "now add a blur")
    chain = provenance_of(after["images"][0])
    assert chain == [*provenance_of(other["images"][0]), "blur"]
    last = model_calls(gemini.requests())[-1]
    assert last["contentCount"] == 5  # 2 exchanges + the message: one answer of the varied message
    assert last.get("seed") is None  # a single answer asks for no variation


def test_a_partial_failure_keeps_the_candidates_that_answered(user: ApiClient, gemini: GeminiControl) -> None:
    session_id = new_session(user)
    gemini.faults({"on": "model", "status": 400, "times": 1})  # one of the two calls is refused
    answer = _message(user, session_id, text="Draw a harbour", candidates=2)
    assert answer["succeeded"] == 1 and [c["id"] for c in answer["candidates"]] == [answer["turn"]["id"]]
    assert answer["turn"]["status"] == "complete"
    assert sorted(c["status"] for c in model_calls(gemini.requests())) == [200, 400]
    turns = user.rest("GET", f"/api/chat/sessions/{session_id}", params={"all": "true"}).json()["turns"]
    assert [t["role"] for t in turns] == ["user", "model"] and turns[0]["status"] == "complete"

    gemini.faults({"on": "model", "status": 400, "times": 2})  # all fail: the usual failed turn
    failed = user.rest("POST", f"/api/chat/sessions/{session_id}/message", json={"text": "warmer", "candidates": 2})
    assert failed.status_code == 500, failed.text  # as one refused call: the model's 400 is our bug
    assert failed.json()["error"]["message"] == "Image generation failed. Please try again."
    turns = user.rest("GET", f"/api/chat/sessions/{session_id}", params={"all": "true"}).json()["turns"]
    assert [t["status"] for t in turns] == ["complete", "complete", "failed"]
    assert send(user, session_id, "make it warmer")["status"] == "complete"  # the session is free


def test_candidates_through_the_callable_and_validation(user: ApiClient, gemini: GeminiControl) -> None:
    session_id = new_session(user)
    result = user.call_result("sendMessage", {"sessionId": session_id, "text": "Draw a kite", "candidates": 2})
    assert result["succeeded"] == 2 and len(result["candidates"]) == 2
    assert result["turn"]["id"] in {c["id"] for c in result["candidates"]}
    for bad in (0, 5, "two"):
        response = user.rest("POST", f"/api/chat/sessions/{session_id}/message", json={"text": "x", "candidates": bad})
        assert response.status_code == 400 and "candidates" in response.text, response.text
    single = _message(user, session_id, text="make it cooler")
    assert single["succeeded"] == 1 and [c["id"] for c in single["candidates"]] == [single["turn"]["id"]]
