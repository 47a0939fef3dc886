"""Small helpers shared by the integration tests (images, uploads, reading outputs)."""

from __future__ import annotations

import base64
import io
import json
import time
from typing import Any

import requests
from PIL import Image

from devtools.gemini_emulator import read_provenance
from devtools.stack import Stack
from tests.support.clients import ApiClient


def png_bytes(color: tuple[int, int, int] = (200, 40, 40), size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def new_session(client: ApiClient, **fields: Any) -> str:
    response = client.rest("POST", "/api/chat/sessions", json=fields)
    assert response.status_code == 200, response.text
    session_id: str = response.json()["id"]
    return session_id


def upload(client: ApiClient, data: bytes | None = None, name: str = "photo.png") -> dict[str, str]:
    response = client.rest("POST", "/api/upload/temp", files={"file": (name, data or png_bytes(), "image/png")})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def send(client: ApiClient, session_id: str, text: str, **fields: Any) -> dict[str, Any]:
    response = client.rest("POST", f"/api/chat/sessions/{session_id}/message", json={"text": text, **fields})
    assert response.status_code == 200, response.text
    turn: dict[str, Any] = response.json()["turn"]
    return turn


def post_message(client: ApiClient, session_id: str, **body: Any) -> requests.Response:
    """A message as sent (no status checked: for refusals and whole answers)."""
    return client.rest("POST", f"/api/chat/sessions/{session_id}/message", json=body)


def rgb_image(data: bytes) -> Image.Image:
    """Image bytes decoded, as RGB (for pixel comparisons)."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def fetch(url: str) -> bytes:
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, (url, response.status_code)
    return response.content


def provenance_of(image: dict[str, Any]) -> list[str]:
    return read_provenance(fetch(image["publicUrl"]))


# The request-log kinds of an image model call, on either API (a turn streams its generateContent
# call for live progress; a project summary is a plain generateContent).
MODEL_CALL_KINDS = ("generateContent", "streamGenerateContent", "interactions.create")


def model_calls(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The model calls of the Gemini emulator's log, on either API (an interactions.create entry
    describes its input steps as `contents`, like a generateContent entry)."""
    return [r for r in log if r.get("kind") in MODEL_CALL_KINDS]


def uploads_in(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in log if r.get("kind") == "upload.start"]


def custom_token_client(stack: Stack, uid: str) -> ApiClient:
    """A user signed in with a custom token for `uid` (the Auth emulator takes unsigned ones)."""

    def b64(part: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")

    now = int(time.time())
    claims = {
        "aud": "https://identitytoolkit.googleapis.com/google.identity.identitytoolkit.v1.IdentityToolkit",
        "iss": "firebase-adminsdk@example.iam.gserviceaccount.com",
        "sub": "firebase-adminsdk@example.iam.gserviceaccount.com",
        "iat": now,
        "exp": now + 3600,
        "uid": uid,
    }
    token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    response = requests.post(
        f"http://{stack.auth_host}/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken",
        params={"key": "fake-api-key"},
        json={"token": token, "returnSecureToken": True},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return ApiClient(stack, uid, response.json()["idToken"])
