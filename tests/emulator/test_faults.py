"""Injected faults as the SDK sees them, and refusals triggered by prompt markers."""

from __future__ import annotations

import io

import pytest
import requests
from google import genai
from google.genai import errors, types

from tests.emulator.helpers import output_png, png_bytes
from tests.support.clients import GeminiControl as Control

MODEL = "gemini-2.5-flash-image"


def generate(client: genai.Client, prompt: str = "a cat", model: str = MODEL) -> types.GenerateContentResponse:
    return client.models.generate_content(model=model, contents=prompt)


def test_429_is_resource_exhausted_with_retry_info(client: genai.Client, control: Control) -> None:
    control.faults({"on": "generateContent", "status": 429, "times": 1})
    with pytest.raises(errors.ClientError) as caught:
        generate(client)
    error = caught.value
    assert error.code == 429
    assert error.status == "RESOURCE_EXHAUSTED"
    assert error.details["error"]["details"] == [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"}
    ]
    assert output_png(generate(client))  # only once


@pytest.mark.parametrize(("status", "name"), [(500, "INTERNAL"), (503, "UNAVAILABLE"), (504, "DEADLINE_EXCEEDED")])
def test_server_faults_are_server_errors(client: genai.Client, control: Control, status: int, name: str) -> None:
    control.faults({"on": "generateContent", "status": status, "times": 1, "message": "boom"})
    with pytest.raises(errors.ServerError) as caught:
        generate(client)
    assert caught.value.code == status
    assert caught.value.status == name
    assert caught.value.message == "boom"


def test_times_is_honoured(client: genai.Client, control: Control) -> None:
    control.faults({"on": "generateContent", "status": 503, "times": 3})
    for _ in range(3):
        with pytest.raises(errors.ServerError):
            generate(client)
    assert output_png(generate(client))
    statuses = [e["status"] for e in control.requests("generateContent")]
    assert statuses == [503, 503, 503, 200]


def test_faults_are_consumed_in_order_and_by_kind(client: genai.Client, control: Control) -> None:
    pending = control.faults(
        {"on": "files.get", "status": 500, "times": 1},
        {"on": "generateContent", "status": 429, "times": 1},
        {"on": "generateContent", "status": 503, "times": 1},
    )
    assert len(pending) == 3
    with pytest.raises(errors.ClientError):
        generate(client)
    with pytest.raises(errors.ServerError) as caught:
        generate(client)
    assert caught.value.code == 503
    assert output_png(generate(client))
    remaining = requests.get(f"{control.base}/faults", timeout=10).json()["faults"]
    assert [f["on"] for f in remaining] == ["files.get"]


def test_any_matches_every_request(client: genai.Client, control: Control) -> None:
    control.faults({"on": "any", "status": 500, "times": 2})
    with pytest.raises(errors.ServerError):
        list(client.files.list())
    with pytest.raises(errors.ServerError):
        generate(client)
    assert output_png(generate(client))


def test_upload_fault_on_the_upload_url(client: genai.Client, control: Control, emulator_url: str) -> None:
    # Armed for more uses than one upload needs: a re-posting SDK would meet the fault again.
    control.faults({"on": "upload", "status": 503, "times": 4})
    with pytest.raises(errors.ServerError) as caught:
        client.files.upload(file=io.BytesIO(png_bytes()), config={"mime_type": "image/png"})
    assert caught.value.code == 503
    assert requests.delete(f"{control.base}/faults", timeout=10).json() == {"faults": []}
    # The SDK gave up at once: one start, then exactly one chunk post for that file (no re-posts).
    (start_entry,) = control.requests("upload.start")
    attempt = [e for e in control.requests("upload") if e.get("file") == start_entry["file"]]
    assert [e["status"] for e in attempt] == [503]
    assert len(control.requests("upload")) == 1
    # The raw reply carries the upload status header, so the SDK does not retry the chunk.
    control.faults({"on": "upload", "status": 500, "times": 1})
    start = requests.post(
        f"{emulator_url}/upload/v1beta/files",
        headers={
            "X-Goog-Upload-Protocol": "resumable",
            "X-Goog-Upload-Command": "start",
            "X-Goog-Upload-Header-Content-Length": "3",
            "X-Goog-Upload-Header-Content-Type": "text/plain",
        },
        json={"file": {}},
        timeout=10,
    )
    chunk = requests.post(
        start.headers["X-Goog-Upload-URL"],
        headers={"X-Goog-Upload-Command": "upload, finalize", "X-Goog-Upload-Offset": "0"},
        data=b"abc",
        timeout=10,
    )
    assert chunk.status_code == 500
    assert chunk.headers["X-Goog-Upload-Status"] == "final"
    assert chunk.json()["error"]["status"] == "INTERNAL"
    # Then the next upload works.
    uploaded = client.files.upload(file=io.BytesIO(png_bytes()), config={"mime_type": "image/png"})
    assert uploaded.state == types.FileState.ACTIVE


