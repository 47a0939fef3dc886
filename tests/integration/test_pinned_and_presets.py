"""Pinned references (prepended to every message, within the image cap, PATCH replaces or clears)
and prompt presets (CRUD, built-ins read-only, a preset's text first) — issue 10."""

from __future__ import annotations

import hashlib
from typing import Any

from google.cloud import firestore, storage

from tests.integration.helpers import model_calls, new_session, png_bytes, send, upload
from tests.integration.test_library import last_message_shas, save_file
from tests.support.clients import ApiClient, GeminiControl


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def session_of(client: ApiClient, session_id: str) -> dict[str, Any]:
    body: dict[str, Any] = client.rest("GET", f"/api/chat/sessions/{session_id}").json()
    return body


def test_pinned_refs_are_prepended_to_every_message(
    user: ApiClient, gemini: GeminiControl, firestore_db: firestore.Client, bucket: storage.Bucket
) -> None:
    base, style, own = png_bytes((5, 5, 5)), png_bytes((6, 6, 6)), png_bytes((7, 7, 7))
    library_image = save_file(user, base)
    pinned_upload = upload(user, style)
    created = user.rest("POST", "/api/chat/sessions", json={
        "pinnedRefs": [f"library://{library_image['id']}", pinned_upload["publicUrl"]]})
    assert created.status_code == 200, created.text
    session_id = created.json()["id"]
    pinned = created.json()["session"]["pinnedRefs"]
    assert [(p["source"], p["libraryId"], p["pinned"]) for p in pinned] == [
        ("library", library_image["id"], True), ("upload", None, True)]
    assert all(p["storagePath"].startswith(f"chat-images/{user.uid}/{session_id}/pinned/") for p in pinned)
    assert [p["sha256"] for p in session_of(user, session_id)["session"]["pinnedRefs"]] == [sha(base), sha(style)]

    # The pinned copies outlive their sources.
    assert user.rest("DELETE", f"/api/library/{library_image['id']}").status_code == 204
    bucket.blob(pinned_upload["storagePath"]).delete()

    send(user, session_id, "apply the style", refUrls=[upload(user, own)["publicUrl"]])
    assert last_message_shas(gemini, firestore_db) == [sha(base), sha(style), sha(own)]
    send(user, session_id, "now warmer")
    assert last_message_shas(gemini, firestore_db) == [sha(base), sha(style)]
    # The history does not send the pins twice: the first exchange replays only its own image.
    call = model_calls(gemini.requests())[-1]
    assert [sum(1 for p in c["parts"] if p["kind"] == "fileData") for c in call["contents"]] == [1, 1, 2]
    turns = session_of(user, session_id)["turns"]
    assert [a["pinned"] for a in turns[0]["attachments"]] == [True, True, False]
    assert [a["pinned"] for a in turns[2]["attachments"]] == [True, True]

    # PATCH replaces the list; [] clears it.
    replaced = user.rest("PATCH", f"/api/chat/sessions/{session_id}", json={"pinnedRefs": [turns[1]["images"][0][
        "publicUrl"]]})
    assert replaced.status_code == 200, replaced.text
    assert [p["source"] for p in replaced.json()["session"]["pinnedRefs"]] == ["output"]
    cleared = user.rest("PATCH", f"/api/chat/sessions/{session_id}", json={"pinnedRefs": []}).json()
    assert cleared["session"]["pinnedRefs"] == []
    send(user, session_id, "sharpen", refUrls=[upload(user, own)["publicUrl"]])
    assert last_message_shas(gemini, firestore_db) == [sha(own)]

    # Deleting the session removes its pinned copies.
    assert user.rest("DELETE", f"/api/chat/sessions/{session_id}").status_code == 204
    assert list(bucket.list_blobs(prefix=f"chat-images/{user.uid}/{session_id}/")) == []


def test_pinned_refs_count_in_the_image_cap(user: ApiClient, other_user: ApiClient) -> None:
    photo = upload(user)
    session_id = new_session(user, pinnedRefs=[photo["storagePath"]] * 4)
    refs = [photo["storagePath"]] * 11
    response = user.rest("POST", f"/api/chat/sessions/{session_id}/message", json={"text": "x", "refUrls": refs})
    assert response.status_code == 400
    assert "at most 14 images per message, pinned references, refUrls and imageIds together (got 4 pinned + 11)" in \
        response.json()["error"]["message"]
    assert send(user, session_id, "ok", refUrls=refs[:10])["status"] == "complete"

    too_many = user.rest("POST", "/api/chat/sessions", json={"pinnedRefs": [photo["storagePath"]] * 5})
    assert too_many.status_code == 400 and "pinnedRefs" in too_many.json()["error"]["message"]
    foreign = user.rest("PATCH", f"/api/chat/sessions/{session_id}",
                        json={"pinnedRefs": [upload(other_user)["storagePath"]]})
    assert foreign.status_code == 400 and "pinnedRefs[0]" in foreign.json()["error"]["message"]
    assert user.rest("POST", "/api/chat/sessions", json={"pinnedRefs": ["library://nope"]}).status_code == 404
    # Nothing was created by the refused requests.
    assert len(user.rest("GET", "/api/chat/sessions").json()["sessions"]) == 1


