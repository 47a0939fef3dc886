"""The control API, the request log, concurrency, and the process itself."""

from __future__ import annotations

import hashlib
import io
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import requests
from google import genai
from google.genai import errors, types

from devtools.gemini_emulator import read_provenance
from devtools.gemini_emulator.wire import ApiError
from devtools.stack import free_port
from tests.emulator.helpers import LISTENING_PREFIX, EmulatorProcess, output_png, png_bytes
from tests.support.clients import GeminiControl as Control


def test_config_defaults_partial_update_and_reset(control: Control) -> None:
    defaults = requests.get(f"{control.base}/config", timeout=10).json()
    assert defaults == {
        "latencyMs": 0,
        "fileTtlSeconds": 172800,
        "fileProcessingMs": 0,
        "payload": "small",
        "streamDelayMs": None,
        "interactionTtlSeconds": 55 * 24 * 3600,
    }
    assert control.config(latencyMs=5) == {**defaults, "latencyMs": 5}
    assert control.config(fileTtlSeconds=60)["latencyMs"] == 5
    bad = requests.post(f"{control.base}/config", json={"latencyMs": -1}, timeout=10)
    assert bad.status_code == 400
    unknown = requests.post(f"{control.base}/config", json={"speed": 1}, timeout=10)
    assert unknown.status_code == 400
    bad_payload = requests.post(f"{control.base}/config", json={"payload": "huge"}, timeout=10)
    assert bad_payload.status_code == 400 and "payload" in bad_payload.json()["error"]["message"]
    assert control.config(payload="realistic", streamDelayMs=20)["payload"] == "realistic"
    assert control.config(streamDelayMs=None)["streamDelayMs"] is None
    control.reset()
    assert requests.get(f"{control.base}/config", timeout=10).json() == defaults


def test_latency_delays_model_calls(client: genai.Client, control: Control) -> None:
    control.config(latencyMs=300)
    started = time.monotonic()
    client.models.generate_content(model="gemini-2.5-flash", contents="hello there")
    assert time.monotonic() - started >= 0.3


def test_reset_forgets_files_faults_and_log(client: genai.Client, control: Control) -> None:
    uploaded = client.files.upload(file=io.BytesIO(png_bytes()), config={"mime_type": "image/png"})
    control.faults({"on": "files.get", "status": 500, "times": 5})
    assert control.requests()
    control.reset()
    assert control.requests() == []
    assert requests.get(f"{control.base}/faults", timeout=10).json() == {"faults": []}
    assert list(client.files.list()) == []
    assert uploaded.name


def test_request_log_describes_every_part(client: genai.Client, control: Control) -> None:
    source = png_bytes((32, 32))
    uploaded = client.files.upload(file=io.BytesIO(source), config={"mime_type": "image/png"})
    assert uploaded.uri
    chat = client.chats.create(model="gemini-3.1-flash-image-preview")
    first = chat.send_message(
        [types.Part.from_uri(file_uri=uploaded.uri, mime_type="image/png"), types.Part(text="warmer")]
    )
    first_png = output_png(first)
    chat.send_message(
        [types.Part.from_bytes(data=source, mime_type="image/png"), "grayscale"],
        config=types.GenerateContentConfig(
            response_modalities=["IMAGE"], image_config=types.ImageConfig(aspect_ratio="4:3", image_size="2K")
        ),
    )
    log = control.requests()
    assert [e["kind"] for e in log] == ["upload.start", "upload", "generateContent", "generateContent"]
    entry = log[-1]
    assert entry["method"] == "POST"
    assert entry["path"] == "/v1/models/gemini-3.1-flash-image-preview:generateContent"
    assert entry["model"] == "gemini-3.1-flash-image-preview"
    assert entry["status"] == 200
    assert entry["contentCount"] == 3
    assert entry["responseModalities"] == ["IMAGE"]
    assert (entry["aspectRatio"], entry["imageSize"]) == ("4:3", "2K")
    assert entry["snakeCaseKeys"] is True  # SDK 3.x sends inlineData {"mime_type": ...}: normalised
    # What each request put on the wire: the model call carries two images as base64 (> 4/3 of them).
    assert entry["bytes"] > (len(first_png) + len(source)) * 4 // 3
    assert log[1]["bytes"] == len(source)  # the upload's chunk
    user_1, model_1, user_2 = entry["contents"]
    assert user_1 == {
        "role": "user",
        "parts": [
            {
                "kind": "fileData",
                "hasSignature": False,
                "fileUri": uploaded.uri,
                "mimeType": "image/png",
                "bytes": len(source),  # looked up in the Files store
            },
            {"kind": "text", "hasSignature": False, "textLength": 6},
        ],
    }
    assert model_1["role"] == "model"
    text_part, image_part = model_1["parts"]
    assert text_part["kind"] == "text" and text_part["hasSignature"] is True
    assert image_part["kind"] == "inlineData" and image_part["hasSignature"] is True
    assert image_part["bytes"] == len(first_png)
    assert image_part["sha256"] == hashlib.sha256(first_png).hexdigest()
    assert image_part["provenance"] == read_provenance(first_png)
    assert user_2["parts"][0]["bytes"] == len(source)
    assert user_2["parts"][1] == {"kind": "text", "hasSignature": False, "textLength": 9}


