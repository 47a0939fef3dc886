"""Wire helpers and input validation that the SDK tests do not reach."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

from devtools.gemini_emulator.wire import ApiError, b64decode_any, has_snake_keys, normalize_keys


def test_base64_in_both_alphabets_with_or_without_padding() -> None:
    data = bytes([0xFB, 0xFF, 0xFE, 0x00, 0x61])
    for encoded in (
        base64.b64encode(data).decode(),
        base64.urlsafe_b64encode(data).decode(),
        base64.urlsafe_b64encode(data).decode().rstrip("="),
    ):
        assert b64decode_any(encoded) == data
    with pytest.raises(ApiError) as caught:
        b64decode_any("a*b")
    assert caught.value.code == 400 and caught.value.status == "INVALID_ARGUMENT"


def test_normalize_keys_renames_fields_but_not_user_data() -> None:
    body = {
        "generation_config": {"image_config": {"aspect_ratio": "1:1"}},
        "contents": [{"parts": [{"function_call": {"args": {"snake_key": 1}}}]}],
    }
    assert normalize_keys(body) == {
        "generationConfig": {"imageConfig": {"aspectRatio": "1:1"}},
        "contents": [{"parts": [{"functionCall": {"args": {"snake_key": 1}}}]}],
    }
    assert has_snake_keys(body)
    assert not has_snake_keys(normalize_keys(body)["generationConfig"])


def test_error_body_shape() -> None:
    assert ApiError(503).body() == {
        "error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}
    }
    assert ApiError(429).body()["error"]["details"] == [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"}
    ]


def test_bytes_that_are_no_image_are_400(emulator_url: str) -> None:
    junk = base64.b64encode(b"definitely not a png").decode()
    body = {"contents": [{"parts": [{"inlineData": {"mimeType": "image/png", "data": junk}}, {"text": "blur"}]}]}
    response = requests.post(f"{emulator_url}/v1/models/gemini-2.5-flash-image:generateContent", json=body, timeout=30)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Unable to process input image.")


def test_invalid_json_and_unknown_paths(emulator_url: str) -> None:
    response = requests.post(
        f"{emulator_url}/v1/models/gemini-2.5-flash-image:generateContent", data=b"{nope", timeout=30
    )
    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    response = requests.get(f"{emulator_url}/v2/whatever", timeout=30)
    assert response.status_code == 404
    assert response.json()["error"]["status"] == "NOT_FOUND"


def test_api_key_is_optional_and_any_value_works(emulator_url: str) -> None:
    url = f"{emulator_url}/v1beta/models/gemini-2.5-flash:generateContent"
    body = {"contents": [{"parts": [{"text": "hello world"}]}]}
    for kwargs in ({}, {"headers": {"x-goog-api-key": "abc"}}, {"params": {"key": "xyz"}}):
        assert requests.post(url, json=body, timeout=30, **kwargs).status_code == 200  # type: ignore[arg-type]


_TEXT = {"parts": [{"text": "a cat"}]}
MALFORMED_BODIES = [
    ({"contents": [_TEXT], "generationConfig": {"imageConfig": "16:9"}}, "generation_config.image_config"),
    ({"contents": [_TEXT], "generation_config": {"image_config": {"aspect_ratio": 16}}}, "image_config.aspect_ratio"),
    ({"contents": [_TEXT], "generationConfig": {"imageConfig": {"imageSize": ["2K"]}}}, "image_config.image_size"),
    ({"contents": [_TEXT], "generationConfig": "fast"}, "generation_config"),
    ({"contents": [_TEXT], "generationConfig": {"responseModalities": "IMAGE"}}, "response_modalities"),
    ({"contents": [_TEXT], "generationConfig": {"thinkingConfig": {"includeThoughts": "yes"}}}, "include_thoughts"),
    ({"contents": [{"parts": [{"inlineData": "abc"}, {"text": "blur"}]}]}, "contents[0].parts[0].inline_data"),
    ({"contents": [{"parts": [{"inlineData": {"mimeType": "image/png", "data": 5}}]}]}, "inline_data.data"),
    ({"contents": [{"parts": [{"fileData": ["https://x/files/a"]}]}]}, "contents[0].parts[0].file_data"),
    ({"contents": [{"parts": [{"text": {"nested": 1}}]}]}, "contents[0].parts[0].text"),
    ({"contents": [{"parts": [{"text": "x", "thoughtSignature": 7}]}]}, "parts[0].thought_signature"),
    ({"contents": [{"parts": "a cat"}]}, "contents[0].parts"),
    ({"contents": [{"role": ["user"], "parts": [{"text": "x"}]}]}, "contents[0].role"),
    ({"contents": "a cat"}, "contents"),
    ({"contents": [_TEXT], "systemInstruction": "be nice"}, "system_instruction"),
    ({"contents": [_TEXT], "systemInstruction": {"parts": [{"text": 1}]}}, "system_instruction.parts[0].text"),
]


@pytest.mark.parametrize("method", ["generateContent", "streamGenerateContent", "countTokens"])
@pytest.mark.parametrize(("body", "field"), MALFORMED_BODIES, ids=[f for _, f in MALFORMED_BODIES])
def test_malformed_bodies_are_400_naming_the_field(
    emulator_url: str, body: dict[str, Any], field: str, method: str
) -> None:
    url = f"{emulator_url}/v1beta/models/gemini-3-pro-image-preview:{method}"
    response = requests.post(url, json=body, params={"alt": "sse"}, timeout=30)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert field in error["message"]


def test_malformed_count_tokens_wrapper_and_upload_start_are_400(emulator_url: str) -> None:
    count = requests.post(
        f"{emulator_url}/v1beta/models/gemini-2.5-flash:countTokens", json={"generateContentRequest": "x"}, timeout=30
    )
    assert count.status_code == 400 and "generate_content_request" in count.json()["error"]["message"]
    headers = {"X-Goog-Upload-Protocol": "resumable", "X-Goog-Upload-Command": "start"}
    for meta, field in (
        ("oops", "'file'"),
        ({"mimeType": 3}, "file.mime_type"),
        ({"mimeType": "image/png", "displayName": {"a": 1}}, "file.display_name"),
        ({"mimeType": "image/png", "sizeBytes": [1]}, "content length"),
    ):
        url = f"{emulator_url}/upload/v1beta/files"
        response = requests.post(url, headers=headers, json={"file": meta}, timeout=30)
        assert response.status_code == 400, (meta, response.text)
        assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
        assert field in response.json()["error"]["message"]
