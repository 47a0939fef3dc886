"""The cost ledger (issue 14): each model turn stores its usage and its cost, priced from the
published price table; the session and users/{uid}/usage/{day} add them up in the turn's own
commit; project summaries count too; `GET /api/usage` / `getUsage` read the ledger by day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud import firestore

from tests.integration.helpers import new_session, send
from tests.support.clients import ApiClient

# Published prices (USD), as docs/api.md lists them: what the ledger must charge.
PRO_INPUT, PRO_OUTPUT, PRO_IMAGE_2K = 2.00, 12.00, 0.134
FLASH_TEXT_INPUT, FLASH_TEXT_OUTPUT = 0.30, 2.50


def pro_image_cost(usage: dict[str, Any]) -> float:
    text_output = usage["outputTokens"] - usage["imageTokens"]
    return round(
        usage["promptTokens"] * PRO_INPUT / 1e6 + text_output * PRO_OUTPUT / 1e6 + usage["imagesOut"] * PRO_IMAGE_2K, 6
    )


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_turn_costs_add_up_on_the_session_and_the_day_and_summaries_count(
    transport: str, user: ApiClient, firestore_db: firestore.Client
) -> None:
    """On either model API (`transport`): the same figures, the same prices."""
    session_id = new_session(user, model="gemini-3-pro-image-preview", imageSize="2K")
    first = send(user, session_id, "Draw a lighthouse")
    second = send(user, session_id, "make it warmer")
    base = f"/api/chat/sessions/{session_id}"
    regenerated = ok(user.rest("POST", f"{base}/turns/{second['id']}/regenerate", json={}))["turn"]
    edited = ok(user.rest("POST", f"{base}/edit", json={"text": "invert it"}))["turn"]
    turns = [first, second, regenerated, edited]

    for turn in turns:  # each model turn priced from the table and the emulator's usage figures
        usage = turn["usage"]
        assert turn["model"] == "gemini-3-pro-image-preview"
        assert (usage["imagesOut"], usage["imageTokens"]) == (1, 1120)  # the emulator: 1120 tokens per 2K image
        assert usage["promptTokens"] > 0 and usage["outputTokens"] >= usage["imageTokens"]
        assert turn["costUsd"] == usage["costUsd"] == pytest.approx(pro_image_cost(usage), abs=1e-9)
    assert first["usage"]["imagesIn"] == 0 and second["usage"]["imagesIn"] == 1  # the history's image
    assert edited["usage"]["imagesIn"] == 1  # the head's image only
    total = sum(t["costUsd"] for t in turns)

    # The turn view as read back shows the same cost; the session adds them up.
    body = ok(user.rest("GET", f"{base}?all=true"))
    stored = {t["id"]: t for t in body["turns"]}
    assert [stored[t["id"]]["costUsd"] for t in turns] == [t["costUsd"] for t in turns]
    session_usage = body["session"]["usage"]
    assert session_usage["costUsd"] == pytest.approx(total, abs=1e-9)
    assert session_usage["promptTokens"] == sum(t["usage"]["promptTokens"] for t in turns)
    assert session_usage["imagesOut"] == 4

    day = firestore_db.document(f"users/{user.uid}/usage/{today()}").get().to_dict()
    assert day is not None and day["turns"] == 4
    assert day["costUsd"] == pytest.approx(total, abs=1e-9)
    assert day["outputTokens"] == sum(t["usage"]["outputTokens"] for t in turns)

    # A project's summary is a model call too: counted and priced onto the day.
    link = ok(user.rest("POST", f"{base}/project", json={}))["project"]
    project = ok(user.rest("GET", f"/api/projects/{link['id']}"))["project"]
    summary = project["usage"]
    summary_cost = summary["promptTokens"] * FLASH_TEXT_INPUT / 1e6 + summary["outputTokens"] * FLASH_TEXT_OUTPUT / 1e6
    assert summary["costUsd"] == pytest.approx(summary_cost, abs=1e-6) and summary["costUsd"] > 0

    usage = ok(user.rest("GET", "/api/usage"))
    [row] = usage["days"]
    assert row["date"] == today() and row["turns"] == 5
    assert row["costUsd"] == pytest.approx(total + summary["costUsd"], abs=1e-9)
    assert usage["totals"]["costUsd"] == pytest.approx(row["costUsd"], abs=1e-9) and usage["totals"]["turns"] == 5
    assert usage["quota"]["usedToday"] == 5 and usage["quota"]["remainingToday"] == 100000 - 5
    assert usage["limits"] == {"userId": user.uid, "turnsPerDay": 100000, "turnsPerMinute": 100000, "overridden": []}
    assert user.call_result("getUsage", {})["days"] == usage["days"]


def test_usage_ranges_defaults_validation_and_admin_view(
    user: ApiClient, other_user: ApiClient, admin: ApiClient, firestore_db: firestore.Client
) -> None:
    now = datetime.now(UTC).date()
    old, older = (now - timedelta(days=10)).isoformat(), (now - timedelta(days=40)).isoformat()
    for day, cost in ((old, 0.25), (older, 1.5)):
        firestore_db.document(f"users/{user.uid}/usage/{day}").set({"turns": 3, "costUsd": cost, "promptTokens": 7})

    default = ok(user.rest("GET", "/api/usage"))  # the last 30 days
    assert (default["from"], default["to"]) == ((now - timedelta(days=29)).isoformat(), now.isoformat())
    assert [d["date"] for d in default["days"]] == [old]
    assert default["totals"]["costUsd"] == 0.25 and default["totals"]["turns"] == 3
    wide = ok(user.rest("GET", "/api/usage", params={"from": older, "to": now.isoformat()}))
    assert [d["date"] for d in wide["days"]] == [older, old]
    assert wide["totals"]["costUsd"] == pytest.approx(1.75) and wide["totals"]["promptTokens"] == 14
    one_day = ok(user.rest("GET", "/api/usage", params={"from": older, "to": older}))
    assert [d["date"] for d in one_day["days"]] == [older]

    for params in ({"from": "2026-13-01"}, {"from": "yesterday"}, {"from": now.isoformat(), "to": old},
                   {"from": (now - timedelta(days=400)).isoformat()}):
        assert user.rest("GET", "/api/usage", params=params).status_code == 400, params

    assert other_user.rest("GET", "/api/usage", params={"uid": user.uid}).status_code == 403
    assert ok(other_user.rest("GET", "/api/usage"))["days"] == []
    seen = ok(admin.rest("GET", "/api/usage", params={"uid": user.uid, "from": older}))
    assert [d["date"] for d in seen["days"]] == [older, old] and seen["limits"]["userId"] == user.uid
    by_callable = admin.call_result("getUsage", {"userId": user.uid, "from": older, "to": now.isoformat()})
    assert by_callable["totals"] == wide["totals"]
