"""Sending messages: the edit chain, inputs, outputs and what the session records."""

from __future__ import annotations

import io
import random
from itertools import pairwise

from google.cloud import firestore, storage
from PIL import Image

from tests.integration.helpers import fetch, model_calls, new_session, png_bytes, provenance_of, send, upload
from tests.support.clients import ApiClient, GeminiControl


def test_five_turns_form_one_provenance_chain(
    transport: str, user: ApiClient, gemini: GeminiControl, firestore_db: firestore.Client
) -> None:
    session_id = new_session(user, title="Chain", aspectRatio="1:1")
    prompts = ["Draw a lighthouse", "make it warmer", "now grayscale", "add a blur", "flip it"]
    chains = []
    turns = []
    for prompt in prompts:
        turn = send(user, session_id, prompt)
        assert turn["role"] == "model" and turn["status"] == "complete"
        assert len(turn["images"]) == 1
        turns.append(turn)
        chains.append(provenance_of(turn["images"][0]))
    for earlier, later in pairwise(chains):
        assert len(later) > len(earlier) and later[: len(earlier)] == earlier, (earlier, later)

    image = turns[-1]["images"][0]
    assert image["mimeType"] == "image/png" and (image["width"], image["height"]) == (1024, 1024)
    assert image["storagePath"] == f"chat-images/{user.uid}/{session_id}/{turns[-1]['id']}-0.png"

    body = user.rest("GET", f"/api/chat/sessions/{session_id}").json()
    assert [t["index"] for t in body["turns"]] == list(range(10))
    assert [t["role"] for t in body["turns"]] == ["user", "model"] * 5
    assert all(t["status"] == "complete" for t in body["turns"])
    assert [t["text"] for t in body["turns"][::2]] == prompts
    session = body["session"]
    assert session["turnCount"] == 10
    assert session["lastImage"]["storagePath"] == image["storagePath"]
    assert session["usage"]["totalTokens"] == sum(t["usage"]["totalTokens"] for t in turns) > 0
    # Each turn went through the deployment's API, replaying the history (stateless).
    calls = model_calls(gemini.requests())
    # generateContent calls are streamed (live progress); Interactions creates are not.
    kind = {"generate_content": "streamGenerateContent", "interactions": "interactions.create"}[transport]
    assert [c["kind"] for c in calls] == [kind] * 5
    if transport == "interactions":
        assert all(c["store"] is False and c["previousInteractionId"] is None for c in calls)
        assert [s["type"] for s in calls[2]["steps"]] == ["user_input", "model_output"] * 2 + ["user_input"]


def test_uploaded_image_is_the_one_edited(user: ApiClient, bucket: storage.Bucket) -> None:
    session_id = new_session(user)
    uploaded = upload(user, png_bytes((10, 120, 200)))
    assert uploaded["storagePath"].startswith(f"uploads/{user.uid}/")
    assert fetch(uploaded["publicUrl"]) == png_bytes((10, 120, 200))

    turn = send(user, session_id, "make it grayscale", refUrls=[uploaded["publicUrl"]], aspectRatio="16:9")
    chain = provenance_of(turn["images"][0])
    assert chain[0].startswith("input:") and len(chain) > 1
    assert (turn["images"][0]["width"], turn["images"][0]["height"]) == (1344, 768)
    thumb = turn["images"][0]["thumbnail"]
    assert thumb["storagePath"].endswith(".thumb.webp") and max(thumb["width"], thumb["height"]) <= 256
    assert fetch(thumb["publicUrl"])[:4] == b"RIFF"

    user_turn = user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"][0]
    attachment = user_turn["attachments"][0]
    assert attachment["source"] == "upload" and attachment["sourcePath"] == uploaded["storagePath"]
    assert attachment["storagePath"].startswith(f"chat-images/{user.uid}/{session_id}/inputs/")
    assert fetch(attachment["url"]) == png_bytes((10, 120, 200))
    assert bucket.get_blob(attachment["storagePath"]) is not None


def test_storage_paths_and_earlier_outputs_are_accepted_in_order(user: ApiClient) -> None:
    first_session = new_session(user)
    earlier = send(user, first_session, "Draw a boat")["images"][0]
    uploaded = upload(user)
    session_id = new_session(user)
    send(user, session_id, "combine them", refUrls=[uploaded["storagePath"], earlier["publicUrl"]])
    user_turn = user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"][0]
    assert [a["sourcePath"] for a in user_turn["attachments"]] == [uploaded["storagePath"], earlier["storagePath"]]
    assert [a["source"] for a in user_turn["attachments"]] == ["upload", "output"]


def test_image_only_turn_has_no_text(user: ApiClient, gemini: GeminiControl) -> None:
    session_id = new_session(user)
    turn = send(user, session_id, "Draw a cat", imageOnly=True)
    assert turn["text"] == "" and len(turn["images"]) == 1
    send(user, session_id, "make it warmer")
    assert [call["responseModalities"] for call in model_calls(gemini.requests())] == [["IMAGE"], ["TEXT", "IMAGE"]]


def test_an_output_larger_than_the_upload_limit_is_kept(user: ApiClient, bucket: storage.Bucket) -> None:
    # A detailed 2K output is over the 10 MB upload cap: it is the model's output, not an upload.
    noise = random.Random(7).randbytes(1024 * 1024 * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (1024, 1024), noise).save(out, format="PNG")
    assert out.tell() < 10 * 1024 * 1024
    session_id = new_session(user, model="gemini-3.1-flash-image-preview", imageSize="2K")
    turn = send(user, session_id, "restyle it", refUrls=[upload(user, out.getvalue())["publicUrl"]])
    assert turn["status"] == "complete"
    image = turn["images"][0]
    assert (image["width"], image["height"]) == (2048, 2048)
    blob = bucket.get_blob(image["storagePath"])
    assert blob is not None and blob.size > 10 * 1024 * 1024


def test_attachment_source_says_what_the_reference_really_is(user: ApiClient) -> None:
    session_id = new_session(user)
    uploaded = upload(user)
    first = send(user, session_id, "make it grayscale", refUrls=[uploaded["publicUrl"]])
    input_copy = user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"][0]["attachments"][0]
    assert input_copy["source"] == "upload"
    # An earlier input (the session's copy of the upload), and an earlier output.
    send(user, session_id, "again", refUrls=[input_copy["url"], first["images"][0]["publicUrl"]])
    second_user_turn = user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"][2]
    assert [a["source"] for a in second_user_turn["attachments"]] == ["input", "output"]
    assert second_user_turn["attachments"][0]["sourcePath"] == input_copy["storagePath"]
