"""The data lifecycle: sessions expire after their last activity, and the daily sweep (run here
directly, in this process, against the same emulators the functions use) deletes expired sessions
with their turns and Storage objects, skips busy ones, finishes a run cut short, drops expired
Files API cache entries and removes day-old temporary uploads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from google.cloud import firestore, storage

from devtools.stack import Stack
from imagechat import config, deps, lifecycle
from tests.integration.helpers import new_session, send, upload
from tests.support.clients import ApiClient, GeminiControl

TTL = timedelta(days=30)  # the default IMAGECHAT_SESSION_TTL_DAYS
GRACE = timedelta(days=7)


@pytest.fixture
def backend(stack: Stack) -> Iterator[deps.Deps]:
    """The backend's own composition root, built in this process on the stack's emulators."""
    config.settings.cache_clear()
    deps.deps.cache_clear()
    yield deps.deps()
    deps.deps.cache_clear()


def session_doc(db: firestore.Client, uid: str | None, session_id: str) -> firestore.DocumentReference:
    return db.document(f"users/{uid}/chatSessions/{session_id}")


def stored(db: firestore.Client, uid: str | None, session_id: str) -> dict[str, Any]:
    snap = session_doc(db, uid, session_id).get()
    assert snap.exists
    data: dict[str, Any] = snap.to_dict() or {}
    return data


def expire(db: firestore.Client, uid: str | None, session_id: str, **extra: Any) -> None:
    """Backdates a session's expiry, as if it had last been active over TTL ago."""
    session_doc(db, uid, session_id).update({"expiresAt": datetime.now(UTC) - timedelta(hours=1), **extra})


def objects(bucket: storage.Bucket, prefix: str) -> list[str]:
    return [blob.name for blob in bucket.list_blobs(prefix=prefix)]


def test_every_activity_moves_the_expiry(
    user: ApiClient, firestore_db: firestore.Client, gemini: GeminiControl
) -> None:
    session_id = new_session(user)
    created = stored(firestore_db, user.uid, session_id)
    assert created["expiresAt"] == created["lastActive"] + TTL
    assert created["purgeAt"] == created["expiresAt"] + GRACE

    send(user, session_id, "Draw a lighthouse")
    after_turn = stored(firestore_db, user.uid, session_id)
    assert after_turn["expiresAt"] > created["expiresAt"]
    assert after_turn["expiresAt"] == after_turn["lastActive"] + TTL
    assert after_turn["purgeAt"] == after_turn["expiresAt"] + GRACE

    gemini.faults({"on": "generateContent", "status": 400, "times": 1})  # a failed turn is activity too
    failed = user.rest("POST", f"/api/chat/sessions/{session_id}/message", json={"text": "now at night"})
    assert failed.status_code >= 400
    after_failure = stored(firestore_db, user.uid, session_id)
    assert after_failure["expiresAt"] > after_turn["expiresAt"]
    assert after_failure["expiresAt"] == after_failure["lastActive"] + TTL


def test_sweep_deletes_expired_sessions_and_keeps_fresh_and_busy_ones(
    user: ApiClient,
    other_user: ApiClient,
    firestore_db: firestore.Client,
    bucket: storage.Bucket,
    backend: deps.Deps,
) -> None:
    old = new_session(user, title="old")
    send(user, old, "make it warmer", refUrls=[upload(user)["publicUrl"]], requestId="r-old")
    send(user, old, "now blur")
    fresh = new_session(user, title="fresh")
    send(user, fresh, "Draw a kept image")
    busy = new_session(other_user, title="busy")
    send(other_user, busy, "Draw a busy image")
    expire(firestore_db, user.uid, old)
    live_lease = {"id": "running", "userTurnId": "t", "expiresAt": datetime.now(UTC) + timedelta(minutes=5)}
    expire(firestore_db, other_user.uid, busy, lease=live_lease)
    old_prefix = f"chat-images/{user.uid}/{old}/"
    assert len(objects(bucket, old_prefix)) == 5  # 1 input copy + 2 outputs + 2 thumbnails

    report = lifecycle.sweep(backend)

    assert (report.sessions_deleted, report.sessions_busy, report.complete) == (1, 1, True)
    assert report.documents == 1 + 4 + 1  # the session, its 4 turns, its request record
    assert report.storage_objects == 5
    assert not session_doc(firestore_db, user.uid, old).get().exists
    assert list(session_doc(firestore_db, user.uid, old).collection("turns").stream()) == []
    assert list(session_doc(firestore_db, user.uid, old).collection("requests").stream()) == []
    assert objects(bucket, old_prefix) == []
    assert user.rest("GET", f"/api/chat/sessions/{old}").status_code == 404
    # The fresh session and the busy one are whole.
    assert user.rest("GET", f"/api/chat/sessions/{fresh}").status_code == 200
    assert len(objects(bucket, f"chat-images/{user.uid}/{fresh}/")) == 2
    assert session_doc(firestore_db, other_user.uid, busy).get().exists
    assert len(objects(bucket, f"chat-images/{other_user.uid}/{busy}/")) == 2

    # Once the turn is over (its lease gone), the next run deletes the busy session too.
    session_doc(firestore_db, other_user.uid, busy).update({"lease": firestore.DELETE_FIELD})
    again = lifecycle.sweep(backend)
    assert (again.sessions_deleted, again.sessions_busy) == (1, 0)
    assert not session_doc(firestore_db, other_user.uid, busy).get().exists
    assert objects(bucket, f"chat-images/{other_user.uid}/") == []
    assert user.rest("GET", f"/api/chat/sessions/{fresh}").status_code == 200


