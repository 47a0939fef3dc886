"""The google-genai client, configured from settings (base URL, key, retries)."""

from __future__ import annotations

from google import genai
from google.genai import types

from imagechat.config import Settings
from imagechat.errors import Unavailable
from imagechat.gemini.sse import parse_streams_once


def make_client(settings: Settings, attempts: int | None = None) -> genai.Client:
    """`attempts`: this client's own (1 for the Interactions API, whose creates must not be
    retried by the SDK); else the deployment's."""
    if not settings.gemini_api_key:
        raise Unavailable("Image generation is not configured (GEMINI_API_KEY is missing).")
    retry = types.HttpRetryOptions(
        attempts=settings.retry_attempts if attempts is None else attempts,
        initial_delay=settings.retry_initial_delay_s,
        max_delay=settings.retry_max_delay_s,
        # Quota and transient server errors only; a 4xx other than 429 will not improve.
        http_status_codes=[408, 429, 500, 502, 503, 504],
    )
    options = types.HttpOptions(
        base_url=settings.gemini_base_url,
        retry_options=retry,
        timeout=settings.request_timeout_ms,
    )
    client = genai.Client(api_key=settings.gemini_api_key, http_options=options)
    parse_streams_once(client)  # a streamed answer's image is parsed once (gemini/sse.py)
    return client
