"""Gemini's errors → our one hierarchy, the same for both APIs: 429 → quota exhausted, 5xx and
connection failures → unavailable, any other 4xx → generation failed (our request's fault or the
model's, not the user's). generateContent raises `google.genai.errors.APIError`; the Interactions
API raises `google.genai._interactions` exceptions, which are not APIErrors."""

from __future__ import annotations

from google.genai import _interactions, errors

from imagechat.errors import (
    GENERATION_FAILED,
    QUOTA_EXHAUSTED,
    ImageChatError,
    Internal,
    ResourceExhausted,
    Unavailable,
)


def by_status(status: int | None) -> ImageChatError:
    if status == 429:
        return ResourceExhausted(QUOTA_EXHAUSTED)
    if status is None or status >= 500:
        return Unavailable(GENERATION_FAILED)
    return Internal(GENERATION_FAILED)


def map_api_error(exc: errors.APIError) -> ImageChatError:
    """A generateContent (or Files API) error."""
    if exc.code is None:
        return Internal(GENERATION_FAILED)
    return by_status(exc.code)


def map_interactions_error(exc: _interactions.GeminiNextGenAPIClientError) -> ImageChatError:
    """An Interactions API error: a status error by its HTTP status; a connection error or a
    timeout (no status) → unavailable."""
    return by_status(getattr(exc, "status_code", None))
