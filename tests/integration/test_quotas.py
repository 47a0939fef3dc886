"""Per-user quotas (issue 14): turns per UTC minute and per UTC day, checked before a turn is
claimed. A refusal is 429 / resource-exhausted with `retryAfterSeconds` (and `Retry-After`),
writes nothing, and the same `requestId` works once the quota allows. Limits are set per user by an
admin; the suite's default limits are generous (tests/support/fixtures.py)."""

from __future__ import annotations

import concurrent.futures
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from google.cloud import firestore

from tests.integration.helpers import model_calls, new_session, send
from tests.integration.test_identity_chat import CONTINUE, START, add_reference, make_identity, refused
from tests.support.clients import ApiClient, GeminiControl

MINUTE_REFUSAL = re.compile(r"^Too many turns this minute; try again at (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC\.$")


def daily_refusal(now: datetime) -> str:
    tomorrow = (now + timedelta(days=1)).strftime("%Y-%m-%d")
    return f"Daily limit reached; it resets at {tomorrow} 00:00 UTC."


def set_limits(admin: ApiClient, uid: str | None, **limits: Any) -> dict[str, Any]:
    response = admin.rest("PATCH", f"/api/admin/users/{uid}/limits", json=limits)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()["limits"]
    return body


def clear_of_minute_boundary() -> None:
    """Per-minute tests need their turns in one UTC minute: start early in a minute."""
    second = datetime.now(UTC).second
    if second >= 40:
        time.sleep(61 - second)


def assert_429(response: Any, max_wait_s: int) -> dict[str, Any]:
    assert response.status_code == 429, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert 1 <= error["retryAfterSeconds"] <= max_wait_s
    assert response.headers["Retry-After"] == str(error["retryAfterSeconds"])
    return error


def test_minute_limit_refuses_send_regenerate_and_edit_then_the_same_request_id_works(
    user: ApiClient, admin: ApiClient, gemini: GeminiControl, firestore_db: firestore.Client
) -> None:
    assert set_limits(admin, user.uid, turnsPerMinute=2) == {
        "userId": user.uid, "turnsPerDay": 100000, "turnsPerMinute": 2, "overridden": ["turnsPerMinute"],
    }
    session_id = new_session(user)
    clear_of_minute_boundary()
    first = send(user, session_id, "Draw a lighthouse")
    send(user, session_id, "make it warmer")
    before = user.rest("GET", f"/api/chat/sessions/{session_id}").json()
    base = f"/api/chat/sessions/{session_id}"

    refused_send = user.rest("POST", f"{base}/message", json={"text": "now at night", "requestId": "r-3"})
    error = assert_429(refused_send, 60)
    match = MINUTE_REFUSAL.match(error["message"])
    assert match, error["message"]
    retry_at = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    assert timedelta(0) < retry_at - datetime.now(UTC) <= timedelta(seconds=60)
    assert_429(user.rest("POST", f"{base}/turns/{first['id']}/regenerate", json={}), 60)
    assert_429(user.rest("POST", f"{base}/edit", json={"text": "invert it"}), 60)

    # Nothing was written: no turn, no lease, no request record, no model call.
    after = user.rest("GET", f"/api/chat/sessions/{session_id}").json()
    assert after["turns"] == before["turns"] and after["session"]["turnCount"] == 4
    stored = firestore_db.document(f"users/{user.uid}/chatSessions/{session_id}").get().to_dict()
    assert stored is not None and "lease" not in stored
    assert not firestore_db.document(f"users/{user.uid}/chatSessions/{session_id}/requests/r-3").get().exists
    assert len(model_calls(gemini.requests())) == 2
    minute = datetime.now(UTC).strftime("%Y%m%d%H%M")
    counter = firestore_db.document(f"users/{user.uid}/quota/minute-{minute}").get().to_dict()
    assert counter is not None and counter["turns"] == 2

    # An admin raises the limit: the refused request, retried with its requestId, runs.
    set_limits(admin, user.uid, turnsPerMinute=10)
    retried = user.rest("POST", f"{base}/message", json={"text": "now at night", "requestId": "r-3"})
    assert retried.status_code == 200, retried.text
    assert retried.json()["turn"]["status"] == "complete"
    assert len(model_calls(gemini.requests())) == 3


