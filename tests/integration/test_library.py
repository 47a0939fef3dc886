"""The image library (issue 10): save (file, an output, an upload), list with paging, get, rename,
delete, over REST and callables; use by `imageIds` and `library://` in the order given, through the
Files API cache; another user's ids are 404; a session keeps its own copy."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from google.cloud import firestore, storage

from tests.integration.helpers import fetch, model_calls, new_session, png_bytes, send, upload, uploads_in
from tests.support.clients import ApiClient, GeminiControl


def save_file(client: ApiClient, data: bytes, name: str | None = None) -> dict[str, Any]:
    form = {"name": name} if name else None
    response = client.rest("POST", "/api/library", files={"file": ("pic.png", data, "image/png")}, data=form)
    assert response.status_code == 200, response.text
    image: dict[str, Any] = response.json()["image"]
    return image


def last_message_shas(gemini: GeminiControl, db: firestore.Client) -> list[str]:
    """The SHA-256 of each image of the newest model call's last (new) message, in order."""
    by_uri = {snap.get("uri"): snap.id for snap in db.collection("geminiFiles").stream()}
    parts = model_calls(gemini.requests())[-1]["contents"][-1]["parts"]
    return [by_uri[p["fileUri"]] for p in parts if p["kind"] == "fileData"]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_save_list_page_get_rename_delete(user: ApiClient, bucket: storage.Bucket) -> None:
    red, green = png_bytes((200, 0, 0)), png_bytes((0, 200, 0), (80, 60))
    first = save_file(user, red, name="Red")
    assert first["name"] == "Red" and first["width"] == 64 and first["height"] == 48
    assert first["sha256"] == sha(red) and first["size"] == len(red) and first["mimeType"] == "image/png"
    assert first["storagePath"].startswith(f"library/{user.uid}/") and fetch(first["publicUrl"]) == red
    assert first["thumbnail"]["publicUrl"] and first["createdAt"]

    # An output and an upload are saved without sending their bytes again.
    session_id = new_session(user)
    output = send(user, session_id, "Draw a fox")["images"][0]
    from_output = user.rest("POST", "/api/library", json={"fromUrl": output["publicUrl"], "name": "Fox"}).json()
    assert from_output["image"]["sha256"] == sha(fetch(output["publicUrl"]))
    uploaded = upload(user, green)
    from_upload = user.rest("POST", "/api/library", json={"storagePath": uploaded["storagePath"]}).json()["image"]
    assert from_upload["sha256"] == sha(green) and from_upload["name"].endswith(".png")

    # Newest first, paged.
    page = user.rest("GET", "/api/library?limit=2").json()
    assert [i["id"] for i in page["images"]] == [from_upload["id"], from_output["image"]["id"]]
    rest = user.rest("GET", f"/api/library?limit=2&cursor={page['nextCursor']}").json()
    assert [i["id"] for i in rest["images"]] == [first["id"]] and rest["nextCursor"] is None

    renamed = user.rest("PATCH", f"/api/library/{first['id']}", json={"name": "Crimson"}).json()["image"]
    assert renamed["name"] == "Crimson"
    assert user.rest("GET", f"/api/library/{first['id']}").json()["image"]["name"] == "Crimson"
    blank = user.rest("PATCH", f"/api/library/{first['id']}", json={"name": ""})
    assert blank.status_code == 400 and "name" in blank.json()["error"]["message"]

    assert user.rest("DELETE", f"/api/library/{first['id']}").status_code == 204
    assert user.rest("GET", f"/api/library/{first['id']}").status_code == 404
    assert list(bucket.list_blobs(prefix=first["storagePath"].rsplit(".", 1)[0] + ".")) == []


def test_saving_is_validated_like_uploads(user: ApiClient, other_user: ApiClient) -> None:
    not_image = user.rest("POST", "/api/library", files={"file": ("x.png", b"hello", "image/png")})
    assert not_image.status_code == 400 and "not an image" in not_image.json()["error"]["message"]
    nothing = user.rest("POST", "/api/library", json={})
    assert nothing.status_code == 400 and "fromUrl" in nothing.json()["error"]["message"]
    foreign = upload(other_user)
    refused = user.rest("POST", "/api/library", json={"storagePath": foreign["storagePath"]})
    assert refused.status_code == 400 and "storagePath" in refused.json()["error"]["message"]
    elsewhere = user.rest("POST", "/api/library", json={"fromUrl": "https://example.com/a.png"})
    assert elsewhere.status_code == 400 and "fromUrl" in elsewhere.json()["error"]["message"]


