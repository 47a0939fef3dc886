"""Thought signatures survive the round trip through Firestore on the Pro image model."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from google.cloud import firestore

from devtools.stack import Stack
from tests.integration.helpers import model_calls, new_session, png_bytes, provenance_of, send, upload
from tests.support.clients import ApiClient, GeminiControl
from tests.support.fixtures import INTERACTIONS_ENV, functions_host

PRO = "gemini-3-pro-image-preview"


def _model_turns(firestore_db: firestore.Client, uid: str, session_id: str) -> list[dict[str, Any]]:
    turns = firestore_db.collection("users").document(uid).collection("chatSessions") \
        .document(session_id).collection("turns").stream()
    return [snap.to_dict() for snap in turns if snap.get("role") == "model"]


def test_pro_model_history_keeps_signatures(
    transport: str, user: ApiClient, gemini: GeminiControl, firestore_db: firestore.Client
) -> None:
    session_id = new_session(user, model=PRO, imageSize="2K", aspectRatio="4:3")
    chains = [provenance_of(send(user, session_id, prompt)["images"][0])
              for prompt in ("Draw a mountain", "make it warmer", "now invert it")]
    assert chains[2][: len(chains[1])] == chains[1] and chains[1][: len(chains[0])] == chains[0]

    calls = model_calls(gemini.requests())
    assert [c["status"] for c in calls] == [200, 200, 200]
    assert calls[-1]["imageSize"] == "2K" and calls[-1]["aspectRatio"] == "4:3"
    model_contents = [c for c in calls[-1]["contents"] if c["role"] == "model"]
    assert len(model_contents) == 2
    for content in model_contents:
        images = [p for p in content["parts"] if p["kind"] == "fileData"]
        texts = [p for p in content["parts"] if p["kind"] == "text"]
        assert images and all(p["hasSignature"] for p in images) and texts
    stored = _model_turns(firestore_db, user.uid or "", session_id)
    if transport == "generate_content":
        assert all(t[0]["hasSignature"] for t in ([p for p in c["parts"] if p["kind"] == "text"]
                                                   for c in model_contents))
        # Firestore holds the signature but never the image bytes.
        for turn in stored:
            image_entries = [e for e in turn["content"] if e["image"] is not None]
            assert image_entries and all("thought_signature" in e["part"] for e in image_entries)
            assert all("inline_data" not in e["part"] for e in turn["content"])
            assert turn["api"] == "generate_content" and "steps" not in turn
    else:
        # Each replayed reply is the model's thought step (its signature as received), then its output.
        assert [(s["type"], s.get("hasSignature")) for s in calls[-1]["steps"]] == [
            ("user_input", None), ("thought", True), ("model_output", None)] * 2 + [("user_input", None)]
        for turn in stored:
            assert [s["type"] for s in turn["steps"]] == ["thought", "model_output"]
            assert turn["steps"][0]["signature"] and turn["content"] == [] and turn["api"] == "interactions"
            blocks = turn["steps"][1]["content"]
            assert [b["type"] for b in blocks] == ["text", "image"] and blocks[1]["image"] == 0
            assert "interaction" not in turn  # stateless: nothing kept at Google


def test_a_dropped_signature_would_be_refused(transport: str, user: ApiClient, gemini: GeminiControl,
                                              firestore_db: firestore.Client) -> None:
    # Proves the check above is meaningful: strip the stored signature and the next turn fails.
    session_id = new_session(user, model=PRO)
    first = send(user, session_id, "Draw a tree")
    ref = firestore_db.collection("users").document(user.uid).collection("chatSessions") \
        .document(session_id).collection("turns").document(first["id"])
    if transport == "generate_content":
        content = ref.get().to_dict()["content"]
        for entry in content:
            entry["part"].pop("thought_signature", None)
        ref.update({"content": content})
    else:
        steps = ref.get().to_dict()["steps"]
        ref.update({"steps": [s for s in steps if s["type"] != "thought"]})

    response = user.rest("POST", f"/api/chat/sessions/{session_id}/message", json={"text": "make it warmer"})
    assert response.status_code == 500
    assert response.json()["error"]["message"] == "Image generation failed. Please try again."
    assert "missing a thought" in model_calls(gemini.requests())[-1]["error"]


def test_a_session_switching_api_between_turns_keeps_its_signatures(
    make_user: Callable[..., ApiClient], gemini: GeminiControl, stack: Stack
) -> None:
    # A deployment may change IMAGECHAT_MODEL_API between two turns of a session: each API replays
    # the other's replies (signatures moved between image parts and thought steps).
    on_generate = make_user()
    on_interactions = dataclasses.replace(on_generate, functions_url=functions_host(stack, "interactions",
                                                                                    INTERACTIONS_ENV))
    session_id = new_session(on_generate, model=PRO)
    clients = [on_generate, on_interactions, on_generate, on_interactions]
    chains = [provenance_of(send(client, session_id, prompt)["images"][0])
              for client, prompt in zip(clients, ("Draw a bridge", "make it warmer", "now invert it", "flip it"),
                                        strict=True)]
    assert chains[-1][1:] == ["warmer", "invert", "flip-horizontal"]
    calls = model_calls(gemini.requests())
    assert [c["kind"] for c in calls] == ["streamGenerateContent", "interactions.create"] * 2
    assert all(c["status"] == 200 for c in calls)
    # The last replay (window 2: the first exchange and the last two) has each reply's thought step.
    assert [s["type"] for s in calls[-1]["steps"] if s["type"] != "user_input"] == ["thought", "model_output"] * 3


def _images_in(call: dict[str, Any]) -> int:
    return sum(1 for content in call["contents"] for part in content["parts"]
               if part["kind"] in ("inlineData", "fileData"))


def test_a_long_pro_session_keeps_within_the_models_image_cap(user: ApiClient, gemini: GeminiControl) -> None:
    # The 3.x models take at most 14 images per request, history included: older exchanges give way
    # (a window of 20 exchanges, so that the cap, not the window, decides).
    session_id = new_session(user, model=PRO, historyTurns=20)
    for i in range(16):
        assert send(user, session_id, f"step {i}: make it warmer")["status"] == "complete", i
    first, second = upload(user, png_bytes((10, 200, 10))), upload(user, png_bytes((10, 10, 200)))
    turn = send(user, session_id, "combine these", refUrls=[first["publicUrl"], second["publicUrl"]])
    assert turn["status"] == "complete"

    calls = model_calls(gemini.requests())
    assert len(calls) == 17 and all(c["status"] == 200 for c in calls)
    counts = [_images_in(c) for c in calls]
    assert max(counts) == 14 and counts[14] == 14 and counts[-1] == 14, counts
    # The newest exchanges are the ones kept: the last request ends with this message's two images.
    assert [p["kind"] for p in calls[-1]["contents"][-1]["parts"]] == ["fileData", "fileData", "text"]
