"""Open in Chat (seed 000 §6): a session that starts from an image, without calling the model."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from google.cloud import storage

from tests.integration.helpers import fetch, model_calls, new_session, png_bytes, provenance_of, send, upload
from tests.support.clients import ApiClient, GeminiControl

PRO = "gemini-3-pro-image-preview"


def _open(client: ApiClient, start_image: str, **fields: Any) -> dict[str, Any]:
    response = client.rest("POST", "/api/chat/sessions", json={"startImage": start_image, **fields})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _session(client: ApiClient, session_id: str, **params: Any) -> dict[str, Any]:
    response = client.rest("GET", f"/api/chat/sessions/{session_id}", params=params or None)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("model", ["gemini-2.5-flash-image", PRO])
def test_open_an_upload_in_chat_then_edit_it(
    user: ApiClient, gemini: GeminiControl, bucket: storage.Bucket, model: str
) -> None:
    photo = upload(user, png_bytes((30, 120, 200)))
    created = _open(user, photo["publicUrl"], title="From a photo", aspectRatio="4:3", model=model)
    session = created["session"]
    assert session["title"] == "From a photo" and session["turnCount"] == 1
    assert model_calls(gemini.requests()) == []  # no model call to open it

    body = _session(user, created["id"])
    [imported] = body["turns"]
    assert imported["role"] == "model" and imported["mode"] == "imported" and imported["status"] == "complete"
    assert imported["parentId"] is None and imported["siblingIds"] == [imported["id"]]
    assert body["session"]["headTurnId"] == imported["id"]
    image = imported["images"][0]
    assert image["storagePath"].startswith(f"chat-images/{user.uid}/{created['id']}/")
    assert image["thumbnail"]["storagePath"].endswith(".thumb.webp")
    assert body["session"]["lastImage"]["storagePath"] == image["storagePath"]
    copied = fetch(image["publicUrl"])
    assert copied == png_bytes((30, 120, 200))  # a PNG passes through unchanged

    first = send(user, created["id"], "make it warmer")
    assert first["status"] == "complete" and first["mode"] == "chat"
    # The imported image is what was edited: the emulator's chain starts from its bytes.
    assert provenance_of(first["images"][0]) == [f"input:{hashlib.sha256(copied).hexdigest()[:12]}", "warmer"]
    call = model_calls(gemini.requests())[-1]
    assert call["status"] == 200
    # Sent as a user image (a model-role image without a signature would be refused by 3.x models).
    assert [c["role"] for c in call["contents"]] == ["user", "user"]
    assert [p["kind"] for p in call["contents"][0]["parts"]] == ["fileData"]

    second = send(user, created["id"], "now invert it")
    assert provenance_of(second["images"][0]) == [*provenance_of(first["images"][0]), "invert"]
    call = model_calls(gemini.requests())[-1]
    assert [c["role"] for c in call["contents"]] == ["user", "user", "model", "user"]


def test_open_an_output_in_chat_continues_its_chain(user: ApiClient) -> None:
    source = new_session(user)
    drawn = send(user, source, "Draw a lighthouse")
    created = _open(user, drawn["images"][0]["publicUrl"])
    edited = send(user, created["id"], "add a blur")
    assert provenance_of(edited["images"][0]) == [*provenance_of(drawn["images"][0]), "blur"]
    # A storage path works too.
    by_path = _open(user, drawn["images"][0]["storagePath"])
    assert by_path["session"]["lastImage"]["storagePath"].startswith(f"chat-images/{user.uid}/{by_path['id']}/")


def test_tree_operations_after_an_import(user: ApiClient, bucket: storage.Bucket) -> None:
    created = _open(user, upload(user)["publicUrl"])
    session_id = created["id"]
    imported = _session(user, session_id)["turns"][0]
    first = send(user, session_id, "make it warmer")

    # Back to the imported image, and a new branch from it.
    response = user.rest("POST", f"/api/chat/sessions/{session_id}/head", json={"turnId": imported["id"]})
    assert response.status_code == 200 and response.json()["session"]["headTurnId"] == imported["id"]
    other = send(user, session_id, "now grayscale")
    assert provenance_of(other["images"][0])[-1] == "grayscale"
    assert provenance_of(other["images"][0])[:-1] == provenance_of(first["images"][0])[:-1]

    # Regenerate an answer whose parent is the imported turn.
    response = user.rest("POST", f"/api/chat/sessions/{session_id}/turns/{other['id']}/regenerate")
    assert response.status_code == 200, response.text
    again = response.json()["turn"]
    assert again["status"] == "complete" and len(again["siblingIds"]) == 2
    # The imported turn is no answer to regenerate.
    response = user.rest("POST", f"/api/chat/sessions/{session_id}/turns/{imported['id']}/regenerate")
    assert response.status_code == 400

    # Delete the branch: the head goes back to the imported image.
    response = user.rest("DELETE", f"/api/chat/sessions/{session_id}/turns/{other['parentId']}")
    assert response.status_code == 204, response.text
    session = _session(user, session_id)["session"]
    assert session["headTurnId"] == imported["id"]
    assert session["lastImage"]["storagePath"] == imported["images"][0]["storagePath"]

    # Delete the imported turn: everything goes, and the session starts over.
    response = user.rest("DELETE", f"/api/chat/sessions/{session_id}/turns/{imported['id']}")
    assert response.status_code == 204, response.text
    body = _session(user, session_id, all="true")
    assert body["turns"] == [] and body["session"]["headTurnId"] is None and body["session"]["turnCount"] == 0
    assert list(bucket.list_blobs(prefix=f"chat-images/{user.uid}/{session_id}/")) == []
    assert send(user, session_id, "Draw a cat")["status"] == "complete"


def test_open_in_chat_over_callables(user: ApiClient) -> None:
    photo = upload(user)
    created = user.call_result("createSession", {"startImage": photo["storagePath"], "title": "Mobile"})
    assert created["session"]["headTurnId"] and created["session"]["lastImage"]
    turn = user.call_result("sendMessage", {"sessionId": created["id"], "text": "make it warmer"})["turn"]
    assert provenance_of(turn["images"][0])[-1] == "warmer"


def test_start_image_errors(user: ApiClient, other_user: ApiClient) -> None:
    before = user.rest("GET", "/api/chat/sessions").json()["sessions"]
    theirs = upload(other_user)
    response = user.rest("POST", "/api/chat/sessions", json={"startImage": theirs["storagePath"]})
    assert response.status_code == 400 and response.json()["error"]["message"].startswith("startImage: ")
    response = user.rest("POST", "/api/chat/sessions", json={"startImage": "https://example.com/a.png"})
    assert response.status_code == 400 and "startImage: " in response.json()["error"]["message"]
    response = user.rest("POST", "/api/chat/sessions", json={"startImage": "library://abc"})
    assert response.status_code == 404 and response.json()["error"]["message"] == (
        "startImage: library image 'abc' not found.")
    # Nothing was created by a refused start image.
    assert user.rest("GET", "/api/chat/sessions").json()["sessions"] == before


def test_open_a_library_image_in_chat(user: ApiClient) -> None:
    saved = user.rest("POST", "/api/library", files={"file": ("pic.png", png_bytes((90, 30, 160)), "image/png")})
    assert saved.status_code == 200, saved.text
    image_id = saved.json()["image"]["id"]
    created = user.rest("POST", "/api/chat/sessions", json={"startImage": f"library://{image_id}"})
    assert created.status_code == 200, created.text
    session_id = created.json()["id"]
    turn = send(user, session_id, "make it warmer")
    chain = provenance_of(turn["images"][0])
    imported = fetch(created.json()["session"]["lastImage"]["publicUrl"])
    assert chain[0] == "input:" + hashlib.sha256(imported).hexdigest()[:12]
    assert chain[-1] == "warmer"
    # Deleting the library image later never breaks the session: it has its own copy.
    assert user.rest("DELETE", f"/api/library/{image_id}").status_code == 204
    assert send(user, session_id, "now grayscale")["status"] == "complete"