def test_messages_use_library_images_in_order_through_the_files_cache(
    user: ApiClient, gemini: GeminiControl, firestore_db: firestore.Client
) -> None:
    a, b, c = png_bytes((10, 20, 30)), png_bytes((40, 50, 60)), png_bytes((70, 80, 90))
    lib_a, lib_b = save_file(user, a), save_file(user, b)
    photo = upload(user, c)
    session_id = new_session(user)
    send(user, session_id, "combine them",
         imageIds=[lib_b["id"]], refUrls=[photo["publicUrl"], f"library://{lib_a['id']}"])
    # Library picks first, then refUrls in their order.
    assert last_message_shas(gemini, firestore_db) == [sha(b), sha(c), sha(a)]
    turns = user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"]
    attachments = turns[0]["attachments"]
    assert [(x["source"], x["libraryId"]) for x in attachments] == [
        ("library", lib_b["id"]), ("upload", None), ("library", lib_a["id"])]
    assert all(x["storagePath"].startswith(f"chat-images/{user.uid}/{session_id}/inputs/") for x in attachments)

    # The same library image twice (and again in another session) goes up to the Files API once.
    other = new_session(user)
    send(user, other, "again", imageIds=[lib_a["id"]], refUrls=[f"library://{lib_a['id']}"])
    assert last_message_shas(gemini, firestore_db) == [sha(a), sha(a)]
    assert len(uploads_in(gemini.requests())) == 3  # a, b and c, once each


def test_another_users_library_is_not_found(user: ApiClient, other_user: ApiClient) -> None:
    mine = save_file(user, png_bytes())
    session_id = new_session(other_user)
    for body in ({"text": "x", "imageIds": [mine["id"]]}, {"text": "x", "refUrls": [f"library://{mine['id']}"]}):
        response = other_user.rest("POST", f"/api/chat/sessions/{session_id}/message", json=body)
        assert response.status_code == 404, response.text
        assert mine["id"] in response.json()["error"]["message"]
    for method in ("GET", "DELETE"):
        assert other_user.rest(method, f"/api/library/{mine['id']}").status_code == 404
    assert other_user.rest("PATCH", f"/api/library/{mine['id']}", json={"name": "x"}).status_code == 404
    assert other_user.call("getLibraryImage", {"imageId": mine["id"]}).json()["error"]["status"] == "NOT_FOUND"
    assert other_user.rest("GET", "/api/library").json()["images"] == []


def test_deleting_a_library_image_after_use_keeps_the_session_working(user: ApiClient) -> None:
    image = save_file(user, png_bytes((90, 30, 200)))
    session_id = new_session(user)
    send(user, session_id, "make it warmer", imageIds=[image["id"]])
    assert user.rest("DELETE", f"/api/library/{image['id']}").status_code == 204
    # History replays the session's own copy.
    assert send(user, session_id, "now blur it")["status"] == "complete"
    turns = user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"]
    assert fetch(turns[0]["attachments"][0]["url"])
    gone = user.rest("POST", f"/api/chat/sessions/{session_id}/message", json={"text": "x", "imageIds": [image["id"]]})
    assert gone.status_code == 404


def test_library_callables(user: ApiClient) -> None:
    data = png_bytes((1, 2, 3))
    saved = user.call_result("saveToLibrary", {"data": base64.b64encode(data).decode(), "name": "Mine"})["image"]
    assert saved["name"] == "Mine" and saved["sha256"] == sha(data)
    session_id = new_session(user)
    output = send(user, session_id, "Draw a fox")["images"][0]
    from_output = user.call_result("saveToLibrary", {"fromUrl": output["publicUrl"]})["image"]
    listed = user.call_result("listLibrary", {"limit": 1})
    assert [i["id"] for i in listed["images"]] == [from_output["id"]] and listed["nextCursor"]
    assert user.call_result("getLibraryImage", {"imageId": saved["id"]})["image"]["id"] == saved["id"]
    renamed = user.call_result("renameLibraryImage", {"imageId": saved["id"], "name": "Renamed"})
    assert renamed["image"]["name"] == "Renamed"
    assert user.call_result("deleteLibraryImage", {"imageId": saved["id"]}) == {"id": saved["id"], "deleted": True}
    assert user.call("getLibraryImage", {"imageId": saved["id"]}).json()["error"]["status"] == "NOT_FOUND"
    assert user.call("getLibraryImage", {}).json()["error"]["status"] == "INVALID_ARGUMENT"
