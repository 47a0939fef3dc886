"""Wire helpers and input validation that the SDK tests do not reach."""

from __future__ import annotations

import base64

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
