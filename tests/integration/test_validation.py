"""Bad input is a 400 that names what was wrong (REST) or invalid-argument (callables)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from tests.integration.helpers import new_session, png_bytes
from tests.support.clients import ApiClient


def _message(client: ApiClient, session_id: str, body: dict[str, Any]) -> dict[str, str]:
    response = client.rest("POST", f"/api/chat/sessions/{session_id}/message", json=body)
    assert response.status_code == 400, response.text
    error: dict[str, str] = response.json()["error"]
    return error


def test_empty_message_needs_a_prompt(user: ApiClient) -> None:
    error = _message(user, new_session(user), {"text": "   "})
    assert error == {"status": "INVALID_ARGUMENT", "message": "Edit prompt is required."}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"text": "x", "aspectRatio": "7:5"}, "aspectRatio"),
        ({"text": "x", "refUrls": "not-a-list"}, "refUrls"),
        ({"text": "x", "imageOnly": "sometimes"}, "imageOnly"),
        ({"text": "x", "imageOnly": "true"}, "imageOnly"),  # a boolean, not its text (found fuzzing)
        ({"text": "x", "imageOnly": 1}, "imageOnly"),
        ({"text": "x", "requestId": "has spaces"}, "requestId"),
        ({"text": "x" * 9000}, "text"),
        ({"text": "x", "refUrls": ["https://example.com/cat.png"]}, "https://example.com/cat.png"),
        ({"text": "x", "refUrls": ["uploads/nobody/missing.png"]}, "refUrls[0]"),
    ],
)
def test_bad_message_fields_are_named(user: ApiClient, body: dict[str, Any], words: str) -> None:
    error = _message(user, new_session(user), body)
    assert error["status"] == "INVALID_ARGUMENT" and words in error["message"], error


def test_own_missing_upload_is_named(user: ApiClient) -> None:
    error = _message(user, new_session(user), {"text": "x", "refUrls": [f"uploads/{user.uid}/gone.png"]})
    assert "refUrls[0]" in error["message"] and "does not exist" in error["message"]


def test_unknown_library_images_are_not_found_naming_the_field(user: ApiClient) -> None:
    session_id = new_session(user)
    for body, field in (({"text": "x", "imageIds": ["abc"]}, "imageIds[0]"),
                        ({"text": "x", "refUrls": ["library://abc"]}, "refUrls[0]")):
        response = user.rest("POST", f"/api/chat/sessions/{session_id}/message", json=body)
        assert response.status_code == 404, response.text
        assert response.json()["error"]["message"].startswith(field)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"model": "gpt-image"}, "model"),
        ({"aspectRatio": "2:1"}, "aspectRatio"),
        ({"imageSize": "4K"}, "imageSize"),
        ({"title": "t" * 500}, "title"),
        ({"historyTurns": "3"}, "historyTurns"),  # an integer, not its text (found fuzzing)
    ],
)
def test_bad_session_fields_are_named(user: ApiClient, body: dict[str, Any], words: str) -> None:
    response = user.rest("POST", "/api/chat/sessions", json=body)
    assert response.status_code == 400
    assert words in response.json()["error"]["message"]
    callable_reply = user.call("createSession", body)
    assert callable_reply.status_code == 400
    assert callable_reply.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_bad_list_limit_and_body(user: ApiClient) -> None:
    response = user.rest("GET", "/api/chat/sessions", params={"limit": 0})
    assert response.status_code == 400 and "limit" in response.json()["error"]["message"]
    response = user.rest("POST", "/api/chat/sessions", data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and "JSON" in response.json()["error"]["message"]


def test_uploads_must_be_images(user: ApiClient) -> None:
    response = user.rest("POST", "/api/upload/temp", files={"file": ("notes.txt", b"hello", "text/plain")})
    assert response.status_code == 400
    assert "not an image" in response.json()["error"]["message"]
    response = user.rest("POST", "/api/upload/temp", files={"other": ("a.png", png_bytes(), "image/png")})
    assert response.status_code == 400 and "file" in response.json()["error"]["message"]
    gif = _gif()
    response = user.rest("POST", "/api/upload/temp", files={"file": ("a.gif", gif, "image/gif")})
    assert response.status_code == 400 and "GIF" in response.json()["error"]["message"]
    too_big = b"\x89PNG\r\n\x1a\n" + b"\0" * (10 * 1024 * 1024)
    response = user.rest("POST", "/api/upload/temp", files={"file": ("big.png", too_big, "image/png")})
    assert response.status_code == 400 and "too large" in response.json()["error"]["message"]


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="GIF")
    return out.getvalue()


def test_unknown_route_and_method(user: ApiClient) -> None:
    missing = user.rest("GET", "/api/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["status"] == "NOT_FOUND"
    wrong = user.rest("PUT", "/api/chat/sessions")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["status"] == "METHOD_NOT_ALLOWED"
    assert wrong.json()["error"]["message"].startswith("PUT is not allowed on ")


@pytest.mark.parametrize("request_id", [".", "..", "__x__", "____"])
def test_firestore_reserved_request_ids_are_refused(user: ApiClient, request_id: str) -> None:
    session_id = new_session(user)
    error = _message(user, session_id, {"text": "Draw a fox", "requestId": request_id})
    assert error["status"] == "INVALID_ARGUMENT" and "requestId" in error["message"]
    by_callable = user.call("sendMessage", {"sessionId": session_id, "text": "Draw a fox", "requestId": request_id})
    assert by_callable.json()["error"]["status"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize("session_id", ["__x__", "__name__"])
def test_firestore_reserved_session_ids_are_not_found(user: ApiClient, session_id: str) -> None:
    for method, path, body in [("GET", "", None), ("PATCH", "", {"title": "x"}), ("DELETE", "", None),
                               ("POST", "/message", {"text": "Draw a fox"})]:
        response = user.rest(method, f"/api/chat/sessions/{session_id}{path}", json=body)
        assert response.status_code == 404, (method, path, response.text)
    assert user.call("getSession", {"sessionId": session_id}).json()["error"]["status"] == "NOT_FOUND"


def test_image_cap_counts_ref_urls_and_image_ids_together(user: ApiClient) -> None:
    session_id = new_session(user)
    body = {"text": "combine", "refUrls": [f"uploads/{user.uid}/x{i}.png" for i in range(10)], "imageIds": ["a"] * 5}
    error = _message(user, session_id, body)
    assert error["status"] == "INVALID_ARGUMENT"
    assert "at most 14 images per message, refUrls and imageIds together (got 15)" in error["message"]
    assert user.call("sendMessage", {"sessionId": session_id, **body}).json()["error"]["status"] == "INVALID_ARGUMENT"