def test_pinned_refs_through_callables(user: ApiClient) -> None:
    photo = upload(user)
    created = user.call_result("createSession", {"pinnedRefs": [photo["publicUrl"]]})
    assert len(created["session"]["pinnedRefs"]) == 1
    updated = user.call_result("updateSession", {"sessionId": created["id"], "pinnedRefs": []})
    assert updated["session"]["pinnedRefs"] == []


def test_preset_crud_and_builtins(user: ApiClient, other_user: ApiClient) -> None:
    listed = user.rest("GET", "/api/presets").json()["presets"]
    builtin_names = {p["name"] for p in listed}
    assert {"Warmer light", "Remove background", "Studio portrait"} <= builtin_names
    assert all(p["id"].startswith("builtin:") and p["builtin"] for p in listed)

    created = user.rest("POST", "/api/presets", json={"name": "Noir", "text": "Make it black and white."})
    assert created.status_code == 200, created.text
    preset = created.json()["preset"]
    assert preset["builtin"] is False and preset["name"] == "Noir"
    assert user.rest("GET", "/api/presets").json()["presets"][-1] == preset
    updated = user.rest("PATCH", f"/api/presets/{preset['id']}", json={"text": "High-contrast noir."}).json()
    assert updated["preset"] == {**preset, "text": "High-contrast noir."}
    missing = user.rest("POST", "/api/presets", json={"name": "x"})
    assert missing.status_code == 400 and "text" in missing.json()["error"]["message"]

    for method, body in (("PATCH", {"name": "Mine"}), ("DELETE", None)):
        refused = user.rest(method, "/api/presets/builtin:warmer-light", json=body)
        assert refused.status_code == 400 and "read-only" in refused.json()["error"]["message"]
    assert other_user.rest("PATCH", f"/api/presets/{preset['id']}", json={"name": "x"}).status_code == 404
    assert other_user.rest("DELETE", f"/api/presets/{preset['id']}").status_code == 404

    assert user.rest("DELETE", f"/api/presets/{preset['id']}").status_code == 204
    assert all(p["id"] != preset["id"] for p in user.rest("GET", "/api/presets").json()["presets"])


def test_a_presets_text_comes_first(user: ApiClient, other_user: ApiClient) -> None:
    session_id = new_session(user)
    preset = user.rest("POST", "/api/presets", json={"name": "Noir", "text": "Make it black and white."}).json()
    send(user, session_id, "and add rain", presetId=preset["preset"]["id"], refUrls=[upload(user)["publicUrl"]])
    send(user, session_id, "", presetId="builtin:warmer-light")
    turns = session_of(user, session_id)["turns"]
    assert turns[0]["text"] == "Make it black and white.\n\nand add rain"
    assert turns[2]["text"].startswith("Make the lighting warmer")
    refused = other_user.rest("POST", f"/api/chat/sessions/{new_session(other_user)}/message",
                              json={"text": "x", "presetId": preset["preset"]["id"]})
    assert refused.status_code == 404 and "presetId" in refused.json()["error"]["message"]


def test_presets_through_callables(user: ApiClient) -> None:
    created = user.call_result("createPreset", {"name": "Soft", "text": "Soften the shadows."})["preset"]
    assert created in user.call_result("listPresets")["presets"]
    updated = user.call_result("updatePreset", {"presetId": created["id"], "name": "Softer"})["preset"]
    assert updated["name"] == "Softer"
    refused = user.call("deletePreset", {"presetId": "builtin:studio-portrait"}).json()["error"]
    assert refused["status"] == "INVALID_ARGUMENT" and "read-only" in refused["message"]
    assert user.call_result("deletePreset", {"presetId": created["id"]}) == {"id": created["id"], "deleted": True}
    session_id = new_session(user)
    turn = user.call_result("sendMessage", {"sessionId": session_id, "presetId": "builtin:studio-portrait",
                                            "text": "of a cat"})["turn"]
    assert turn["status"] == "complete"
