"""Firestore writes that can lose to contention: transactions, and conditional batches.

Firestore aborts a transaction whose documents another transaction is changing; the Python
client retries it (5 attempts, keeping its place in line) and then gives up with a `ValueError`
("Failed to commit transaction in 5 attempts"). Under load — many sends to one session at once
— that happens, and it is not a bug of ours: it means someone else is writing the session right
now. `run` gives such a transaction a few more rounds, spaced by a random pause so the
contenders do not collide again in step, and then raises what the caller says the contention
means (for a lease: the session is busy).

A lease is taken without a transaction (no read locks at all): a plain read, then a batch whose
write of the session document carries a precondition on the update time that read saw
(`commit_if_unchanged`). Exactly one contender per version of the document wins; the others get
`LostRace`, read again and, seeing the winner's lease, answer busy (`retry_lost_races`).
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
# Rounds of a conditional write: each loser re-reads and normally decides on the winner's write.
LOST_RACE_ROUNDS = 5
# The random pause before a new round grows with the round: up to 0.1 s, 0.2 s, ...
PAUSE_S = 0.1


def is_contention(exc: BaseException) -> bool:
    """Whether a transaction failed because others wrote the same documents: aborted by
    Firestore, directly (a read inside the transaction) or after the client's attempts."""
    if isinstance(exc, api_exceptions.Aborted):
        return True
    return isinstance(exc, ValueError) and isinstance(exc.__cause__, api_exceptions.Aborted)


class LostRace(Exception):
    """A conditional write found its document changed (or deleted) since it was read."""


def commit_if_unchanged(batch: firestore.WriteBatch) -> None:
    """Commits a batch whose writes carry update-time preconditions; `LostRace` when one fails."""
    try:
        batch.commit()
    except api_exceptions.FailedPrecondition as exc:
        raise LostRace() from exc


def retry_lost_races(attempt: Callable[[], T], *, exhausted: Callable[[], Exception], what: str) -> T:
    """Runs `attempt` (read, decide, `commit_if_unchanged`) again after each `LostRace`, for at
    most LOST_RACE_ROUNDS rounds (each round re-reads, so a loser normally sees the winner's
    write and decides on it at once); then raises `exhausted()`."""
    for round_number in range(1, LOST_RACE_ROUNDS + 1):
        try:
            return attempt()
        except LostRace:
            logger.info("conditional write lost the race", what=what, round=round_number)
        if round_number < LOST_RACE_ROUNDS:
            _pause(round_number)
    raise exhausted()


def _pause(round_number: int) -> None:
    """A random pause before the next round, growing with the round, so contenders spread out."""
    time.sleep(random.uniform(0, PAUSE_S * round_number))


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
            _pause(round_number)
    raise exhausted()
