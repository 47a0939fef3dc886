"""Every call needs a signed-in user; users reach only their own sessions; admins may act for
anyone with `userId`."""

from __future__ import annotations

import pytest

from devtools.stack import Stack
from tests.integration.helpers import custom_token_client, new_session, send, upload
from tests.support.clients import ApiClient

ENDPOINTS = [
    ("POST", "/api/chat/sessions"),
    ("GET", "/api/chat/sessions"),
    ("GET", "/api/chat/sessions/abc"),
    ("PATCH", "/api/chat/sessions/abc"),
    ("DELETE", "/api/chat/sessions/abc"),
    ("POST", "/api/chat/sessions/abc/message"),
    ("POST", "/api/upload/temp"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_rest_without_a_token_is_401(anon: ApiClient, method: str, path: str) -> None:
    response = anon.rest(method, path, json={})
    assert response.status_code == 401
    assert response.json()["error"]["status"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/nothing-here"),
        ("PUT", "/api/chat/sessions"),
        ("POST", "/api/chat/sessions/abc"),
        ("GET", "/api/upload/temp"),
        ("DELETE", "/api/health/x"),
        ("GET", "/api/chat"),
    ],
)
def test_unknown_routes_and_wrong_methods_without_a_token_are_401(anon: ApiClient, method: str, path: str) -> None:
    """Nothing about the routes is revealed before authentication."""
    response = anon.rest(method, path)
    assert response.status_code == 401, response.text
    assert response.json()["error"]["status"] == "UNAUTHENTICATED"


def test_health_stays_open(anon: ApiClient) -> None:
    assert anon.rest("GET", "/api/health").status_code == 200


def test_rest_with_a_bad_token_is_401(anon: ApiClient) -> None:
    response = anon.rest("GET", "/api/chat/sessions", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert "sign in again" in response.json()["error"]["message"]


def test_callables_without_a_token_are_unauthenticated(anon: ApiClient) -> None:
    response = anon.call("createSession", {})
    assert response.status_code == 401
    assert response.json()["error"]["status"] == "UNAUTHENTICATED"


def test_another_users_session_is_404_everywhere(user: ApiClient, other_user: ApiClient) -> None:
    session_id = new_session(user, title="Mine")
    base = f"/api/chat/sessions/{session_id}"
    assert other_user.rest("GET", base).status_code == 404
    assert other_user.rest("PATCH", base, json={"title": "Stolen"}).status_code == 404
    assert other_user.rest("POST", f"{base}/message", json={"text": "hi"}).status_code == 404
    assert other_user.rest("DELETE", base).status_code == 404
    assert other_user.call("getSession", {"sessionId": session_id}).status_code == 404
    assert other_user.rest("GET", "/api/chat/sessions").json()["sessions"] == []
    assert user.rest("GET", base).json()["session"]["title"] == "Mine"


def test_another_users_upload_cannot_be_attached(user: ApiClient, other_user: ApiClient) -> None:
    theirs = upload(other_user)
    session_id = new_session(user)
    response = user.rest("POST", f"/api/chat/sessions/{session_id}/message",
                         json={"text": "edit", "refUrls": [theirs["publicUrl"]]})
    assert response.status_code == 400
    assert "is not one of your images" in response.json()["error"]["message"]


def test_user_id_is_for_admins_only(user: ApiClient, other_user: ApiClient) -> None:
    response = other_user.rest("GET", "/api/chat/sessions", params={"userId": user.uid})
    assert response.status_code == 403
    assert response.json()["error"]["status"] == "PERMISSION_DENIED"


def test_admin_acts_for_a_user(user: ApiClient, admin: ApiClient) -> None:
    session_id = new_session(user, title="Theirs")
    listed = admin.rest("GET", "/api/chat/sessions", params={"userId": user.uid}).json()["sessions"]
    assert [s["id"] for s in listed] == [session_id]
    assert admin.rest("GET", f"/api/chat/sessions/{session_id}").status_code == 404  # not the admin's own
    turn = admin.rest("POST", f"/api/chat/sessions/{session_id}/message",
                      json={"text": "Draw a kite", "userId": user.uid})
    assert turn.status_code == 200, turn.text
    assert turn.json()["turn"]["images"][0]["storagePath"].startswith(f"chat-images/{user.uid}/{session_id}/")
    fetched = admin.call_result("getSession", {"sessionId": session_id, "userId": user.uid})
    assert len(fetched["turns"]) == 2
    made = admin.call_result("createSession", {"title": "For them", "userId": user.uid})
    assert made["id"] in {s["id"] for s in user.rest("GET", "/api/chat/sessions").json()["sessions"]}
    assert send(user, session_id, "make it warmer")["status"] == "complete"


@pytest.mark.parametrize("uid", ["team/alice", "..", "__admin__"])
def test_a_uid_that_cannot_name_a_path_is_refused(stack: Stack, uid: str) -> None:
    client = custom_token_client(stack, uid)
    response = client.rest("POST", "/api/chat/sessions", json={})
    assert response.status_code == 401, response.text
    assert response.json()["error"]["message"] == (
        "This account's user id cannot be used with Image Chat (it would break storage paths)."
    )
    assert client.call("createSession", {}).json()["error"]["status"] == "UNAUTHENTICATED"


def test_a_custom_token_uid_with_ordinary_characters_works(stack: Stack) -> None:
    client = custom_token_client(stack, "partner:alice@example.com")
    assert client.rest("POST", "/api/chat/sessions", json={}).status_code == 200
