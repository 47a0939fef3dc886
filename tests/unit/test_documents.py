"""The typed documents: what they store, that they read back, that older documents still read,
and that the API views are made from them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud import firestore

from imagechat import views
from imagechat.schemas import dump
from imagechat.store.documents import (
    Attachment,
    CachedFile,
    ContentPart,
    Lease,
    OutputImage,
    RequestRecord,
    Session,
    StoredError,
    Thumbnail,
    Turn,
    Usage,
)

NOW = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
IMAGE = OutputImage(
    storage_path="chat-images/u/s/m-0.png", public_url="https://x/m-0.png", mime_type="image/png",
    width=1024, height=768, sha256="ab" * 32,
    thumbnail=Thumbnail(storage_path="chat-images/u/s/m-0.thumb.webp", public_url="https://x/t", width=256, height=192),
)
ATTACHMENT = Attachment(
    source="upload", source_path="uploads/u/a.png", storage_path="chat-images/u/s/inputs/t-0.png",
    url="https://x/t-0.png", mime_type="image/png", sha256="cd" * 32, width=64, height=48,
)
SESSION = Session(
    id="s1", title="Beach", aspect_ratio="16:9", image_size="1K", model="gemini-2.5-flash-image",
    system_prompt="Be subtle.", created_at=NOW, last_active=NOW, turn_count=2, next_index=2, last_image=IMAGE,
    usage=Usage(prompt_tokens=1, output_tokens=2, total_tokens=3),
    lease=Lease(id="l1", user_turn_id="t1", request_id=None, expires_at=NOW + timedelta(minutes=6)),
    head_turn_id="t2",
)
USER_TURN = Turn(
    id="t1", role="user", index=0, status="failed", text="warmer", created_at=NOW, attachments=(ATTACHMENT,),
    request_id="req-1", error=StoredError(code="UNAVAILABLE", message="Try again."),
)
MODEL_TURN = Turn(
    id="t2", role="model", index=1, status="complete", text="Here", created_at=NOW, images=(IMAGE,),
    content=(ContentPart(part={"text": "Here", "thought_signature": "c2ln"}), ContentPart(part={}, image=0)),
    finish_reason="STOP", usage=Usage(prompt_tokens=10, output_tokens=1290, total_tokens=1300),
)
RECORD = RequestRecord(state="complete", user_turn_id="t1", model_turn_id="t2", payload_hash="h", created_at=NOW,
                       response={"turn": {"id": "t2"}})
CACHED = CachedFile(sha256="ab" * 32, name="files/abc", uri="https://g/files/abc", mime_type="image/png",
                    expires_at=NOW + timedelta(hours=48), uploaded_at=NOW)


@pytest.mark.parametrize(("document", "doc_id"), [
    (SESSION, "s1"), (USER_TURN, "t1"), (MODEL_TURN, "t2"), (RECORD, ""), (CACHED, "ab" * 32),
    (SESSION.model_copy(update={"lease": None, "last_image": None}), "s1"),
])
def test_every_document_round_trips(document: Any, doc_id: str) -> None:
    assert type(document).from_firestore(document.to_firestore(), doc_id) == document


def test_documents_store_the_names_clients_read() -> None:
    # The web app reads sessions and turns with onSnapshot: these are its field names.
    assert set(SESSION.to_firestore()) == {
        "title", "aspectRatio", "imageSize", "model", "systemPrompt", "createdAt", "lastActive", "turnCount",
        "nextIndex", "lastImage", "usage", "lease", "headTurnId", "kind", "regionContext",
    }
    assert SESSION.to_firestore()["lease"] == {"id": "l1", "userTurnId": "t1", "modelTurnId": None,
                                               "candidateTurnIds": None, "requestId": None,
                                               "expiresAt": NOW + timedelta(minutes=6)}
    assert set(USER_TURN.to_firestore()) == {
        "role", "index", "status", "text", "createdAt", "attachments", "requestId", "error", "parentId", "lineage",
        "aspectRatio", "imageOnly"}
    assert set(MODEL_TURN.to_firestore()) == {
        "role", "index", "status", "text", "createdAt", "images", "content", "finishReason", "usage", "parentId",
        "lineage"}
    assert MODEL_TURN.to_firestore()["images"][0]["thumbnail"] == {
        "storagePath": "chat-images/u/s/m-0.thumb.webp", "publicUrl": "https://x/t", "width": 256, "height": 192}
    assert USER_TURN.to_firestore()["attachments"][0]["sourcePath"] == "uploads/u/a.png"
    assert MODEL_TURN.to_firestore()["content"][0] == {"part": {"text": "Here", "thought_signature": "c2ln"},
                                                       "image": None}
    # Ids are the documents' names, not fields; absent-until-written fields are absent, not null.
    assert "id" not in SESSION.to_firestore() and "sha256" not in CACHED.to_firestore()
    assert "lease" not in SESSION.model_copy(update={"lease": None}).to_firestore()
    running = RequestRecord(state="running", user_turn_id="t1", model_turn_id="t2", payload_hash="h", created_at=NOW)
    assert running.to_firestore() == {"state": "running", "userTurnId": "t1", "modelTurnId": "t2",
                                      "payloadHash": "h", "createdAt": NOW}


def test_older_documents_missing_optional_fields_still_read() -> None:
    session = Session.from_firestore(
        {"title": "Old", "aspectRatio": "1:1", "imageSize": "1K", "model": "gemini-2.5-flash-image"}, "s0")
    assert (session.id, session.turn_count, session.next_index, session.lease, session.last_image) == (
        "s0", 0, 0, None, None)
    assert session.usage == Usage() and session.system_prompt == ""
    # A turn written before content was stored, a crashed run's turn, a lease without its owner.
    turn = Turn.from_firestore({"role": "model", "index": 1, "status": "complete", "text": "done"}, "m")
    assert turn.content == () and turn.images == () and turn.usage is None and turn.created_at is None
    stuck = Turn.from_firestore(
        {"role": "user", "index": 0, "text": "fox", "status": "pending", "attachments": []}, "u")
    assert stuck.request_id is None and stuck.error is None
    lease = Lease.from_firestore({"id": "x", "expiresAt": NOW})
    assert lease.user_turn_id is None and lease.is_live(NOW - timedelta(seconds=1)) and not lease.is_live(NOW)
    assert not Lease.from_firestore({}).is_live(NOW)
    record = RequestRecord.from_firestore({"state": "running", "userTurnId": "stuck"})
    assert record.payload_hash is None and record.model_turn_id is None and record.response is None
    assert RequestRecord.from_firestore(None).state is None
    # Unknown fields (written by a newer backend, say) are ignored.
    assert Turn.from_firestore({**turn.to_firestore(), "newerField": "p"}, "m") == turn
    # Written before the tree: no parent, no lineage, no recorded head.
    assert (turn.parent_id, turn.lineage, session.has_tree_head) == (None, (), False)
    assert ContentPart.from_firestore({"part": {"text": "x"}}).image is None


def test_partial_writes_use_the_stored_names() -> None:
    assert Turn.fields(status="failed", error=StoredError(code="UNAVAILABLE", message="m")) == {
        "status": "failed", "error": {"code": "UNAVAILABLE", "message": "m"}}
    assert Turn.fields(attachments=[ATTACHMENT])["attachments"] == [ATTACHMENT.to_firestore()]
    fields = Session.fields(next_index=4, last_active=NOW, lease=firestore.DELETE_FIELD)
    assert fields == {"nextIndex": 4, "lastActive": NOW, "lease": firestore.DELETE_FIELD}
    assert set(Session.usage_increments(Usage(prompt_tokens=1))) == {
        "usage.promptTokens", "usage.outputTokens", "usage.totalTokens", "usage.thoughtTokens", "usage.imageTokens",
        "usage.imagesIn", "usage.imagesOut", "usage.costUsd"}
    assert RequestRecord.fields(state="complete", response={"a": 1}) == {"state": "complete", "response": {"a": 1}}
    assert Session.stored_name("last_active") == "lastActive" and Turn.stored_name("index") == "index"
    with pytest.raises(KeyError):
        Session.fields(lastActive=NOW)  # a stored name is not a field name


def test_stored_errors_round_trip_to_the_error_hierarchy() -> None:
    from imagechat.errors import ErrorCode, SessionBusy

    error = StoredError.of(SessionBusy()).to_error()
    assert error.code is ErrorCode.SESSION_BUSY and error.message == SessionBusy().message
    assert StoredError().to_error().code is ErrorCode.INTERNAL  # a failed record without its error


def test_views_are_the_stored_documents() -> None:
    session = dump(views.session_view(SESSION))
    assert session["createdAt"] == "2026-01-02T03:04:05.678901Z" and session["lastImage"]["width"] == 1024
    assert "lease" not in session and "nextIndex" not in session
    assert dump(views.created_session(SESSION)) == {"id": "s1", "session": session}
    turn = dump(views.turn_view(USER_TURN))
    assert turn["attachments"][0]["sourcePath"] == "uploads/u/a.png"
    assert turn["error"] == {"code": "UNAVAILABLE", "message": "Try again."}
    reply = dump(views.sent_message(MODEL_TURN))["turn"]
    assert reply["images"][0]["thumbnail"]["width"] == 256 and reply["usage"]["outputTokens"] == 1290
    assert "content" not in reply and reply["createdAt"] == session["createdAt"]


def test_library_preset_and_pinned_documents_round_trip() -> None:
    from imagechat.store.documents import LibraryImage, Preset

    image = LibraryImage(id="i1", name="Red", mime_type="image/png", width=64, height=48, sha256="ab" * 32, size=10,
                         created_at=NOW, storage_path="library/u/i1.png", public_url="https://x/i1",
                         thumbnail=IMAGE.thumbnail)
    assert LibraryImage.from_firestore(image.to_firestore(), "i1") == image
    assert "id" not in image.to_firestore()
    preset = Preset(id="p1", name="Noir", text="Black and white.", created_at=NOW)
    assert Preset.from_firestore(preset.to_firestore(), "p1") == preset
    pinned = ATTACHMENT.model_copy(update={"source": "library", "library_id": "i1", "pinned": True})
    session = SESSION.model_copy(update={"pinned_refs": (pinned,)})
    assert session.to_firestore()["pinnedRefs"][0]["libraryId"] == "i1"
    assert Session.from_firestore(session.to_firestore(), "s1") == session
    assert "pinnedRefs" not in SESSION.to_firestore()  # absent until set
