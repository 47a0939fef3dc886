"""Refusals make a turn `blocked`, errors make it `failed`; the input is kept and the session
stays usable either way."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from devtools.stack import Stack
from tests.integration.helpers import model_calls, new_session, send, upload
from tests.support.clients import ApiClient, GeminiControl
from tests.support.fixtures import INTERACTIONS_ENV, functions_host


@pytest.mark.parametrize(
    ("marker", "reason", "words"),
    [
        ("[[blocked]]", "PROHIBITED_CONTENT", "safety filters"),
        ("[[image-safety]]", "IMAGE_SAFETY", "safety reasons"),
        ("[[no-image]]", "NO_IMAGE", "did not produce an image"),
    ],
)
def test_refusal_blocks_the_turn_and_the_session_goes_on(
    transport: str, user: ApiClient, gemini: GeminiControl, marker: str, reason: str, words: str
) -> None:
    session_id = new_session(user)
    send(user, session_id, "Draw a house")
    blocked = send(user, session_id, f"make it scary {marker}")
    assert blocked["status"] == "blocked" and blocked["images"] == []
    assert blocked["finishReason"] == reason
    assert words in blocked["text"] and blocked["error"]["code"] == "BLOCKED"

    turns = user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"]
    assert [t["status"] for t in turns] == ["complete", "complete", "blocked", "blocked"]
    assert turns[2]["text"] == f"make it scary {marker}"

    after = send(user, session_id, "make it warmer")
    assert after["status"] == "complete" and after["index"] == 5
    # The blocked exchange is not replayed: only the first exchange plus the new message.
    assert model_calls(gemini.requests())[-1]["contentCount"] == 3


def test_server_error_fails_the_turn_and_keeps_the_input(
    transport: str, user: ApiClient, gemini: GeminiControl
) -> None:
    session_id = new_session(user)
    photo = upload(user)
    gemini.faults({"on": "model", "status": 503, "times": 10})
    response = user.rest("POST", f"/api/chat/sessions/{session_id}/message",
                         json={"text": "make it warmer", "refUrls": [photo["publicUrl"]]})
    assert response.status_code == 503
    assert response.json() == {"error": {"status": "UNAVAILABLE",
                                         "message": "Image generation failed. Please try again."}}
    body = user.rest("GET", f"/api/chat/sessions/{session_id}").json()
    [failed] = body["turns"]
    assert failed["status"] == "failed" and failed["text"] == "make it warmer"
    assert failed["error"]["code"] == "UNAVAILABLE"
    assert len(failed["attachments"]) == 1
    assert body["session"]["turnCount"] == 1

    gemini.reset()  # clears the remaining faults (and its files: the cache recovers from the 403)
    turn = send(user, session_id, "make it warmer", refUrls=[photo["publicUrl"]])
    assert turn["status"] == "complete"
    # The failed turn is not part of the history.
    assert model_calls(gemini.requests())[-1]["contentCount"] == 1


def test_quota_exhaustion_is_a_429_with_a_clear_message(
    transport: str, user: ApiClient, gemini: GeminiControl
) -> None:
    session_id = new_session(user)
    gemini.faults({"on": "model", "status": 429, "times": 10})
    response = user.rest("POST", f"/api/chat/sessions/{session_id}/message", json={"text": "Draw a dog"})
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED" and "quota" in error["message"]

    callable_reply = user.call("sendMessage", {"sessionId": session_id, "text": "Draw a dog"})
    assert callable_reply.status_code == 429
    assert callable_reply.json()["error"]["status"] == "RESOURCE_EXHAUSTED"


def test_a_transient_error_is_retried_by_the_sdk(user: ApiClient, gemini: GeminiControl) -> None:
    session_id = new_session(user)
    gemini.faults({"on": "generateContent", "status": 503, "times": 1})
    assert send(user, session_id, "Draw a bird")["status"] == "complete"
    assert [c["status"] for c in model_calls(gemini.requests())] == [503, 200]


def test_an_interactions_create_is_never_retried(make_user: Callable[..., ApiClient], gemini: GeminiControl,
                                                 stack: Stack) -> None:
    # A retried create would be a second billed interaction: one 503 fails the turn (the client may
    # send again; its requestId keeps a finished turn from running twice).
    user = dataclasses.replace(make_user(), functions_url=functions_host(stack, "interactions", INTERACTIONS_ENV))
    session_id = new_session(user)
    gemini.faults({"on": "interactions.create", "status": 503, "times": 1})
    response = user.rest("POST", f"/api/chat/sessions/{session_id}/message",
                         json={"text": "Draw a bird", "requestId": "bird-1"})
    assert response.status_code == 503
    assert [c["status"] for c in model_calls(gemini.requests())] == [503]
    assert send(user, session_id, "Draw a bird", requestId="bird-2")["status"] == "complete"
