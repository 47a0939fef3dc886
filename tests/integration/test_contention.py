"""Every answer of the REST API is our JSON error shape, whatever the path holds (issue 7)."""

from __future__ import annotations

import pytest

from tests.support.clients import ApiClient

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
