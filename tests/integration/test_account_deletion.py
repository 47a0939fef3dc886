"""Deleting an account's data: nothing of the user is left in Firestore (under users/{uid}, at any
depth) or Storage (under any of the user's prefixes), another user's data is untouched, public
project pages answer 404, and a second deletion finds nothing (zeros). REST, admin and callable."""

from __future__ import annotations

from typing import Any

import requests
from google.cloud import firestore, storage

from devtools.stack import Stack
from tests.integration.helpers import new_session, png_bytes, send, upload
from tests.integration.test_identity_chat import START, add_reference, make_identity, ok
from tests.support.clients import FAKE_API_KEY, ApiClient

PREFIXES = ("uploads", "chat-images", "reference-images", "library", "projects")
ZEROS = {"documents": 0, "storageObjects": 0, "interactions": 0, "authUserDeleted": False}


def documents_of(db: firestore.Client, uid: str | None) -> list[str]:
    """Every document under users/{uid}, whatever its depth or collection (users/{uid} included)."""
    user = db.document(f"users/{uid}")
    below = [snap.reference.path for c in user.collections() for snap in c.recursive().stream()]
    return below + ([user.path] if user.get().exists else [])


def objects_of(bucket: storage.Bucket, uid: str | None) -> list[str]:
    return [blob.name for prefix in PREFIXES for blob in bucket.list_blobs(prefix=f"{prefix}/{uid}/")]


def populate(user: ApiClient, *, identity_id: str | None = None) -> dict[str, Any]:
    """A session with turns and images, a temp upload, a library image, a preset and a public
    project; with `identity_id`, reference photos and an identity chat too."""
    session_id = new_session(user)
    send(user, session_id, "make it warmer", refUrls=[upload(user)["publicUrl"]], requestId="r-1")
    upload(user)  # left unused
    saved = user.rest("POST", "/api/library", files={"file": ("pic.png", png_bytes((1, 2, 3)), "image/png")})
    assert saved.status_code == 200, saved.text
    assert user.rest("POST", "/api/presets", json={"name": "Noir", "text": "Black and white."}).status_code == 200
    project = user.rest("POST", f"/api/chat/sessions/{session_id}/project", json={}).json()["project"]
    published = user.rest("PATCH", f"/api/projects/{project['id']}", json={"visibility": "public"})
    assert published.status_code == 200, published.text
    if identity_id:
        add_reference(user)
        ok(user.rest("PATCH", "/api/v1/me/", json={"appearance": {"hair": "short"}}))
        ok(user.rest("POST", START, json={"identity_id": identity_id}))
    return {"public_path": f"/api/public/projects/{user.uid}/{project['slug']}"}


def test_delete_my_data_leaves_nothing_and_spares_other_users(
    user: ApiClient,
    other_user: ApiClient,
    admin: ApiClient,
    anon: ApiClient,
    firestore_db: firestore.Client,
    bucket: storage.Bucket,
) -> None:
    mine = populate(user, identity_id=make_identity(admin))
    theirs = populate(other_user)
    my_documents, my_objects = documents_of(firestore_db, user.uid), objects_of(bucket, user.uid)
    their_documents, their_objects = documents_of(firestore_db, other_user.uid), objects_of(bucket, other_user.uid)
    # What populate made: the session, its 2 turns and request record, library, preset, project and
    # slug; reference photo, profile, the identity chat with its 2 turns; Storage under all 5 prefixes.
    collections = {path.split("/")[2] for path in my_documents if path.count("/") >= 3}
    assert collections >= {"chatSessions", "library", "presets", "projects", "projectSlugs", "referenceImages"}
    assert {name.split("/")[0] for name in my_objects} == set(PREFIXES)
    assert anon.rest("GET", mine["public_path"]).status_code == 200

    deleted = user.rest("DELETE", "/api/account")

    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"documents": len(my_documents), "storageObjects": len(my_objects),
                              "interactions": 0, "authUserDeleted": False}
    assert documents_of(firestore_db, user.uid) == []
    assert objects_of(bucket, user.uid) == []
    assert anon.rest("GET", mine["public_path"]).status_code == 404
    # The other user's data is whole.
    assert documents_of(firestore_db, other_user.uid) == their_documents
    assert objects_of(bucket, other_user.uid) == their_objects
    assert anon.rest("GET", theirs["public_path"]).status_code == 200
    # Run again: nothing left, zeros. The account itself still signs in, to an empty app.
    assert user.rest("DELETE", "/api/account").json() == ZEROS
    assert user.rest("GET", "/api/chat/sessions").json()["sessions"] == []


def test_admin_and_callable_variants(
    stack: Stack,
    user: ApiClient,
    other_user: ApiClient,
    admin: ApiClient,
    firestore_db: firestore.Client,
    bucket: storage.Bucket,
) -> None:
    populate(user)
    populate(other_user)

    # Only an admin deletes another user's data.
    assert other_user.rest("DELETE", f"/api/admin/users/{user.uid}/data").status_code == 403
    assert other_user.rest("DELETE", "/api/account", params={"userId": user.uid}).status_code == 403
    assert other_user.call("deleteAccountData", {"userId": user.uid}).status_code == 403
    assert documents_of(firestore_db, user.uid) != []

    # A deletion cut short after some of the objects went: the next run finishes it.
    bucket.delete_blobs(list(bucket.list_blobs(prefix=f"chat-images/{user.uid}/")))
    by_admin = admin.rest("DELETE", f"/api/admin/users/{user.uid}/data")
    assert by_admin.status_code == 200, by_admin.text
    assert by_admin.json()["documents"] > 0 and by_admin.json()["storageObjects"] > 0
    assert documents_of(firestore_db, user.uid) == [] and objects_of(bucket, user.uid) == []
    assert admin.call_result("deleteAccountData", {"userId": user.uid}) == ZEROS

    # The user's own callable, opting in to deleting the Auth user as well.
    result = other_user.call_result("deleteAccountData", {"deleteAuthUser": True})
    assert result["documents"] > 0 and result["storageObjects"] > 0 and result["authUserDeleted"] is True
    assert documents_of(firestore_db, other_user.uid) == [] and objects_of(bucket, other_user.uid) == []
    lookup = requests.post(
        f"http://{stack.auth_host}/identitytoolkit.googleapis.com/v1/accounts:lookup",
        params={"key": FAKE_API_KEY}, json={"idToken": other_user.id_token}, timeout=10,
    )
    assert lookup.status_code == 400 and "USER_NOT_FOUND" in lookup.text