def test_request_log_file_data_bytes_are_null_when_unknown_or_expired(client: genai.Client, control: Control) -> None:
    source = png_bytes((24, 24))
    uploaded = client.files.upload(file=io.BytesIO(source), config={"mime_type": "image/png"})
    assert uploaded.uri and uploaded.name
    unknown_uri = uploaded.uri.replace(uploaded.name, "files/nosuchfile")

    def send(uri: str) -> dict[str, Any]:
        try:
            client.models.generate_content(
                model="gemini-2.5-flash-image",
                contents=[types.Part.from_uri(file_uri=uri, mime_type="image/png"), "brighter"],
            )
        except errors.ClientError as exc:
            assert exc.code == 403
        part: dict[str, Any] = control.requests("generateContent")[-1]["contents"][0]["parts"][0]
        return part

    assert send(uploaded.uri)["bytes"] == len(source)
    assert send(unknown_uri)["bytes"] is None
    assert control.expire_files(uploaded.name) == 1
    expired = send(uploaded.uri)
    assert expired["kind"] == "fileData" and expired["bytes"] is None


def test_request_log_records_errors_and_files_calls(client: genai.Client, control: Control) -> None:
    requests.get(f"{control.base.removesuffix('/_emulator')}/v1beta/files/unknownfile", timeout=10)
    entry = control.requests()[-1]
    assert entry["kind"] == "files.get"
    assert entry["status"] == 403
    assert entry["file"] == "files/unknownfile"
    assert "may not exist" in entry["error"]


def test_request_log_is_bounded(emulator_url: str, control: Control) -> None:
    def burst(_: int) -> None:
        with requests.Session() as session:
            for _ in range(201):
                session.get(f"{emulator_url}/v1/models", timeout=10)

    with ThreadPoolExecutor(5) as pool:
        list(pool.map(burst, range(5)))
    log = control.requests()
    assert len(log) == 1000
    assert log[-1]["seq"] - log[0]["seq"] == 999
    assert log[-1]["seq"] == 1005


def test_200_concurrent_sdk_calls_with_1s_latency_overlap(emulator_url: str, control: Control) -> None:
    """200 concurrent `generate_content` calls through the real SDK take about 1 s, not 200 s."""
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    client = genai.Client(
        api_key="test-key",
        http_options=types.HttpOptions(base_url=emulator_url, client_args={"limits": limits}),
    )
    model, prompt = "gemini-2.5-flash-image", "a crowd of people"
    # One call first: a cold SDK builds its pydantic schemas lazily, and 200 threads would each build them.
    warm_png = output_png(client.models.generate_content(model=model, contents=prompt))
    control.config(latencyMs=1000)
    released: list[float] = []
    barrier = threading.Barrier(200, action=lambda: released.append(time.monotonic()))

    def call(_: int) -> tuple[bytes, float]:
        barrier.wait(timeout=60)  # every worker started: all 200 calls go out together
        response = client.models.generate_content(model=model, contents=prompt)
        return output_png(response), time.monotonic()

    with ThreadPoolExecutor(200) as pool:
        results = list(pool.map(call, range(200)))
    elapsed = max(done for _, done in results) - released[0]
    assert [png for png, _ in results] == [warm_png] * 200  # all answered, deterministically
    assert len(control.requests("generateContent")) == 201
    assert elapsed < 4, f"200 concurrent SDK calls took {elapsed:.1f} s"
    print(f"200 concurrent generate_content calls with latencyMs=1000: {elapsed:.2f} s")


def test_process_prints_the_exact_line_and_exits_0_on_sigterm_and_sigint() -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        process = EmulatorProcess(free_port())
        line = process.wait_listening()
        assert line == f"{LISTENING_PREFIX}http://127.0.0.1:{process.port}"
        assert requests.get(f"http://127.0.0.1:{process.port}/_emulator/health", timeout=10).json()["ok"] is True
        process.proc.send_signal(sig)
        assert process.proc.wait(timeout=10) == 0


def test_control_errors_use_the_api_error_form(control: Control) -> None:
    def error_of(response: requests.Response, code: int) -> dict[str, Any]:
        assert response.status_code == code, response.text
        assert response.headers["Content-Type"] == "application/json"
        body: dict[str, Any] = response.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "status"}
        assert body["error"]["code"] == code
        return body

    missing = error_of(requests.post(f"{control.base}/nonsense", timeout=10), 404)
    assert missing == ApiError(404, "no control action POST /_emulator/nonsense", "NOT_FOUND").body()
    not_json = error_of(requests.post(f"{control.base}/config", data=b"{oops", timeout=10), 400)
    assert not_json["error"]["status"] == "INVALID_ARGUMENT"
    not_object = error_of(requests.post(f"{control.base}/faults", json=[1], timeout=10), 400)
    assert not_object == ApiError(400, "the body must be a JSON object", "INVALID_ARGUMENT").body()
    for fault in ({"on": ["any"], "status": 500}, {"on": "any", "status": 500, "statusName": 7}):
        bad = error_of(requests.post(f"{control.base}/faults", json={"faults": [fault]}, timeout=10), 400)
        assert bad["error"]["status"] == "INVALID_ARGUMENT"
    assert requests.get(f"{control.base}/faults", timeout=10).json() == {"faults": []}
