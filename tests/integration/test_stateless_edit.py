"""The stateless edit (seed 002): the head's image, the references and the instruction — no
history — stored as a normal exchange on the branch with `mode: "stateless"`."""

from __future__ import annotations

import concurrent.futures
import time
from typing import Any

from tests.integration.helpers import model_calls, new_session, png_bytes, provenance_of, send, upload
from tests.support.clients import ApiClient, GeminiControl


def _edit(client: ApiClient, session_id: str, **body: Any) -> Any:
    return client.rest("POST", f"/api/chat/sessions/{session_id}/edit", json=body)


def test_a_stateless_edit_sends_only_the_head_image_the_refs_and_the_text(
    user: ApiClient, gemini: GeminiControl
) -> None:
    session_id = new_session(user, systemPrompt="Keep it photographic.")
    send(user, session_id, "Draw a lighthouse")
    second = send(user, session_id, "make it warmer")
    ref = upload(user, png_bytes((10, 200, 10)))
    gemini.reset()

    response = _edit(user, session_id, text="now invert it", refUrls=[ref["publicUrl"]], requestId="edit-1")
    assert response.status_code == 200, response.text
    edited = response.json()["turn"]
    assert edited["status"] == "complete" and edited["mode"] == "stateless"
    assert provenance_of(edited["images"][0]) == [*provenance_of(second["images"][0]), "invert"]

    [call] = model_calls(gemini.requests())
    assert [c["role"] for c in call["contents"]] == ["user"]  # no history, no model content
    assert [p["kind"] for p in call["contents"][0]["parts"]] == ["fileData", "fileData", "text"]
    assert "Earlier in this conversation" not in (call.get("systemText") or "")

    # A normal exchange on the branch: the head moved, both turns say how they were made.
    body = user.rest("GET", f"/api/chat/sessions/{session_id}").json()
    assert body["session"]["headTurnId"] == edited["id"]
    user_turn = next(t for t in body["turns"] if t["id"] == edited["parentId"])
    assert user_turn["mode"] == "stateless" and user_turn["parentId"] == second["id"]
    assert [a["source"] for a in user_turn["attachments"]] == ["upload", "output"]  # the edited image last
    assert [t["mode"] for t in body["turns"]] == ["chat"] * 4 + ["stateless"] * 2

    # requestId: a retry answers the same turn without calling the model.
    again = _edit(user, session_id, text="now invert it", refUrls=[ref["publicUrl"]], requestId="edit-1")
    assert again.status_code == 200 and again.json()["turn"]["id"] == edited["id"]
    assert len(model_calls(gemini.requests())) == 1

    # Undo works as for any message, and a chat message continues after a stateless edit.
    response = user.rest("POST", f"/api/chat/sessions/{session_id}/head", json={"turnId": second["id"]})
    assert response.status_code == 200
    response = user.rest("POST", f"/api/chat/sessions/{session_id}/head", json={"turnId": edited["id"]})
    assert response.status_code == 200
    after = send(user, session_id, "add a blur")
    assert provenance_of(after["images"][0]) == [*provenance_of(edited["images"][0]), "blur"]

    # A regenerated stateless answer is stateless too.
    gemini.reset()
    response = user.rest("POST", f"/api/chat/sessions/{session_id}/turns/{edited['id']}/regenerate")
    assert response.status_code == 200 and response.json()["turn"]["mode"] == "stateless"
    assert [c["role"] for c in model_calls(gemini.requests())[0]["contents"]] == ["user"]


def test_stateless_edit_errors(user: ApiClient) -> None:
    session_id = new_session(user)
    response = _edit(user, session_id, text="make it warmer")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "No active image session. Please generate an image first."
    send(user, session_id, "Draw a boat")
    response = _edit(user, session_id, text="   ")
    assert response.status_code == 400 and response.json()["error"]["message"] == "Edit prompt is required."
    response = _edit(user, "nope", text="make it warmer")
    assert response.status_code == 404


def test_a_stateless_edit_of_an_imported_image_and_over_callables(user: ApiClient, gemini: GeminiControl) -> None:
    photo = upload(user, png_bytes((200, 200, 20)))
    created = user.call_result("createSession", {"startImage": photo["publicUrl"]})
    result = user.call_result("editImage", {"sessionId": created["id"], "text": "make it grayscale"})
    assert result["turn"]["mode"] == "stateless" and provenance_of(result["turn"]["images"][0])[-1] == "grayscale"
    [call] = model_calls(gemini.requests())
    assert [c["role"] for c in call["contents"]] == ["user"]
    response = user.call("editImage", {"sessionId": created["id"], "text": ""})
    assert response.status_code == 400 and response.json()["error"]["message"] == "Edit prompt is required."


def test_a_stateless_edit_takes_the_lease(user: ApiClient, gemini: GeminiControl) -> None:
    session_id = new_session(user)
    send(user, session_id, "Draw a tree")
    gemini.config(latencyMs=1500)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        running = pool.submit(send, user, session_id, "make it warmer")
        time.sleep(0.7)
        busy = _edit(user, session_id, text="now invert it")
        running.result()
    assert busy.status_code == 409, busy.text


def test_a_stateless_edit_takes_pinned_references_and_library_picks(user: ApiClient, gemini: GeminiControl) -> None:
    pin = upload(user, png_bytes((200, 200, 10)))
    session_id = new_session(user, pinnedRefs=[pin["storagePath"]])
    first = send(user, session_id, "Draw a harbour")
    saved = user.rest("POST", "/api/library", files={"file": ("lib.png", png_bytes((5, 5, 200)), "image/png")})
    assert saved.status_code == 200, saved.text
    gemini.reset()
    response = _edit(user, session_id, text="make it sepia", imageIds=[saved.json()["image"]["id"]])
    assert response.status_code == 200, response.text
    edited = response.json()["turn"]
    assert provenance_of(edited["images"][0]) == [*provenance_of(first["images"][0]), "sepia"]
    call = model_calls(gemini.requests())[-1]  # (the reset emptied the Files API: one 403 retry first)
    assert [c["role"] for c in call["contents"]] == ["user"]
    assert [p["kind"] for p in call["contents"][0]["parts"]] == ["fileData"] * 3 + ["text"]
    user_turn = next(t for t in user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"]
                     if t["id"] == edited["parentId"])
    assert [a["source"] for a in user_turn["attachments"]] == ["upload", "library", "output"]
    assert user_turn["attachments"][0]["pinned"] is True
