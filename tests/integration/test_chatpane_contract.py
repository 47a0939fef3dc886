"""Seed 000's ChatPane, end to end over REST, with exactly the payloads the web app sends."""

from __future__ import annotations

import io

import requests
from PIL import Image

from devtools.gemini_emulator import read_provenance
from devtools.gemini_emulator.imaging import sha12
from tests.support.clients import ApiClient


def _real_png() -> bytes:
    image = Image.new("RGB", (96, 128), (30, 90, 160))
    for x in range(0, 96, 8):  # some structure, so that an edit is visible in the bytes
        for y in range(0, 128, 8):
            image.putpixel((x, y), (250, 250, 20))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _download(url: str) -> bytes:
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, (url, response.status_code)
    return response.content


def test_chatpane_flow_over_rest_exactly_as_the_web_app_sends_it(user: ApiClient) -> None:
    # ChatPage.create
    created = user.rest("POST", "/api/chat/sessions", json={"title": "New chat", "aspectRatio": "3:4"})
    assert created.status_code == 200, created.text
    session_id = created.json()["id"]

    # ChatPage.load
    listed = user.rest("GET", "/api/chat/sessions")
    assert listed.status_code == 200, listed.text
    shown = [s for s in listed.json()["sessions"] if s["id"] == session_id]
    assert len(shown) == 1 and shown[0]["title"] == "New chat" and shown[0]["aspectRatio"] == "3:4"
    assert shown[0]["lastActive"]

    # ChatPane.load, then uploadTemp: FormData with the single field `file`
    pane = user.rest("GET", f"/api/chat/sessions/{session_id}")
    assert pane.status_code == 200 and pane.json()["turns"] == []
    source = _real_png()
    uploaded = user.rest("POST", "/api/upload/temp", files={"file": ("photo.png", source, "image/png")})
    assert uploaded.status_code == 200, uploaded.text
    public_url = uploaded.json()["publicUrl"]
    assert _download(public_url) == source

    # ChatPane.send
    sent = user.rest(
        "POST",
        f"/api/chat/sessions/{session_id}/message",
        json={"text": "make it grayscale", "refUrls": [public_url], "imageOnly": False, "aspectRatio": "3:4"},
    )
    assert sent.status_code == 200, sent.text
    turn = sent.json()["turn"]
    assert turn["id"] and turn["role"] == "model" and isinstance(turn["text"], str)
    assert len(turn["images"]) == 1
    image = turn["images"][0]
    assert image["storagePath"] and image["publicUrl"] and image["mimeType"] == "image/png"
    output = _download(image["publicUrl"])
    with Image.open(io.BytesIO(output)) as decoded:
        assert decoded.size == (864, 1184)
    assert (image["width"], image["height"]) == (864, 1184)
    chain = read_provenance(output)
    assert chain[0] == f"input:{sha12(source)}" and len(chain) > 1, chain

    # ChatPane.load after the send: {session, turns}
    reloaded = user.rest("GET", f"/api/chat/sessions/{session_id}")
    assert reloaded.status_code == 200
    body = reloaded.json()
    assert body["session"]["id"] == session_id
    user_turn, model_turn = body["turns"]
    assert user_turn["role"] == "user" and user_turn["text"] == "make it grayscale"
    assert len(user_turn["attachments"]) == 1
    assert _download(user_turn["attachments"][0]["url"]) == source  # what <Image src={a.url}> shows
    assert model_turn["role"] == "model" and model_turn["id"] == turn["id"]
    assert _download(model_turn["images"][0]["publicUrl"]) == output

    # ChatPage.destroy, then load
    deleted = user.rest("DELETE", f"/api/chat/sessions/{session_id}")
    assert deleted.status_code == 204
    after = user.rest("GET", "/api/chat/sessions")
    assert session_id not in [s["id"] for s in after.json()["sessions"]]