def test_upload_start_fault(client: genai.Client, control: Control) -> None:
    control.faults({"on": "upload.start", "status": 429, "times": 1})
    with pytest.raises(errors.ClientError) as caught:
        client.files.upload(file=io.BytesIO(png_bytes()), config={"mime_type": "image/png"})
    assert caught.value.code == 429


@pytest.mark.parametrize("kind", ["files.get", "files.delete", "files.list"])
def test_files_faults(client: genai.Client, control: Control, kind: str) -> None:
    uploaded = client.files.upload(file=io.BytesIO(png_bytes()), config={"mime_type": "image/png"})
    assert uploaded.name
    control.faults({"on": kind, "status": 500, "times": 1})
    calls = {
        "files.get": lambda: client.files.get(name=uploaded.name or ""),
        "files.delete": lambda: client.files.delete(name=uploaded.name or ""),
        "files.list": lambda: list(client.files.list()),
    }
    with pytest.raises(errors.ServerError):
        calls[kind]()
    calls[kind]()  # the fault was used up


def test_stream_fault_before_and_mid_stream(client: genai.Client, control: Control) -> None:
    control.faults({"on": "streamGenerateContent", "status": 503, "times": 1})
    with pytest.raises(errors.ServerError):
        list(client.models.generate_content_stream(model="gemini-3-pro-image-preview", contents="a cat"))
    control.faults({"on": "generateContent", "status": 500, "times": 1, "midStream": True})
    assert output_png(generate(client))  # a mid-stream fault waits for a streaming call
    received = []
    with pytest.raises(errors.APIError) as caught:
        for chunk in client.models.generate_content_stream(model="gemini-3-pro-image-preview", contents="a cat"):
            received.append(chunk)
    assert len(received) == 1 and received[0].text
    assert caught.value.code == 500


def test_invalid_fault_spec_is_rejected(control: Control) -> None:
    response = requests.post(f"{control.base}/faults", json={"faults": [{"on": "nonsense", "status": 500}]}, timeout=10)
    assert response.status_code == 400
    response = requests.post(f"{control.base}/faults", json={"faults": [{"on": "any", "status": 200}]}, timeout=10)
    assert response.status_code == 400


# -- refusals ------------------------------------------------------------------------------------


def test_blocked_prompt_has_prompt_feedback_and_no_candidates(client: genai.Client) -> None:
    response = generate(client, "something [[blocked]]")
    assert not response.candidates
    assert response.prompt_feedback is not None
    assert response.prompt_feedback.block_reason == types.BlockedReason.PROHIBITED_CONTENT
    assert response.text is None


@pytest.mark.parametrize(
    ("marker", "reason"),
    [("[[image-safety]]", types.FinishReason.IMAGE_SAFETY), ("[[no-image]]", types.FinishReason.NO_IMAGE)],
)
def test_image_refusals_have_a_finish_reason_and_no_content(
    client: genai.Client, marker: str, reason: types.FinishReason
) -> None:
    for model in (MODEL, "gemini-3-pro-image-preview"):
        response = generate(client, f"draw it {marker}", model=model)
        assert response.candidates and len(response.candidates) == 1
        assert response.candidates[0].finish_reason == reason
        assert response.candidates[0].content is None


def test_markers_in_history_do_not_re_trigger(client: genai.Client) -> None:
    contents = [
        types.Content(role="user", parts=[types.Part(text="a cat [[blocked]]")]),
        types.Content(role="model", parts=[types.Part(text="I can't help with that.")]),
        types.Content(role="user", parts=[types.Part(text="a dog then")]),
    ]
    response = client.models.generate_content(model=MODEL, contents=contents)
    assert output_png(response)
