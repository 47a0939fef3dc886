"""firestore.rules and storage.rules for the identity image chat: the catalog is readable by every
signed-in user; a user's profile, reference photos and their bytes by their owner only."""

from __future__ import annotations

import requests

from devtools.stack import Stack
from tests.integration.helpers import png_bytes
from tests.support.clients import ApiClient


def _document_url(stack: Stack, path: str) -> str:
    return f"http://{stack.firestore_host}/v1/projects/{stack.project_id}/databases/(default)/documents/{path}"


def _get(stack: Stack, path: str, client: ApiClient | None) -> int:
    headers = {"Authorization": f"Bearer {client.id_token}"} if client else {}
    return requests.get(_document_url(stack, path), headers=headers, timeout=10).status_code


def test_identity_documents_are_read_by_whom_they_belong_to(
    stack: Stack, user: ApiClient, other_user: ApiClient, admin: ApiClient
) -> None:
    identity = admin.rest("POST", "/api/v1/admin/identities/", json={"name": "The Artist"}).json()
    ref = user.rest("POST", "/api/v1/reference-images/", files={"file": ("me.png", png_bytes(), "image/png")}).json()
    assert user.rest("PATCH", "/api/v1/me/", json={"appearance": {"hair": "red"}}).status_code == 200

    assert _get(stack, f"identities/{identity['id']}", other_user) == 200
    assert _get(stack, f"identities/{identity['id']}", None) == 403
    for path in (f"users/{user.uid}", f"users/{user.uid}/referenceImages/{ref['id']}"):
        assert _get(stack, path, user) == 200, path
        assert _get(stack, path, other_user) == 403, path
    forged = requests.patch(_document_url(stack, f"users/{user.uid}"), json={"fields": {}},
                            headers={"Authorization": f"Bearer {user.id_token}"}, timeout=10)
    assert forged.status_code == 403
