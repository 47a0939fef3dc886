"""Server-side state on the Interactions API (IMAGECHAT_INTERACTIONS_STORE=true): turns continue the
head's stored interaction by `previous_interaction_id` while the chain is within the history
policy, start a new chain by replaying the policy's history beyond it, fall back to the replay
when Google no longer has the interaction, and the stored interactions can be deleted by id."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from google.cloud import firestore

from devtools.stack import Stack
from imagechat.store.turn_store import TurnStore
from tests.integration.helpers import model_calls, new_session, provenance_of, send
from tests.support.clients import ApiClient, GeminiControl
from tests.support.fixtures import INTERACTIONS_ENV, functions_host

STORE_ENV = {**INTERACTIONS_ENV, "IMAGECHAT_INTERACTIONS_STORE": "true"}
PRO = "gemini-3-pro-image-preview"


def _model_turn(db: firestore.Client, uid: str, session_id: str, turn_id: str) -> dict[str, Any]:
    snap = db.collection("users").document(uid).collection("chatSessions").document(session_id) \
        .collection("turns").document(turn_id).get()
    turn: dict[str, Any] = snap.to_dict() or {}
    return turn


def test_stored_chains_continue_restart_within_the_policy_and_fall_back_after_expiry(
    make_user: Callable[..., ApiClient], gemini: GeminiControl, stack: Stack, firestore_db: firestore.Client
) -> None:
    user = dataclasses.replace(make_user(), functions_url=functions_host(stack, "interactions-store", STORE_ENV))
    session_id = new_session(user, model=PRO, historyTurns=3)  # a chain holds at most 3 exchanges
    prompts = ["Draw a harbour", "make it warmer", "now invert it", "add a blur"]
    turns = [send(user, session_id, prompt) for prompt in prompts]
    chains = [provenance_of(t["images"][0]) for t in turns]
    assert chains[-1][1:] == ["warmer", "invert", "blur"]
    stored = [_model_turn(firestore_db, user.uid or "", session_id, t["id"])["interaction"] for t in turns]
    assert [s["chainLength"] for s in stored] == [1, 2, 3, 1]  # the 4th passed the window: a new chain
    assert all(s["model"] == PRO and s["createdAt"] and s.get("fallbackFrom") is None for s in stored)

    calls = model_calls(gemini.requests())
    assert all(c["store"] is True and c["status"] == 200 for c in calls)
    ids = [s["id"] for s in stored]
    assert [c["previousInteractionId"] for c in calls] == [None, ids[0], ids[1], None]
    assert [c["interactionId"] for c in calls] == ids
    # A continuation sends the new message only; a new chain replays the policy's history as steps.
    assert [s["type"] for s in calls[1]["steps"]] == ["user_input"]
    assert [s["type"] for s in calls[3]["steps"]] == ["user_input", "thought", "model_output"] * 3 + ["user_input"]

    # Google forgets them (retention, or deleted): the next turn replays the history transparently.
    assert gemini.expire_interactions() == 4
    requests_before = len(gemini.requests())
    fifth = send(user, session_id, "flip it")
    assert fifth["status"] == "complete"
    assert provenance_of(fifth["images"][0]) == [*chains[-1], "flip-horizontal"]
    refused, replayed = model_calls(gemini.requests()[requests_before:])
    assert refused["status"] == 404 and refused["previousInteractionId"] == ids[3]
    assert replayed["status"] == 200 and replayed["previousInteractionId"] is None and replayed["store"] is True
    record = _model_turn(firestore_db, user.uid or "", session_id, fifth["id"])["interaction"]
    assert record["fallbackFrom"] == ids[3] and record["chainLength"] == 1 and record["id"] == replayed["interactionId"]

    # Deleting the session (account deletion does it for each) deletes what Google still keeps, by
    # the ids on the model turns; the expired ones count as gone.
    assert sorted(TurnStore(firestore_db).interaction_ids(user.uid or "", session_id)) == sorted([*ids, record["id"]])
    assert [i["id"] for i in gemini.interactions()] == [record["id"]]
    assert user.rest("DELETE", f"/api/chat/sessions/{session_id}").status_code == 204
    assert gemini.interactions() == []
    deletes = gemini.requests("interactions.delete")
    assert sorted(d["status"] for d in deletes) == [200, 404, 404, 404, 404]
