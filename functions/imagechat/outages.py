"""Whether a failure means a backend did not answer: Firestore or Storage down, stalled, or past
the deadline the backend gives it (config: IMAGECHAT_FIRESTORE_DEADLINE_S,
IMAGECHAT_STORAGE_DEADLINE_S). Such a failure is transient — answered 503 and worth sending
again — not a bug of ours (500)."""

from __future__ import annotations

import requests
from google.api_core import exceptions as api_exceptions

_OUTAGES: tuple[type[BaseException], ...] = (
    api_exceptions.DeadlineExceeded,  # Firestore: no answer within the deadline
    api_exceptions.ServiceUnavailable,  # Firestore: cannot connect
    api_exceptions.RetryError,  # Storage (or Firestore): the retries ran out of time
    requests.ConnectionError,  # Storage: cannot connect
    requests.Timeout,  # Storage: no answer within the deadline
)


def is_outage(exc: BaseException) -> bool:
    """Whether `exc`, or what caused it (a failed rollback after a commit that timed out raises a
    ValueError whose context is the timeout), is a backend not answering."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, _OUTAGES):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
