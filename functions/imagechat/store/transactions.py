"""Firestore transactions that can lose to contention.

Firestore aborts a transaction whose documents another transaction is changing; the Python
client retries it (5 attempts, keeping its place in line) and then gives up with a `ValueError`
("Failed to commit transaction in 5 attempts"). Under load — many sends to one session at once
— that happens, and it is not a bug of ours: it means someone else is writing the session right
now. `run` gives such a transaction a few more rounds, spaced by a random pause so the
contenders do not collide again in step, and then raises what the caller says the contention
means (for a lease: the session is busy).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from firebase_functions import logger
from google.api_core import exceptions as api_exceptions
from google.cloud import firestore

T = TypeVar("T")

# Rounds of the client's own attempts; each round is up to 5 attempts.
CONTENTION_ROUNDS = 3
# The random pause before a new round grows with the round: up to 0.1 s, 0.2 s, ...
PAUSE_S = 0.1


def is_contention(exc: BaseException) -> bool:
    """Whether a transaction failed because others wrote the same documents: aborted by
    Firestore, directly (a read inside the transaction) or after the client's attempts."""
    if isinstance(exc, api_exceptions.Aborted):
        return True
    return isinstance(exc, ValueError) and isinstance(exc.__cause__, api_exceptions.Aborted)


def run(
    db: firestore.Client,
    attempt: Callable[[firestore.Transaction], T],
    *,
    before_round: Callable[[], None] | None = None,
    exhausted: Callable[[], Exception],
    what: str,
) -> T:
    """Runs `attempt` (a `@firestore.transactional` function) until it commits, for at most
    CONTENTION_ROUNDS rounds when it loses to contention; then raises `exhausted()`.

    `before_round` runs before each round outside any transaction: a cheap plain read that can
    refuse early (a visibly busy session) so that most contenders never open a transaction."""
    for round_number in range(1, CONTENTION_ROUNDS + 1):
        if before_round is not None:
            before_round()
        try:
            return attempt(db.transaction())
        except (api_exceptions.Aborted, ValueError) as exc:
            if not is_contention(exc):
                raise
            logger.info("transaction lost to contention", what=what, round=round_number)
        if round_number < CONTENTION_ROUNDS:
            time.sleep(random.uniform(0, PAUSE_S * round_number))
    raise exhausted()