def test_daily_limit_refuses_callables_composer_and_identity_chat(
    user: ApiClient, admin: ApiClient, gemini: GeminiControl
) -> None:
    identity_id = make_identity(admin)
    add_reference(user)
    set_limits(admin, user.uid, turnsPerDay=2)
    started = user.rest("POST", START, json={"identity_id": identity_id})  # the 1st call today
    assert started.status_code == 200, started.text
    session_id = user.call_result("createSession", {})["id"]
    sent = user.call_result("sendMessage", {"sessionId": session_id, "text": "Draw a fox"})  # the 2nd
    expected = daily_refusal(datetime.now(UTC))

    def callable_refusal(name: str, data: dict[str, Any]) -> None:
        response = user.call(name, data)
        assert response.status_code == 429, response.text
        error = response.json()["error"]
        assert (error["status"], error["message"]) == ("RESOURCE_EXHAUSTED", expected)
        assert 1 <= error["details"]["retryAfterSeconds"] <= 86400

    callable_refusal("sendMessage", {"sessionId": session_id, "text": "make it blue", "requestId": "d-1"})
    callable_refusal("regenerateTurn", {"sessionId": session_id, "turnId": sent["turn"]["id"]})
    callable_refusal("editImage", {"sessionId": session_id, "text": "invert it"})
    # The composer's first message is refused before a session is made.
    sessions_before = user.call_result("listSessions", {})["sessions"]
    callable_refusal("createSession", {"message": {"text": "Draw a cat"}})
    assert user.call_result("listSessions", {})["sessions"] == sessions_before
    # The identity chat (its seed's error shape, plus Retry-After).
    body = refused(user.rest("POST", CONTINUE, json={"edit_prompt": "smile"}), 429, expected)
    assert 1 <= body["error"]["retryAfterSeconds"] <= 86400
    refused(user.rest("POST", START, json={"identity_id": identity_id}), 429, expected)
    assert len(model_calls(gemini.requests())) == 2

    set_limits(admin, user.uid, turnsPerDay=None)  # back to the (generous) default
    again = user.call_result("sendMessage", {"sessionId": session_id, "text": "make it blue", "requestId": "d-1"})
    assert again["turn"]["status"] == "complete"


def test_only_an_admin_sets_limits(user: ApiClient, other_user: ApiClient, admin: ApiClient) -> None:
    denied = user.rest("PATCH", f"/api/admin/users/{user.uid}/limits", json={"turnsPerDay": 5000})
    assert denied.status_code == 403, denied.text
    assert user.rest("PATCH", f"/api/admin/users/{other_user.uid}/limits", json={"turnsPerDay": 1}).status_code == 403
    call = user.call("setUserLimits", {"userId": user.uid, "turnsPerDay": 5000})
    assert call.status_code == 403 and call.json()["error"]["status"] == "PERMISSION_DENIED"

    missing = admin.rest("PATCH", "/api/admin/users/nobody123/limits", json={"turnsPerDay": 1})
    assert missing.status_code == 404, missing.text
    for bad in ({"turnsPerDay": -1}, {"turnsPerMinute": "many"}, {"turnsPerDay": 10**7}):
        assert admin.rest("PATCH", f"/api/admin/users/{user.uid}/limits", json=bad).status_code == 400

    limits = admin.call_result("setUserLimits", {"userId": user.uid, "turnsPerDay": 7, "turnsPerMinute": 3})
    assert limits["limits"] == {"userId": user.uid, "turnsPerDay": 7, "turnsPerMinute": 3,
                                "overridden": ["turnsPerDay", "turnsPerMinute"]}
    kept = set_limits(admin, user.uid, turnsPerMinute=None)  # null: the default again; turnsPerDay kept
    assert (kept["turnsPerDay"], kept["turnsPerMinute"], kept["overridden"]) == (7, 100000, ["turnsPerDay"])
    usage = user.rest("GET", "/api/usage").json()
    assert usage["limits"]["turnsPerDay"] == 7 and usage["quota"]["remainingToday"] == 7
    assert other_user.rest("GET", "/api/usage").json()["limits"]["overridden"] == []


def test_a_burst_across_sessions_is_only_admitted_or_429_and_counted_exactly(
    user: ApiClient, admin: ApiClient, firestore_db: firestore.Client
) -> None:
    """The documented over-admission: parallel sends to N different sessions may all pass the
    check before any is counted; never more than N, never a 409 or a 5xx, and the counter is exact."""
    set_limits(admin, user.uid, turnsPerDay=2)
    sessions = [new_session(user) for _ in range(5)]
    with concurrent.futures.ThreadPoolExecutor(len(sessions)) as pool:
        responses = list(pool.map(
            lambda sid: user.rest("POST", f"/api/chat/sessions/{sid}/message", json={"text": "Draw a kite"}),
            sessions))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 429}, [r.text for r in responses]
    admitted = statuses.count(200)
    assert 2 <= admitted <= len(sessions)
    print(f"\nburst of {len(sessions)} sends across sessions, limit 2: {admitted} admitted")
    day = firestore_db.document(f"users/{user.uid}/usage/{datetime.now(UTC).strftime('%Y-%m-%d')}").get().to_dict()
    assert day is not None and day["turns"] == admitted
    assert assert_429(user.rest("POST", f"/api/chat/sessions/{sessions[0]}/message", json={"text": "again"}), 86400)
