"""The one error hierarchy of the backend.

Services raise `ImageChatError` (or a subclass); the web adapters turn it into an HTTP
status or an `HttpsError` using the single table `ERROR_TABLE` below. Messages are meant
for people: the adapters pass them through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from firebase_functions.https_fn import FunctionsErrorCode


class ErrorCode(StrEnum):
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    FAILED_PRECONDITION = "FAILED_PRECONDITION"
    SESSION_BUSY = "SESSION_BUSY"
    STILL_RUNNING = "STILL_RUNNING"
    CANCELLED = "CANCELLED"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    RESOURCE_EXHAUSTED = "RESOURCE_EXHAUSTED"
    # The caller's own turn quota (per day, per minute): final for this request, unlike the
    # model's RESOURCE_EXHAUSTED (which is transient and retried with the same requestId).
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    UNAVAILABLE = "UNAVAILABLE"
    INTERNAL = "INTERNAL"


@dataclass(frozen=True)
class WireError:
    """How one error code appears on each transport."""

    http_status: int
    rest_status: str  # the `error.status` string of a REST error body
    callable_code: FunctionsErrorCode


ERROR_TABLE: dict[ErrorCode, WireError] = {
    ErrorCode.INVALID_ARGUMENT: WireError(400, "INVALID_ARGUMENT", FunctionsErrorCode.INVALID_ARGUMENT),
    ErrorCode.FAILED_PRECONDITION: WireError(400, "FAILED_PRECONDITION", FunctionsErrorCode.FAILED_PRECONDITION),
    # A second send while a turn runs: 409 for REST, failed-precondition for callables (issue 4).
    ErrorCode.SESSION_BUSY: WireError(409, "FAILED_PRECONDITION", FunctionsErrorCode.FAILED_PRECONDITION),
    # A retry of a request id whose first attempt is still running.
    ErrorCode.STILL_RUNNING: WireError(409, "ABORTED", FunctionsErrorCode.ABORTED),
    # The sender of a message its user cancelled while it ran (issue 15).
    ErrorCode.CANCELLED: WireError(409, "CANCELLED", FunctionsErrorCode.CANCELLED),
    ErrorCode.NOT_FOUND: WireError(404, "NOT_FOUND", FunctionsErrorCode.NOT_FOUND),
    # REST only (a known path, another method); callables have no methods, hence unimplemented.
    ErrorCode.METHOD_NOT_ALLOWED: WireError(405, "METHOD_NOT_ALLOWED", FunctionsErrorCode.UNIMPLEMENTED),
    ErrorCode.PERMISSION_DENIED: WireError(403, "PERMISSION_DENIED", FunctionsErrorCode.PERMISSION_DENIED),
    ErrorCode.UNAUTHENTICATED: WireError(401, "UNAUTHENTICATED", FunctionsErrorCode.UNAUTHENTICATED),
    ErrorCode.RESOURCE_EXHAUSTED: WireError(429, "RESOURCE_EXHAUSTED", FunctionsErrorCode.RESOURCE_EXHAUSTED),
    # Never 409: a quota refusal says "wait", not "busy". Nothing is written, so the same requestId
    # works once the quota allows.
    ErrorCode.QUOTA_EXCEEDED: WireError(429, "RESOURCE_EXHAUSTED", FunctionsErrorCode.RESOURCE_EXHAUSTED),
    ErrorCode.UNAVAILABLE: WireError(503, "UNAVAILABLE", FunctionsErrorCode.UNAVAILABLE),
    ErrorCode.INTERNAL: WireError(500, "INTERNAL", FunctionsErrorCode.INTERNAL),
}


# Failures worth trying again: an idempotency record holding one of these is not final, so a
# retry with the same request id runs the turn again.
TRANSIENT_CODES = frozenset({ErrorCode.UNAVAILABLE, ErrorCode.RESOURCE_EXHAUSTED, ErrorCode.INTERNAL})


class ImageChatError(Exception):
    """An error with a canonical code and a message a person can act on.

    Optional extras, rendered by every adapter the same way: `retry_after_s` (REST: a
    `Retry-After` header and `error.retryAfterSeconds`; callables: `details.retryAfterSeconds`),
    `details` (callables: the HttpsError's details) and `body` (REST: extra top-level fields)."""

    code: ErrorCode = ErrorCode.INTERNAL
    retry_after_s: int | None = None
    details: dict[str, Any] | None = None
    body: dict[str, Any] | None = None

    def __init__(self, message: str, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    @property
    def wire(self) -> WireError:
        return ERROR_TABLE[self.code]

    def callable_details(self) -> dict[str, Any] | None:
        """The HttpsError's `details`: `details`, plus `retryAfterSeconds` when set."""
        if self.retry_after_s is None:
            return self.details
        return {**(self.details or {}), "retryAfterSeconds": self.retry_after_s}

    def rest_error(self) -> dict[str, Any]:
        """The `error` object of a REST error body."""
        error: dict[str, Any] = {"status": self.wire.rest_status, "message": self.message}
        if self.retry_after_s is not None:
            error["retryAfterSeconds"] = self.retry_after_s
        return error

    def rest_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)} if self.retry_after_s is not None else {}

    def as_dict(self) -> dict[str, str]:
        """The `{code, message}` stored on failed turns and idempotency records."""
        return {"code": self.code.value, "message": self.message}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> ImageChatError:
        return cls(data.get("message", "Unknown error."), ErrorCode(data.get("code", "INTERNAL")))


