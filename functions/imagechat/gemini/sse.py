"""Streamed answers parsed once, not three times.

google-genai 3.3.0 reads each server-sent event of a streamed call as JSON, dumps it back to a
string to look for an error, and hands that string to `models` which parses it again
(`BaseApiClient.request_streamed`). An answer chunk carries the whole image as base64 (~2 MB at
1K, ~30 MB at 4K): the extra dump and parse cost ~14 ms CPU per 1K image and ~0.2 s and two
30 MB copies per 4K image (measured: README "Performance"). `parse_streams_once` replaces that
method on one client with one that passes each event's text through as the server sent it (the
same JSON, so the same response) and parses only an event that may be an error, raising exactly
what the SDK raises (an event that is not JSON at all fails in `models`' parse instead of the
SDK's: a ValueError either way, mapped alike). It uses the SDK's private request helpers, as pinned in requirements.txt;
tests/unit/test_sse.py fails if an upgrade moves them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from google import genai
from google.genai import errors
from google.genai._api_client import SdkHttpResponse

# An error event is a JSON object whose first key is "error"; an answer's first key never is.
_ERROR_KEY = '"error"'
_PEEK_CHARS = 64


def parse_streams_once(client: genai.Client) -> None:
    """Makes `client`'s streamed calls parse each event once (see the module's docstring)."""
    api: Any = client._api_client

    def request_streamed(
        http_method: str, path: str, request_dict: dict[str, object], http_options: Any = None
    ) -> Iterator[SdkHttpResponse]:
        http_request = api._build_request(http_method, path, request_dict, http_options)
        session_response = api._request(http_request, http_options, stream=True)
        for chunk in session_response._iter_response_stream():
            if _ERROR_KEY in chunk[:_PEEK_CHARS]:
                _raise_if_error(chunk, session_response)
            yield SdkHttpResponse(headers=session_response.headers, body=chunk)

    api.request_streamed = request_streamed


def _raise_if_error(chunk: str, session_response: Any) -> None:
    """What the SDK does with an event: an error object raises its APIError; text that is not JSON
    raises UnknownApiResponseError (the SDK's parse of every event would)."""
    loaded = session_response._load_json_from_response(chunk)
    if isinstance(loaded, dict) and next(iter(loaded), None) == "error":
        errors.APIError.raise_error(loaded["error"].get("code"), loaded, session_response)
