"""The Files API cache: each distinct image is uploaded once, and again only after expiry."""

from __future__ import annotations

from google.cloud import firestore

from tests.integration.helpers import model_calls, new_session, png_bytes, send, upload, uploads_in
from tests.support.clients import ApiClient, GeminiControl


def test_each_distinct_image_is_uploaded_once(
    user: ApiClient, gemini: GeminiControl, firestore_db: firestore.Client
) -> None:
    photo = upload(user, png_bytes((30, 160, 90)))
    session_id = new_session(user)
    send(user, session_id, "make it warmer", refUrls=[photo["publicUrl"]])
    send(user, session_id, "now blur it")
    send(user, session_id, "and sharpen")
    # Distinct images so far: the photo and the outputs of turns 1 and 2 (turn 3's output is not
    # sent back yet). Each went up once, however many turns replayed it.
    log = gemini.requests()
    assert len(uploads_in(log)) == 3
    calls = model_calls(log)
    assert len(calls) == 3
    file_uris = [p["fileUri"] for c in calls for content in c["contents"] for p in content["parts"]
                 if p["kind"] == "fileData"]
    assert len(file_uris) == 1 + 2 + 3  # photo; photo + out1; photo + out1 + out2
    assert len(set(file_uris)) == 3
    assert all(p["kind"] != "inlineData" for c in calls for content in c["contents"] for p in content["parts"])

    # Another session with the same bytes reuses the cached file.
    other = new_session(user)
    send(user, other, "make it cooler", refUrls=[upload(user, png_bytes((30, 160, 90)))["publicUrl"]])
    assert len(uploads_in(gemini.requests())) == 3
    assert len(list(firestore_db.collection("geminiFiles").stream())) == 3


def test_expired_files_are_uploaded_again_transparently(
    transport: str, user: ApiClient, gemini: GeminiControl
) -> None:
    session_id = new_session(user)
    send(user, session_id, "make it warmer", refUrls=[upload(user)["publicUrl"]])
    send(user, session_id, "now grayscale")
    before = len(uploads_in(gemini.requests()))
    assert before == 2

    gemini.expire_files()
    turn = send(user, session_id, "add a border")
    assert turn["status"] == "complete"

    log = gemini.requests()
    calls = model_calls(log)
    assert [c["status"] for c in calls[-2:]] == [403, 200]
    # Turn 3 uploaded its new image (turn 2's output); after the 403 the two cached ones went up
    # again, once each.
    assert len(uploads_in(log)) == before + 1 + 2
