"""Session CRUD over REST and the callables, against the real stack."""

from __future__ import annotations

import pytest

from tests.integration.helpers import send
from tests.support.clients import ApiClient


def test_health_needs_no_token(anon: ApiClient) -> None:
    response = anon.rest("GET", "/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_create_get_update_list_over_rest(user: ApiClient) -> None:
    created = user.rest("POST", "/api/chat/sessions", json={"title": "Beach", "aspectRatio": "16:9"})
    assert created.status_code == 200, created.text
    body = created.json()
    session_id = body["id"]
    assert body["session"]["title"] == "Beach"
    assert body["session"]["aspectRatio"] == "16:9"
    assert body["session"]["model"] == "gemini-2.5-flash-image"
    assert body["session"]["turnCount"] == 0

    fetched = user.rest("GET", f"/api/chat/sessions/{session_id}")
    assert fetched.status_code == 200
    assert fetched.json()["turns"] == []

    patched = user.rest("PATCH", f"/api/chat/sessions/{session_id}", json={"title": "Beach at dusk"})
    assert patched.status_code == 200
    assert patched.json()["session"]["title"] == "Beach at dusk"

    listed = user.rest("GET", "/api/chat/sessions")
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()["sessions"]] == [session_id]
    assert listed.json()["nextCursor"] is None


def test_paths_work_with_and_without_the_api_prefix(user: ApiClient) -> None:
    """The local functions host mounts `api` at /api, so `/api/chat/...` reaches the function as
    `/chat/...`; behind the real Hosting rewrite it sees the full `/api/chat/...`, which
    `/api/api/chat/...` reproduces here. Both forms name the same routes."""
    prefixed = user.rest("POST", "/api/api/chat/sessions", json={"title": "Via rewrite"})
    assert prefixed.status_code == 200, prefixed.text
    session_id = prefixed.json()["id"]
    bare = user.rest("GET", f"/api/chat/sessions/{session_id}")
    assert bare.status_code == 200 and bare.json()["session"]["title"] == "Via rewrite"
    assert user.rest("GET", f"/api/api/chat/sessions/{session_id}").json() == bare.json()
    assert user.rest("DELETE", f"/api/api/chat/sessions/{session_id}").status_code == 204
    assert user.rest("GET", f"/api/chat/sessions/{session_id}").status_code == 404


def test_list_pages_newest_activity_first(user: ApiClient) -> None:
    ids = [user.rest("POST", "/api/chat/sessions", json={"title": f"s{i}"}).json()["id"] for i in range(5)]
    # Touch the oldest: it becomes the most recently active.
    assert user.rest("PATCH", f"/api/chat/sessions/{ids[0]}", json={"title": "again"}).status_code == 200
    first = user.rest("GET", "/api/chat/sessions", params={"limit": 2}).json()
    assert [s["id"] for s in first["sessions"]] == [ids[0], ids[4]]
    second = user.rest("GET", "/api/chat/sessions", params={"limit": 2, "cursor": first["nextCursor"]}).json()
    assert [s["id"] for s in second["sessions"]] == [ids[3], ids[2]]
    third = user.rest("GET", "/api/chat/sessions", params={"limit": 2, "cursor": second["nextCursor"]}).json()
    assert [s["id"] for s in third["sessions"]] == [ids[1]]
    assert third["nextCursor"] is None


def test_delete_returns_204_and_then_404(user: ApiClient) -> None:
    session_id = user.rest("POST", "/api/chat/sessions", json={}).json()["id"]
    deleted = user.rest("DELETE", f"/api/chat/sessions/{session_id}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert user.rest("GET", f"/api/chat/sessions/{session_id}").status_code == 404


def test_session_callables_mirror_rest(user: ApiClient) -> None:
    created = user.call_result("createSession", {"title": "Mobile", "model": "gemini-3-pro-image-preview",
                                                 "imageSize": "2K"})
    session_id = created["id"]
    assert created["session"]["imageSize"] == "2K"
    listed = user.call_result("listSessions", {"limit": 10})
    assert [s["id"] for s in listed["sessions"]] == [session_id]
    fetched = user.call_result("getSession", {"sessionId": session_id})
    assert fetched["session"]["title"] == "Mobile" and fetched["turns"] == []
    updated = user.call_result("updateSession", {"sessionId": session_id, "systemPrompt": "Be subtle."})
    assert updated["session"]["systemPrompt"] == "Be subtle."
    assert user.call_result("deleteSession", {"sessionId": session_id}) == {"id": session_id, "deleted": True}
    missing = user.call("getSession", {"sessionId": session_id})
    assert missing.status_code == 404
    assert missing.json()["error"]["status"] == "NOT_FOUND"


def test_list_cursor_survives_the_deletion_of_its_session(user: ApiClient) -> None:
    ids = [user.rest("POST", "/api/chat/sessions", json={"title": f"s{i}"}).json()["id"] for i in range(5)]
    first = user.rest("GET", "/api/chat/sessions", params={"limit": 2}).json()
    assert [s["id"] for s in first["sessions"]] == [ids[4], ids[3]]
    # The session the cursor points after is deleted before the next page is read.
    assert user.rest("DELETE", f"/api/chat/sessions/{ids[3]}").status_code == 204
    second = user.rest("GET", "/api/chat/sessions", params={"limit": 2, "cursor": first["nextCursor"]}).json()
    assert [s["id"] for s in second["sessions"]] == [ids[2], ids[1]]
    by_callable = user.call_result("listSessions", {"limit": 2, "cursor": first["nextCursor"]})
    assert [s["id"] for s in by_callable["sessions"]] == [ids[2], ids[1]]


@pytest.mark.parametrize("cursor", ["garbage", "eyJ0IjoxfQ", "%%%"])
def test_a_garbage_list_cursor_is_a_400(user: ApiClient, cursor: str) -> None:
    user.rest("POST", "/api/chat/sessions", json={})
    response = user.rest("GET", "/api/chat/sessions", params={"cursor": cursor})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"].startswith("cursor: ")
    assert user.call("listSessions", {"cursor": cursor}).json()["error"]["status"] == "INVALID_ARGUMENT"


def test_answers_equal_what_get_returns_later(user: ApiClient) -> None:
    # A response is made from the document as stored: createdAt (and everything else) agree.
    created = user.rest("POST", "/api/chat/sessions", json={"title": "Same"}).json()
    fetched = user.rest("GET", f"/api/chat/sessions/{created['id']}").json()
    assert created["session"]["createdAt"] == fetched["session"]["createdAt"]
    assert created["session"] == fetched["session"]
    by_callable = user.call_result("createSession", {"title": "Mobile"})
    assert by_callable["session"] == user.call_result("getSession", {"sessionId": by_callable["id"]})["session"]

    turn = send(user, created["id"], "Draw a fox")
    turns = user.rest("GET", f"/api/chat/sessions/{created['id']}").json()["turns"]
    assert turns[1]["createdAt"] == turn["createdAt"]
    assert turns[1] == turn
