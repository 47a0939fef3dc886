"""Wire-level helpers: key casing, base64 in both alphabets, Google-style errors, timestamps."""

from __future__ import annotations

import base64
import binascii
import functools
import re
from datetime import UTC, datetime
from typing import Any

# HTTP code -> canonical google.rpc status name (the ones the Gemini API answers with).
STATUS_NAMES: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

# Messages the real API uses for injected faults of each kind.
DEFAULT_MESSAGES: dict[int, str] = {
    400: "Request contains an invalid argument.",
    401: "Request had invalid authentication credentials.",
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    409: "The operation was aborted.",
    429: "Resource has been exhausted (e.g. check quota).",
    500: "An internal error has occurred. Please retry or report in "
    "https://developers.generativeai.google/guide/troubleshooting",
    502: "The service is currently unavailable.",
    503: "The model is overloaded. Please try again later.",
    504: "The request timed out. Please try again.",
}

RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo"

# The Interactions API answers `{"error": {"code": "<string>", "message"}}`. Codes from its error
# reference (ai.google.dev/gemini-api/docs/api-errors); "unavailable" and "deadline_exceeded" (503,
# 504) are this emulator's guess: the reference seen did not show those rows.
INTERACTIONS_CODES: dict[str, str] = {
    "INVALID_ARGUMENT": "invalid_request",
    "FAILED_PRECONDITION": "failed_precondition",
    "OUT_OF_RANGE": "out_of_range",
    "UNAUTHENTICATED": "authentication",
    "PERMISSION_DENIED": "permission_denied",
    "NOT_FOUND": "not_found",
    "ALREADY_EXISTS": "already_exists",
    "ABORTED": "aborted",
    "RESOURCE_EXHAUSTED": "rate_limit_exceeded",
    "CANCELLED": "cancelled",
    "INTERNAL": "api_error",
    "UNKNOWN": "api_error",
    "UNAVAILABLE": "unavailable",
    "DEADLINE_EXCEEDED": "deadline_exceeded",
}


class ApiError(Exception):
    """An error answered in Google's `{"error": {...}}` form."""

    def __init__(
        self,
        code: int,
        message: str | None = None,
        status: str | None = None,
        details: list[dict[str, Any]] | None = None,
        *,
        interactions_code: str | None = None,
    ) -> None:
        self.code = code
        self._interactions_code = interactions_code
        self.message = message if message is not None else DEFAULT_MESSAGES.get(code, "Error.")
        self.status = status or STATUS_NAMES.get(code, "UNKNOWN")
        if details is None and code == 429:
            details = [{"@type": RETRY_INFO_TYPE, "retryDelay": "1s"}]
        self.details = details
        super().__init__(f"{self.code} {self.status}: {self.message}")

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}

    @property
    def interactions_code(self) -> str:
        if self._interactions_code:
            return self._interactions_code
        if self.code == 404 and self.message.startswith("models/"):
            return "model_not_found"
        return INTERACTIONS_CODES.get(self.status, "api_error" if self.code >= 500 else "invalid_request")

    def interactions_body(self) -> dict[str, Any]:
        """The Interactions API's form: a string code and the message."""
        return {"error": {"code": self.interactions_code, "message": self.message}}


def invalid_argument(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT")


_SNAKE = re.compile(r"_([a-z0-9])")

# Objects whose keys are user data, not API field names: never rename inside them.
_OPAQUE_KEYS = frozenset({"args", "response", "responseSchema", "responseJsonSchema", "parameters", "labels"})


def snake_to_camel(key: str) -> str:
    return _SNAKE.sub(lambda m: m.group(1).upper(), key)


def normalize_keys(value: Any) -> Any:
    """Return a copy with every snake_case key turned into camelCase (the API accepts both)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            camel = snake_to_camel(key) if isinstance(key, str) else key
            out[camel] = item if camel in _OPAQUE_KEYS else normalize_keys(item)
        return out
    if isinstance(value, list):
        return [normalize_keys(item) for item in value]
    return value


_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
_OPAQUE_SNAKE_KEYS = frozenset({"args", "response", "response_schema", "schema", "parameters", "labels"})


def normalize_keys_snake(value: Any) -> Any:
    """Return a copy with every camelCase key turned into snake_case: the Interactions API speaks
    snake_case (and, like the rest of the API, accepts camelCase)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            snake = _CAMEL.sub(lambda m: "_" + m.group(1).lower(), key) if isinstance(key, str) else key
            out[snake] = item if snake in _OPAQUE_SNAKE_KEYS else normalize_keys_snake(item)
        return out
    if isinstance(value, list):
        return [normalize_keys_snake(item) for item in value]
    return value


def has_snake_keys(value: Any) -> bool:
    """Whether any API field name in the body is snake_case (what newer SDKs send in places)."""
    if isinstance(value, dict):
        return any(
            (isinstance(key, str) and "_" in key.strip("_"))
            or (key not in _OPAQUE_KEYS and has_snake_keys(item))
            for key, item in value.items()
        )
    if isinstance(value, list):
        return any(has_snake_keys(item) for item in value)
    return False


@functools.lru_cache(maxsize=4)
def _b64decode(data: str) -> bytes:
    """Cached: a request's image is decoded for the request log and again for the model
    (a failure is not cached, so each caller raises with its own field name)."""
    text = "".join(data.split())  # drop whitespace; 10x faster than a regex on megabytes
    text = text.replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    return base64.b64decode(text, validate=True)


def b64decode_any(data: str, field: str = "data") -> bytes:
    """Decode standard or URL-safe base64, padded or not. Raises a 400 ApiError when invalid."""
    try:
        return _b64decode(data)
    except (binascii.Error, ValueError):
        shown = data if len(data) <= 40 else data[:40] + "..."
        raise invalid_argument(
            f"Invalid value at '{field}' (TYPE_BYTES), Base64 decoding failed for \"{shown}\""
        ) from None


def b64encode(data: bytes) -> str:
    """Standard alphabet with padding, as the real API answers."""
    return base64.b64encode(data).decode("ascii")


def rfc3339(moment: float) -> str:
    """A Unix timestamp in the API's format: `2025-01-01T12:00:00.123456Z`."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
