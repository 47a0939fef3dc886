"""The identity image chat (seeds 001 and 002) over the seeds' own paths and the callables: seed
001's test table (start, continue; user and admin endpoints) and seed 002's error table."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from google.cloud import firestore

from tests.integration.helpers import fetch, model_calls, png_bytes, provenance_of
from tests.support.clients import ApiClient, GeminiControl

START, CONTINUE = "/api/v1/identity-image-chat/start/", "/api/v1/identity-image-chat/continue/"
ADMIN_START, ADMIN_CONTINUE = "/api/v1/admin/identity-image-chat/start/", "/api/v1/admin/identity-image-chat/continue/"
GENERATE, EDIT = "/api/v1/identities/generate-image/", "/api/v1/identities/edit-image/"
ADMIN_GENERATE, ADMIN_EDIT = "/api/v1/admin/identities/generate-image/", "/api/v1/admin/identities/edit-image/"
STATUS = "/api/v1/identities/image-session/"
NO_SESSION = "No active image session. Please generate an image first."
FAILED = "Image generation failed. Please try again."


def no_references(uid: str | None) -> str:
    return f"No reference images found for user {uid}. Reference images are required for image generation."


def make_identity(admin: ApiClient, **fields: Any) -> str:
    body = {"name": "The Artist", "description": "A painter in a sunlit studio", **fields}
    response = admin.rest("POST", "/api/v1/admin/identities/", json=body)
    assert response.status_code == 200, response.text
    identity_id: str = response.json()["id"]
    return identity_id


def add_reference(client: ApiClient, color: tuple[int, int, int] = (10, 120, 200), **fields: Any) -> dict[str, Any]:
    response = client.rest("POST", "/api/v1/reference-images/", data=fields,
                           files={"file": ("me.png", png_bytes(color), "image/png")})
    assert response.status_code == 200, response.text
    ref: dict[str, Any] = response.json()
    return ref


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refused(response: Any, status: int, detail: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["detail"] == detail
    assert body["error"]["message"] == detail
    return body


def image_of(body: dict[str, Any]) -> bytes:
    assert body["image_mime_type"] == "image/png"
    data = base64.b64decode(body["image_base64"])
    assert data == fetch(body["image_url"])
    return data


@pytest.fixture
def identity_id(admin: ApiClient) -> str:
    return make_identity(admin)


# ---------------------------------------------------------------- seed 001: start


def test_start_chat_success_attaches_the_references_and_creates_the_chat(
    user: ApiClient, identity_id: str, gemini: GeminiControl, firestore_db: firestore.Client
) -> None:
    first = add_reference(user, (10, 120, 200))
    second = ok(user.rest("POST", "/api/v1/reference-images", json={
        "image_base64": base64.b64encode(png_bytes((200, 40, 40))).decode()}))
    ok(user.rest("PATCH", "/api/v1/me/", json={"appearance": {"hair": "curly red", "style": "casual"}}))

    body = ok(user.rest("POST", START, json={"identity_id": identity_id, "additional_prompt": "smiling"}))
    assert body["identity_id"] == identity_id and body["identity_name"] == "The Artist"
    assert body["has_active_session"] is True and body["session_identity_id"] == identity_id
    assert body["references_changed"] is False and body["notice"] is None
    assert provenance_of({"publicUrl": body["image_url"]})[0].startswith("input:")
    image_of(body)

    # The start request carried both references in order, then the prompt, on a 3.x model at 4K, 16:9.
    call = model_calls(gemini.requests())[-1]
    assert call["model"] == "gemini-3-pro-image-preview"
    assert (call["imageSize"], call["aspectRatio"]) == ("4K", "16:9")
    parts = call["contents"][-1]["parts"]
    images = [p for p in parts if p["kind"] in ("inlineData", "fileData")]
    assert [p["bytes"] for p in images] == [len(png_bytes((10, 120, 200))), len(png_bytes((200, 40, 40)))]
    assert parts[-1]["kind"] == "text"

    # The chat: an ordinary session of kind identity, with the prompt as its first message.
    session = ok(user.rest("GET", f"/api/chat/sessions/{body['session_id']}"))
    assert session["session"]["kind"] == "identity" and session["session"]["title"] == "The Artist"
    prompt = session["turns"][0]["text"]
    assert "The Artist" in prompt and "hair: curly red" in prompt and "smiling" in prompt
    assert [a["sourcePath"] for a in session["turns"][0]["attachments"]] == [
        first["storage_path"], second["storage_path"]]
    assert session["turns"][1]["id"] == body["turn_id"]
    pointer = firestore_db.document(f"users/{user.uid}").get().to_dict()["identityChat"]
    assert pointer["sessionId"] == body["session_id"] and pointer["identityId"] == identity_id
    assert len(pointer["referencesHash"]) == 64


def test_start_chat_replaces_an_existing_one_and_keeps_the_old_session(
    user: ApiClient, identity_id: str, admin: ApiClient
) -> None:
    add_reference(user)
    other = make_identity(admin, name="The Pilot", default_image_size="1K", default_aspect_ratio="1:1")
    old = ok(user.rest("POST", START, json={"identity_id": identity_id}))
    new = ok(user.rest("POST", START.rstrip("/"), json={"identity_id": other}))
    assert new["session_id"] != old["session_id"] and new["identity_name"] == "The Pilot"
    status = ok(user.rest("GET", STATUS))
    assert status == {"has_active_session": True, "session_identity_id": other, "references_changed": False,
                      "session_id": new["session_id"]}
    kept = ok(user.rest("GET", f"/api/chat/sessions/{new['session_id']}"))["session"]
    assert kept["model"] == "gemini-2.5-flash-image" and kept["imageSize"] == "1K"
    assert user.rest("GET", f"/api/chat/sessions/{old['session_id']}").status_code == 200  # kept as history
    # The next continue edits the new chat.
    edited = ok(user.rest("POST", CONTINUE, json={"edit_prompt": "add a border"}))
    assert edited["session_id"] == new["session_id"] and edited["identity_id"] == other


def test_start_chat_missing_identity_user_and_references(
    user: ApiClient, admin: ApiClient, identity_id: str
) -> None:
    add_reference(user)
    refused(user.rest("POST", START, json={"identity_id": "nope"}), 404, "Identity nope not found")
    refused(admin.rest("POST", ADMIN_START, json={"identity_id": identity_id, "user_id": "nobody123"}),
            404, "User nobody123 not found")
    refused(admin.rest("POST", ADMIN_START, json={"identity_id": identity_id, "user_id": admin.uid}),
            400, no_references(admin.uid))
    body = refused(user.rest("POST", START, json={}), 400, "This field is required.")
    assert body["identity_id"] == ["This field is required."]
    assert body["error"]["status"] == "INVALID_ARGUMENT"


def test_start_chat_requires_auth_and_admin_endpoints_require_admin(
    anon: ApiClient, user: ApiClient, identity_id: str
) -> None:
    for path in (START, CONTINUE, ADMIN_START, ADMIN_CONTINUE, GENERATE, EDIT, ADMIN_GENERATE, ADMIN_EDIT):
        response = anon.rest("POST", path, json={"identity_id": identity_id, "edit_prompt": "x"})
        assert response.status_code == 401, path
        assert response.json()["error"]["status"] == "UNAUTHENTICATED" and response.json()["detail"]
    assert anon.rest("GET", STATUS).status_code == 401
    for path in (ADMIN_START, ADMIN_CONTINUE, ADMIN_GENERATE, ADMIN_EDIT, "/api/v1/admin/identities/"):
        refused(user.rest("POST", path, json={"identity_id": identity_id, "user_id": user.uid, "edit_prompt": "x"}),
                403, "You do not have permission to perform this action.")
    refused(user.rest("DELETE", f"/api/v1/admin/identities/{identity_id}/"), 403,
            "You do not have permission to perform this action.")


def test_admin_starts_and_continues_a_users_chat(admin: ApiClient, user: ApiClient, identity_id: str) -> None:
    add_reference(admin, user_id=user.uid)  # an admin adds a reference for the user
    assert [r["storage_path"].split("/")[1] for r in ok(user.rest("GET", "/api/v1/reference-images/"))] == [user.uid]
    started = ok(admin.rest("POST", ADMIN_START, json={"identity_id": identity_id, "user_id": user.uid}))
    assert started["image_url"].count(user.uid) == 1  # the output is under the user's prefix
    edited = ok(admin.rest("POST", ADMIN_CONTINUE, json={"user_id": user.uid, "edit_prompt": "make it warmer"}))
    assert edited["session_id"] == started["session_id"]
    assert ok(user.rest("GET", STATUS))["session_id"] == started["session_id"]


# ---------------------------------------------------------------- seed 001: continue


def test_continue_chat_success_and_history_grows(user: ApiClient, identity_id: str, gemini: GeminiControl) -> None:
    add_reference(user)
    started = ok(user.rest("POST", START, json={"identity_id": identity_id}))
    first_chain = provenance_of({"publicUrl": started["image_url"]})
    edited = ok(user.rest("POST", CONTINUE, json={"edit_prompt": "make it warmer"}))
    assert edited["identity_id"] == identity_id and edited["identity_name"] == "The Artist"
    assert edited["session_id"] == started["session_id"] and edited["turn_id"] != started["turn_id"]
    image_of(edited)
    chain = provenance_of({"publicUrl": edited["image_url"]})
    assert chain[: len(first_chain)] == first_chain and chain[-1] == "warmer"  # the same chat's image, edited
    assert model_calls(gemini.requests())[-1]["contentCount"] > 1  # with its history
    again = ok(user.rest("POST", CONTINUE, json={"edit_prompt": "now grayscale"}))
    assert provenance_of({"publicUrl": again["image_url"]})[: len(chain)] == chain
    turns = ok(user.rest("GET", f"/api/chat/sessions/{started['session_id']}"))["turns"]
    assert [t["text"] for t in turns[2::2]] == ["make it warmer", "now grayscale"] and len(turns) == 6


def test_continue_chat_errors(user: ApiClient, admin: ApiClient, anon: ApiClient, identity_id: str) -> None:
    refused(user.rest("POST", CONTINUE, json={"edit_prompt": "make it warmer"}), 400, NO_SESSION)
    for body in ({"edit_prompt": "   "}, {}):
        answer = refused(user.rest("POST", CONTINUE, json=body), 400, "Edit prompt is required.")
        assert answer["edit_prompt"] == ["Edit prompt is required."]
    refused(admin.rest("POST", ADMIN_CONTINUE, json={"user_id": "nobody123", "edit_prompt": "x"}),
            404, "User nobody123 not found")
    answer = refused(admin.rest("POST", ADMIN_CONTINUE, json={"edit_prompt": "x"}), 400, "This field is required.")
    assert answer["user_id"] == ["This field is required."]
    assert anon.rest("POST", CONTINUE, json={"edit_prompt": "x"}).status_code == 401


# ---------------------------------------------------------------- seed 002


def test_generate_edit_and_status(admin: ApiClient, user: ApiClient, identity_id: str, gemini: GeminiControl) -> None:
    status_path = f"/api/v1/admin/identities/image-session/?user_id={user.uid}"
    assert ok(admin.rest("GET", status_path)) == {
        "has_active_session": False, "session_identity_id": None, "references_changed": False, "session_id": None}
    refused(admin.rest("POST", ADMIN_GENERATE, json={"user_id": user.uid, "identity_id": identity_id}),
            400, no_references(user.uid))
    add_reference(user)
    generated = ok(admin.rest("POST", ADMIN_GENERATE, json={"user_id": user.uid, "identity_id": identity_id}))
    assert generated["has_active_session"] is True and generated["session_identity_id"] == identity_id
    edited = ok(admin.rest("POST", ADMIN_EDIT, json={"user_id": user.uid, "edit_prompt": "add a blur",
                                                     "identity_id": identity_id}))
    assert edited["session_id"] == generated["session_id"]
    assert provenance_of({"publicUrl": edited["image_url"]})[-1] == "blur"
    # Seed 002's edit is stateless: the reference photo, the current image and the text, no history.
    call = model_calls(gemini.requests())[-1]
    assert [c["role"] for c in call["contents"]] == ["user"]
    assert [p["kind"] for p in call["contents"][0]["parts"]] == ["fileData", "fileData", "text"]
    refused(admin.rest("POST", ADMIN_EDIT, json={"user_id": user.uid, "edit_prompt": "x", "identity_id": "other"}),
            400, "Current session is for a different identity. Generate a new image to start editing.")
    own = ok(user.rest("POST", EDIT, json={"edit_prompt": "now sepia"}))
    assert own["session_id"] == generated["session_id"]

    # References changed: status says so; an edit still works on the old chat and says so too.
    add_reference(user, (0, 200, 0))
    assert ok(user.rest("GET", STATUS))["references_changed"] is True
    later = ok(user.rest("POST", EDIT, json={"edit_prompt": "make it cooler"}))
    assert later["references_changed"] is True and "reference images changed" in later["notice"]
    # A new generate uses the new references and clears it.
    ok(user.rest("POST", GENERATE, json={"identity_id": identity_id}))
    assert ok(user.rest("GET", STATUS.rstrip("/")))["references_changed"] is False


def test_generate_and_edit_errors(user: ApiClient, identity_id: str, gemini: GeminiControl) -> None:
    refused(user.rest("POST", EDIT, json={"edit_prompt": "x"}), 400, NO_SESSION)
    add_reference(user)
    gemini.faults({"on": "generateContent", "status": 503, "times": 10})
    refused(user.rest("POST", GENERATE, json={"identity_id": identity_id}), 500, FAILED)
    assert ok(user.rest("GET", STATUS))["has_active_session"] is False  # a failed start is not a chat
    assert ok(user.rest("GET", "/api/chat/sessions"))["sessions"] == []  # and leaves no session
    gemini.reset()
    ok(user.rest("POST", GENERATE, json={"identity_id": identity_id}))
    refused(user.rest("POST", EDIT, json={"edit_prompt": ""}), 400, "Edit prompt is required.")
    gemini.faults({"on": "generateContent", "status": 503, "times": 10})
    refused(user.rest("POST", EDIT, json={"edit_prompt": "make it warmer"}), 500, FAILED)
    gemini.reset()
    refused(user.rest("POST", EDIT, json={"edit_prompt": "make it scary [[blocked]]"}), 500, FAILED)
    ok(user.rest("POST", EDIT, json={"edit_prompt": "make it warmer"}))  # the chat stays usable


# ---------------------------------------------------------------- catalog, references, me


def test_identity_catalog_crud(admin: ApiClient, user: ApiClient) -> None:
    created = ok(admin.rest("POST", "/api/v1/admin/identities", json={"name": "The Chef", "prompt": "in a kitchen"}))
    assert created["default_aspect_ratio"] == "16:9" and created["default_image_size"] == "4K"
    listed = ok(user.rest("GET", "/api/v1/identities/"))
    assert [i["name"] for i in listed] == ["The Chef"]
    assert ok(user.rest("GET", f"/api/v1/identities/{created['id']}/"))["prompt"] == "in a kitchen"
    updated = ok(admin.rest("PATCH", f"/api/v1/admin/identities/{created['id']}/", json={"description": "Cooks"}))
    assert updated["description"] == "Cooks" and updated["name"] == "The Chef"
    body = refused(admin.rest("POST", "/api/v1/admin/identities/", json={"name": ""}), 400,
                   "String should have at least 1 character.")
    assert "name" in body
    assert admin.rest("DELETE", f"/api/v1/admin/identities/{created['id']}/").status_code == 204
    refused(user.rest("GET", f"/api/v1/identities/{created['id']}"), 404, f"Identity {created['id']} not found")


def test_reference_images_and_appearance(user: ApiClient, other_user: ApiClient) -> None:
    ref = add_reference(user)
    assert ref["storage_path"].startswith(f"reference-images/{user.uid}/") and ref["mime_type"] == "image/png"
    assert fetch(ref["image_url"]) == png_bytes((10, 120, 200))
    bad = user.rest("POST", "/api/v1/reference-images/", files={"file": ("x.png", b"not an image", "image/png")})
    assert bad.status_code == 400 and "not an image" in bad.json()["detail"]
    assert ok(other_user.rest("GET", "/api/v1/reference-images/")) == []
    assert other_user.rest("DELETE", f"/api/v1/reference-images/{ref['id']}/").status_code == 404
    refused(other_user.rest("GET", f"/api/v1/reference-images/?user_id={user.uid}"), 403,
            "You do not have permission to perform this action.")
    assert user.rest("DELETE", f"/api/v1/reference-images/{ref['id']}/").status_code == 204
    assert ok(user.rest("GET", "/api/v1/reference-images")) == []

    me = ok(user.rest("GET", "/api/v1/me/"))
    assert me == {"user_id": user.uid, "appearance": {}, "has_active_session": False, "session_identity_id": None}
    ok(user.rest("PATCH", "/api/v1/me", json={"appearance": {"hair": "short", "build": "tall"}}))
    assert ok(user.rest("PATCH", "/api/v1/me/", json={"appearance": {"hair": "long"}}))["appearance"] == {
        "hair": "long"}


# ---------------------------------------------------------------- callables


def test_callables_start_continue_status_and_errors(user: ApiClient, admin: ApiClient, anon: ApiClient) -> None:
    identity_id = admin.call_result("createIdentity", {"name": "The Diver"})["id"]
    assert [i["id"] for i in user.call_result("listIdentities", {})] == [identity_id]
    assert user.call_result("getIdentity", {"identity_id": identity_id})["name"] == "The Diver"

    def error(response: Any) -> dict[str, Any]:
        assert response.status_code != 200, response.text
        failure: dict[str, Any] = response.json()["error"]
        return failure

    no_refs = error(user.call("startIdentityChat", {"identity_id": identity_id}))
    assert (no_refs["status"], no_refs["message"]) == ("INVALID_ARGUMENT", no_references(user.uid))
    ref = user.call_result("uploadReferenceImage", {"image_base64": base64.b64encode(png_bytes()).decode()})
    assert [r["id"] for r in user.call_result("listReferenceImages", {})] == [ref["id"]]
    assert error(user.call("startIdentityChat", {"identity_id": "nope"}))["message"] == "Identity nope not found"
    missing = error(admin.call("startIdentityChat", {"identity_id": identity_id, "user_id": "nobody123"}))
    assert (missing["status"], missing["message"]) == ("NOT_FOUND", "User nobody123 not found")
    assert error(user.call("continueIdentityChat", {"edit_prompt": "x"}))["message"] == NO_SESSION
    empty = error(user.call("continueIdentityChat", {"edit_prompt": ""}))
    assert empty["message"] == "Edit prompt is required."
    assert empty["details"] == {"edit_prompt": ["Edit prompt is required."]}
    assert error(anon.call("startIdentityChat", {"identity_id": identity_id}))["status"] == "UNAUTHENTICATED"
    denied = error(user.call("startIdentityChat", {"identity_id": identity_id, "user_id": admin.uid}))
    assert denied["status"] == "PERMISSION_DENIED"
    assert error(user.call("createIdentity", {"name": "x"}))["status"] == "PERMISSION_DENIED"

    started = user.call_result("startIdentityChat", {"identity_id": identity_id})
    assert started["identity_name"] == "The Diver" and image_of(started)
    edited = user.call_result("continueIdentityChat", {"edit_prompt": "make it warmer"})
    assert edited["session_id"] == started["session_id"]
    assert provenance_of({"publicUrl": edited["image_url"]})[-1] == "warmer"
    assert user.call_result("identityChatStatus", {}) == {
        "has_active_session": True, "session_identity_id": identity_id, "references_changed": False,
        "session_id": started["session_id"]}
    # Admins act for a user.
    assert admin.call_result("identityChatStatus", {"user_id": user.uid})["session_id"] == started["session_id"]
    other = error(user.call("editIdentityImage", {"edit_prompt": "x", "identity_id": "other"}))
    assert other["message"] == "Current session is for a different identity. Generate a new image to start editing."
    user.call_result("updateMe", {"appearance": {"hair": "blond"}})
    assert user.call_result("getMe", {})["session_identity_id"] == identity_id
    assert user.call_result("deleteReferenceImage", {"reference_image_id": ref["id"]}) == {}
    assert user.call_result("identityChatStatus", {})["references_changed"] is True
    # Deleting the chat's session ends the chat.
    assert user.rest("DELETE", f"/api/chat/sessions/{started['session_id']}").status_code == 204
    assert user.call_result("identityChatStatus", {})["has_active_session"] is False
    assert user.call_result("getMe", {})["has_active_session"] is False
    assert error(user.call("continueIdentityChat", {"edit_prompt": "x"}))["message"] == NO_SESSION