class InvalidArgument(ImageChatError):
    code = ErrorCode.INVALID_ARGUMENT


class FailedPrecondition(ImageChatError):
    code = ErrorCode.FAILED_PRECONDITION


class SessionBusy(ImageChatError):
    code = ErrorCode.SESSION_BUSY

    def __init__(self, message: str = "This session is busy with another message.") -> None:
        super().__init__(message)


class StillRunning(ImageChatError):
    code = ErrorCode.STILL_RUNNING

    def __init__(
        self, message: str = "This message is still being processed. Retry later for its result."
    ) -> None:
        super().__init__(message)


class Cancelled(ImageChatError):
    """The user cancelled the message while it ran: its late result is discarded."""

    code = ErrorCode.CANCELLED

    def __init__(self, message: str = "This message was cancelled.") -> None:
        super().__init__(message)


class NotFound(ImageChatError):
    code = ErrorCode.NOT_FOUND


class MethodNotAllowed(ImageChatError):
    code = ErrorCode.METHOD_NOT_ALLOWED


class PermissionDenied(ImageChatError):
    code = ErrorCode.PERMISSION_DENIED


class Unauthenticated(ImageChatError):
    code = ErrorCode.UNAUTHENTICATED

    def __init__(self, message: str = "Sign in to use this API.") -> None:
        super().__init__(message)


class ResourceExhausted(ImageChatError):
    code = ErrorCode.RESOURCE_EXHAUSTED


class Unavailable(ImageChatError):
    code = ErrorCode.UNAVAILABLE


class QuotaExceeded(ImageChatError):
    """The caller's turn quota is used up until `retry_after_s` from now (quotas.py)."""

    code = ErrorCode.QUOTA_EXCEEDED

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = max(1, retry_after_s)


class Internal(ImageChatError):
    code = ErrorCode.INTERNAL


# Wording shared by several layers (seed 002's table where it applies).
# What an unexpected error (a bug) says on every transport.
UNEXPECTED_ERROR = "Something went wrong on our side. Please try again."
SESSION_NOT_FOUND = "Chat session not found."
TURN_NOT_FOUND = "Turn not found."
PROJECT_NOT_FOUND = "Project not found."
NO_IMAGE_YET = "No active image session. Please generate an image first."
NOT_A_HEAD = "turnId: must name a complete model turn of this session."
NOT_AN_ANSWER = "turnId: must name a model turn (the answer to regenerate)."
NOT_A_PARENT = "parentTurnId: must name a complete model turn of this session (or be null)."
EDIT_PROMPT_REQUIRED = "Edit prompt is required."
NO_IMAGE_TO_MASK = (
    "mask: there is no image to edit (the turn it continues has no image); send a message without a mask first."
)
HEAD_MOVED = "mask: the session's head moved while the message was sent; send it again."
REGION_NOT_KEPT = (
    "turnId: this region edit has no stored mask to reuse (its answers were stored before masks were kept with "
    "blocked answers); send the message again with its mask."
)
GENERATION_FAILED = "Image generation failed. Please try again."
QUOTA_EXHAUSTED = "The image model is over its request quota right now. Please wait a minute and try again."
# A turn's final write kept losing to other writes on the session (very rare: busy sessions are
# refused before they contend). Transient: a retry with the same requestId runs the turn again.
SESSION_CONTENDED = "This session was too busy to save your message. Please send it again."
REQUEST_ID_REUSED = "requestId was already used for a different message."
# Firestore or Storage did not answer in time (down, stalled, past its deadline): the turn was not
# saved as answered. Transient: a retry with the same requestId runs the turn again.
STORE_UNAVAILABLE = "Our storage did not answer in time, so your message was not answered. Please send it again."
# A run that lost its lease (it outlived the expiry and another send took the session), or
# whose instance died: its turn is failed with this, and the sender is told to send again.
INTERRUPTED = "This message was interrupted before it finished. Please send it again."


class Interrupted(Unavailable):
    """The run no longer holds the session's lease: it must not write its outcome."""

    def __init__(self, message: str = INTERRUPTED) -> None:
        super().__init__(message)


# Cancelling a turn that is not running (it finished, failed, or is not a message).
NOT_RUNNING = "turnId: only a message that is still running can be cancelled."


# Seed 002's stateless edit without an image to edit (no head, or a head without an image).
NO_ACTIVE_IMAGE = "No active image session. Please generate an image first."


class FirstMessageFailed(ImageChatError):
    """A session was created but its first message (composer chat mode) failed: the send's own
    error, plus what a client needs to open the session and its failed turn. REST adds `body` at
    the top level of its error body; callables put `details` in the HttpsError's details."""

    def __init__(self, error: ImageChatError, body: dict[str, Any], details: dict[str, Any]) -> None:
        super().__init__(error.message, error.code)
        self.body = body
        self.details = details
        self.retry_after_s = error.retry_after_s