def test_a_sweep_cut_short_is_finished_by_the_next_run(
    user: ApiClient, firestore_db: firestore.Client, bucket: storage.Bucket, backend: deps.Deps
) -> None:
    expired = [new_session(user, title=f"s{i}") for i in range(3)]
    for session_id in expired:
        send(user, session_id, "Draw something")
        expire(firestore_db, user.uid, session_id)

    first = lifecycle.sweep(backend, max_batches=1, batch_sessions=2)
    assert (first.sessions_deleted, first.complete) == (2, False)
    assert len(list(firestore_db.collection(f"users/{user.uid}/chatSessions").stream())) == 1

    second = lifecycle.sweep(backend, max_batches=1, batch_sessions=2)
    assert (second.sessions_deleted, second.complete) == (1, True)
    assert list(firestore_db.collection(f"users/{user.uid}/chatSessions").stream()) == []
    assert objects(bucket, f"chat-images/{user.uid}/") == []

    # Without the cap, one run goes through every page (here: one session per batch).
    for session_id in [new_session(user), new_session(user)]:
        expire(firestore_db, user.uid, session_id)
    paged = lifecycle.sweep(backend, batch_sessions=1)
    assert (paged.sessions_deleted, paged.complete) == (2, True)
    assert list(firestore_db.collection(f"users/{user.uid}/chatSessions").stream()) == []


def test_a_session_deleted_halfway_is_found_again(
    user: ApiClient, firestore_db: firestore.Client, bucket: storage.Bucket, backend: deps.Deps
) -> None:
    """A crash after the objects and turns went (the session document is deleted last): the next
    run finds the session again and finishes."""
    session_id = new_session(user)
    send(user, session_id, "Draw something")
    expire(firestore_db, user.uid, session_id)
    bucket.delete_blobs(list(bucket.list_blobs(prefix=f"chat-images/{user.uid}/{session_id}/")))
    for turn in session_doc(firestore_db, user.uid, session_id).collection("turns").stream():
        turn.reference.delete()

    report = lifecycle.sweep(backend)
    assert (report.sessions_deleted, report.documents, report.storage_objects) == (1, 1, 0)
    assert not session_doc(firestore_db, user.uid, session_id).get().exists


def test_sessions_from_before_the_lifecycle_are_dated_then_swept(
    user: ApiClient, firestore_db: firestore.Client, backend: deps.Deps
) -> None:
    """A session written before `expiresAt` existed cannot be found by the expiry query: the sweep
    dates those inactive for longer than the TTL from their `lastActive`, and deletes them."""
    legacy_fields = {"expiresAt": firestore.DELETE_FIELD, "purgeAt": firestore.DELETE_FIELD}
    stale, recent = new_session(user, title="stale"), new_session(user, title="recent")
    long_ago = datetime.now(UTC) - TTL - timedelta(days=1)
    session_doc(firestore_db, user.uid, stale).update({**legacy_fields, "lastActive": long_ago})
    session_doc(firestore_db, user.uid, recent).update(legacy_fields)

    report = lifecycle.sweep(backend)

    assert (report.legacy_sessions_dated, report.sessions_deleted) == (1, 1)
    assert not session_doc(firestore_db, user.uid, stale).get().exists
    assert "expiresAt" not in stored(firestore_db, user.uid, recent)  # dated at its next activity


def test_sweep_drops_expired_cache_entries_and_day_old_uploads(
    user: ApiClient, firestore_db: firestore.Client, bucket: storage.Bucket, backend: deps.Deps
) -> None:
    now = datetime.now(UTC)
    cache = firestore_db.collection("geminiFiles")
    entry = {"name": "files/x", "uri": "https://example.invalid/files/x", "mimeType": "image/png"}
    cache.document("a" * 64).set({**entry, "expiresAt": now - timedelta(minutes=1)})
    cache.document("b" * 64).set({**entry, "expiresAt": now + timedelta(hours=47)})
    photo = upload(user)["storagePath"]

    report = lifecycle.sweep(backend)
    assert (report.gemini_files_dropped, report.temp_uploads_deleted) == (1, 0)
    assert [snap.id for snap in cache.stream()] == ["b" * 64]
    assert objects(bucket, f"uploads/{user.uid}/") == [photo]

    a_day_later = lifecycle.sweep(backend, now + timedelta(hours=25))
    assert a_day_later.temp_uploads_deleted == 1
    assert objects(bucket, "uploads/") == []


def test_the_scheduled_function_is_served_and_runs_the_sweep(
    stack: Stack, user: ApiClient, firestore_db: firestore.Client
) -> None:
    """main.py declares it with scheduler_fn (a Cloud Scheduler HTTP target at its core): the
    functions host serves it like Cloud Functions would, and a run deletes what expired."""
    session_id = new_session(user)
    expire(firestore_db, user.uid, session_id)
    response = requests.post(stack.callable_url("sweepExpiredData"), timeout=60,
                             headers={"X-CloudScheduler-JobName": "test"})
    assert response.status_code == 200, response.text
    assert not session_doc(firestore_db, user.uid, session_id).get().exists
