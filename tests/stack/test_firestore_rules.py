"""firestore.rules as the web and mobile clients meet them: a signed-in user may read (and so
listen to) their own sessions and turns; nobody else may, and no client may write."""

from __future__ import annotations

import requests

from devtools.stack import Stack
from tests.support.clients import ApiClient


def _document_url(stack: Stack, path: str) -> str:
    return f"http://{stack.firestore_host}/v1/projects/{stack.project_id}/databases/(default)/documents/{path}"


def _as(client: ApiClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.id_token}"}


def test_a_user_reads_their_own_session_and_turns_but_not_another_users(
    stack: Stack, user: ApiClient, other_user: ApiClient
) -> None:
    created = user.rest("POST", "/api/chat/sessions", json={"title": "mine"})
    assert created.status_code == 200, created.text
    session_path = f"users/{user.uid}/chatSessions/{created.json()['id']}"

    own = requests.get(_document_url(stack, session_path), headers=_as(user), timeout=10)
    assert own.status_code == 200, own.text
    assert own.json()["fields"]["title"]["stringValue"] == "mine"
    own_turns = requests.get(_document_url(stack, f"{session_path}/turns"), headers=_as(user), timeout=10)
    assert own_turns.status_code == 200, own_turns.text

    theirs = requests.get(_document_url(stack, session_path), headers=_as(other_user), timeout=10)
    assert theirs.status_code == 403
    anonymous = requests.get(_document_url(stack, session_path), timeout=10)
    assert anonymous.status_code == 403


def test_clients_cannot_write_sessions_or_read_server_only_collections(stack: Stack, user: ApiClient) -> None:
    forged = requests.patch(
        _document_url(stack, f"users/{user.uid}/chatSessions/forged"),
        json={"fields": {"title": {"stringValue": "written by the client"}}},
        headers=_as(user),
        timeout=10,
    )
    assert forged.status_code == 403
    cache = requests.get(_document_url(stack, "geminiFiles/anything"), headers=_as(user), timeout=10)
    assert cache.status_code == 403


def test_clients_neither_write_nor_read_quota_usage_and_limits(stack: Stack, user: ApiClient) -> None:
    """A user may not raise their own limits or rewrite their usage; the web app reads usage
    through GET /api/usage, so the documents stay server-only."""
    for path in (f"users/{user.uid}/settings/limits", f"users/{user.uid}/usage/2026-12-03",
                 f"users/{user.uid}/quota/minute-202612030815"):
        written = requests.patch(_document_url(stack, path), json={"fields": {"turnsPerDay": {"integerValue": "9"}}},
                                 headers=_as(user), timeout=10)
        assert written.status_code == 403, (path, written.text)
        assert requests.get(_document_url(stack, path), headers=_as(user), timeout=10).status_code == 403, path
