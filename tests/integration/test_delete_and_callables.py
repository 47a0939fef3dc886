"""Deleting a session removes its turns and its Storage objects; the mobile callables for
messages and uploads give the same results as REST."""

from __future__ import annotations

import base64

from google.cloud import firestore, storage

from tests.integration.helpers import fetch, new_session, png_bytes, provenance_of, send, upload
from tests.support.clients import ApiClient


def test_delete_leaves_no_turns_and_no_objects(
    user: ApiClient, firestore_db: firestore.Client, bucket: storage.Bucket
) -> None:
    session_id = new_session(user)
    keep = new_session(user)
    send(user, session_id, "make it warmer", refUrls=[upload(user)["publicUrl"]], requestId="r-1")
    send(user, session_id, "now blur")
    send(user, keep, "Draw a kept image")
    prefix = f"chat-images/{user.uid}/{session_id}/"
    assert len(list(bucket.list_blobs(prefix=prefix))) == 5  # 1 input copy + 2 outputs + 2 thumbnails

    assert user.rest("DELETE", f"/api/chat/sessions/{session_id}").status_code == 204

    session_ref = firestore_db.collection("users").document(user.uid).collection("chatSessions").document(session_id)
    assert not session_ref.get().exists
    assert list(session_ref.collection("turns").stream()) == []
    assert list(session_ref.collection("requests").stream()) == []
    assert list(bucket.list_blobs(prefix=prefix)) == []
    # Other sessions are untouched.
    assert len(list(bucket.list_blobs(prefix=f"chat-images/{user.uid}/{keep}/"))) == 2
    assert user.rest("GET", f"/api/chat/sessions/{keep}").status_code == 200


def test_upload_and_send_through_callables(user: ApiClient) -> None:
    image = png_bytes((250, 200, 0))
    uploaded = user.call_result("uploadTempImage", {"data": base64.b64encode(image).decode(), "mimeType": "image/png"})
    assert uploaded["storagePath"].startswith(f"uploads/{user.uid}/")
    assert fetch(uploaded["publicUrl"]) == image

    session_id = user.call_result("createSession", {"title": "Mobile"})["id"]
    result = user.call_result("sendMessage", {"sessionId": session_id, "text": "make it cooler",
                                              "refUrls": [uploaded["storagePath"]]})
    turn = result["turn"]
    assert turn["role"] == "model" and turn["status"] == "complete"
    assert set(turn["images"][0]) >= {"storagePath", "publicUrl", "mimeType", "width", "height"}
    assert turn["usage"]["totalTokens"] > 0
    assert provenance_of(turn["images"][0])[0].startswith("input:")

    follow_up = user.call_result("sendMessage", {"sessionId": session_id, "text": "and grayscale"})["turn"]
    assert provenance_of(follow_up["images"][0])[: 2] == provenance_of(turn["images"][0])[: 2]


def test_callable_errors_use_the_callable_codes(user: ApiClient) -> None:
    bad = user.call("uploadTempImage", {"data": base64.b64encode(b"not an image").decode()})
    assert bad.status_code == 400 and bad.json()["error"]["status"] == "INVALID_ARGUMENT"
    missing_id = user.call("sendMessage", {"text": "hello"})
    assert missing_id.status_code == 400 and "sessionId" in missing_id.json()["error"]["message"]
    empty = user.call("sendMessage", {"sessionId": new_session(user), "text": ""})
    assert empty.json()["error"] == {"status": "INVALID_ARGUMENT", "message": "Edit prompt is required."}
