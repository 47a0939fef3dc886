"""Thought signatures survive the round trip through Firestore on the Pro image model."""

from __future__ import annotations

from typing import Any

from google.cloud import firestore

from tests.integration.helpers import model_calls, new_session, png_bytes, provenance_of, send, upload
from tests.support.clients import ApiClient, GeminiControl

PRO = "gemini-3-pro-image-preview"


def test_pro_model_history_keeps_signatures(
    user: ApiClient, gemini: GeminiControl, firestore_db: firestore.Client
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
        assert images and all(p["hasSignature"] for p in images)
        assert texts and texts[0]["hasSignature"]

    # Firestore holds the signature but never the image bytes.
    turns = firestore_db.collection("users").document(user.uid).collection("chatSessions") \
        .document(session_id).collection("turns").stream()
    for snap in turns:
        if snap.get("role") != "model":
            continue
        stored = snap.to_dict()["content"]
        image_entries = [e for e in stored if e["image"] is not None]
        assert image_entries and all("thought_signature" in e["part"] for e in image_entries)
        assert all("inline_data" not in e["part"] for e in stored)


def test_a_dropped_signature_would_be_refused(user: ApiClient, gemini: GeminiControl,
                                              firestore_db: firestore.Client) -> None:
    # Proves the check above is meaningful: strip the stored signature and the next turn fails.
    session_id = new_session(user, model=PRO)
    first = send(user, session_id, "Draw a tree")
    ref = firestore_db.collection("users").document(user.uid).collection("chatSessions") \
        .document(session_id).collection("turns").document(first["id"])
    content = ref.get().to_dict()["content"]
    for entry in content:
        entry["part"].pop("thought_signature", None)
    ref.update({"content": content})

    response = user.rest("POST", f"/api/chat/sessions/{session_id}/message", json={"text": "make it warmer"})
    assert response.status_code == 500
    assert response.json()["error"]["message"] == "Image generation failed. Please try again."
    assert "missing a thought_signature" in model_calls(gemini.requests())[-1]["error"]


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
