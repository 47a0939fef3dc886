"""gemini/sse.py: a client whose streamed events are parsed once answers exactly as the SDK's own
(same chunks, same errors), on a canned server-sent event stream served over loopback."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from google import genai
from google.genai import errors, types

from imagechat.gemini.sse import parse_streams_once

IMAGE = bytes(range(256)) * 64
ANSWER = [
    {"candidates": [{"content": {"role": "model", "parts": [{"text": "error-free: an image follows"}]}}]},
    {"candidates": [{"content": {"role": "model", "parts": [
        {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(IMAGE).decode()}}]},
        "finishReason": "STOP"}], "usageMetadata": {"promptTokenCount": 3, "totalTokenCount": 9}},
]
FAILED = [ANSWER[0], {"error": {"code": 500, "message": "stream broke", "status": "INTERNAL"}}]


class _Handler(BaseHTTPRequestHandler):
    events: list[dict[str, Any]] = ANSWER

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b"".join(b"data: " + json.dumps(e).encode() + b"\r\n\r\n" for e in type(self).events)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _client(url: str, once: bool) -> genai.Client:
    options = types.HttpOptions(base_url=url, retry_options=types.HttpRetryOptions(attempts=1))
    client = genai.Client(api_key="test", http_options=options)
    if once:
        parse_streams_once(client)
    return client


def _stream(client: genai.Client) -> list[dict[str, Any]]:
    chunks = client.models.generate_content_stream(model="gemini-2.5-flash-image", contents="a lighthouse")
    return [chunk.model_dump(exclude={"sdk_http_response"}) for chunk in chunks]


def test_parsed_once_the_stream_is_the_sdks_own(server: str) -> None:
    _Handler.events = ANSWER
    ours, sdk = _stream(_client(server, once=True)), _stream(_client(server, once=False))
    assert ours == sdk
    assert ours[1]["candidates"][0]["content"]["parts"][0]["inline_data"]["data"] == IMAGE


def test_an_error_event_raises_what_the_sdk_raises(server: str) -> None:
    _Handler.events = FAILED
    raised = []
    for once in (True, False):
        with pytest.raises(errors.APIError) as caught:
            _stream(_client(server, once))
        raised.append((type(caught.value), caught.value.code, caught.value.message))
    assert raised[0] == raised[1] == (errors.ServerError, 500, "stream broke")
