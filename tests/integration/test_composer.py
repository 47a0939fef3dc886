"""Composer chat mode (seed 000 §5): create a session and send its first message in one call."""

from __future__ import annotations

from tests.integration.helpers import model_calls, png_bytes, provenance_of, upload
from tests.support.clients import ApiClient, GeminiControl


def test_create_and_send_over_rest(user: ApiClient, gemini: GeminiControl) -> None:
    photo = upload(user, png_bytes((90, 90, 200)))
    response = user.rest("POST", "/api/chat/sessions", json={
        "title": "Composer chat", "aspectRatio": "16:9",
        "message": {"text": "make it warmer", "refUrls": [photo["publicUrl"]], "imageOnly": True,
                    "aspectRatio": "4:3"},
    })
    assert response.status_code == 200, response.text
    body = response.json()
    turn, session = body["turn"], body["session"]
    assert body["id"] == session["id"] and turn["status"] == "complete" and turn["mode"] == "chat"
    assert session["headTurnId"] == turn["id"] and session["turnCount"] == 2
    assert session["lastImage"]["storagePath"] == turn["images"][0]["storagePath"]
    assert session["aspectRatio"] == "16:9"
    [call] = model_calls(gemini.requests())
    assert call["aspectRatio"] == "4:3"
    assert provenance_of(turn["images"][0])[-1] == "warmer"
    got = user.rest("GET", f"/api/chat/sessions/{body['id']}").json()
    assert [t["role"] for t in got["turns"]] == ["user", "model"]
    assert got["turns"][0]["text"] == "make it warmer"


def test_create_and_send_over_callables(user: ApiClient) -> None:
    result = user.call_result("createSession", {"title": "Mobile", "message": {"text": "Draw a cat"}})
    assert result["turn"]["status"] == "complete" and result["session"]["headTurnId"] == result["turn"]["id"]
    # Without a message the answer is as before: {id, session}.
    plain = user.call_result("createSession", {"title": "Plain"})
    assert set(plain) == {"id", "session"}


def test_open_in_chat_with_a_first_message(user: ApiClient) -> None:
    photo = upload(user)
    response = user.rest("POST", "/api/chat/sessions", json={"startImage": photo["publicUrl"],
                                                             "message": {"text": "now invert it"}})
    assert response.status_code == 200, response.text
    body = response.json()
    got = user.rest("GET", f"/api/chat/sessions/{body['id']}").json()
    assert [t["mode"] for t in got["turns"]] == ["imported", "chat", "chat"]
    assert provenance_of(body["turn"]["images"][0])[0].startswith("input:")


def test_a_failed_first_message_keeps_the_session_and_its_input(user: ApiClient, gemini: GeminiControl) -> None:
    photo = upload(user)
    gemini.faults({"on": "generateContent", "status": 503, "times": 10})
    response = user.rest("POST", "/api/chat/sessions", json={
        "title": "Unlucky", "message": {"text": "make it warmer", "refUrls": [photo["publicUrl"]]},
    })
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["error"] == {"status": "UNAVAILABLE", "message": "Image generation failed. Please try again."}
    assert body["id"] == body["session"]["id"] and body["session"]["title"] == "Unlucky"
    got = user.rest("GET", f"/api/chat/sessions/{body['id']}").json()
    [failed] = got["turns"]
    assert failed["role"] == "user" and failed["status"] == "failed" and failed["text"] == "make it warmer"
    assert failed["error"]["code"] == "UNAVAILABLE" and len(failed["attachments"]) == 1

    # Callables: the error's details name the session.
    response = user.call("createSession", {"message": {"text": "Draw a cat"}})
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["status"] == "UNAVAILABLE" and error["details"]["id"]
    gemini.reset()
    got = user.rest("GET", f"/api/chat/sessions/{error['details']['id']}").json()
    assert [t["status"] for t in got["turns"]] == ["failed"]
    # The session is usable: the message can be sent again.
    retry = user.rest("POST", f"/api/chat/sessions/{error['details']['id']}/message", json={"text": "Draw a cat"})
    assert retry.status_code == 200 and retry.json()["turn"]["status"] == "complete"


def test_composer_validation(user: ApiClient) -> None:
    before = user.rest("GET", "/api/chat/sessions").json()["sessions"]
    response = user.rest("POST", "/api/chat/sessions", json={"message": {"text": "  "}})
    assert response.status_code == 400 and response.json()["error"]["message"] == "Edit prompt is required."
    response = user.rest("POST", "/api/chat/sessions", json={"message": {"text": "x", "parentTurnId": None}})
    assert response.status_code == 400 and "parentTurnId" in response.json()["error"]["message"]
    response = user.rest("POST", "/api/chat/sessions", json={"message": {"text": "x", "aspectRatio": "7:1"}})
    assert response.status_code == 400 and "message.aspectRatio" in response.json()["error"]["message"]
    assert user.rest("GET", "/api/chat/sessions").json()["sessions"] == before
