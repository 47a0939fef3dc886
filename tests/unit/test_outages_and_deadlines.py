"""The bounded Firestore deadline takes effect on the client the backend builds, and backend outages
are told apart from bugs (503, transient, vs 500)."""

from __future__ import annotations

import pytest
import requests
from google.api_core import exceptions as api_exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore

from imagechat.outages import is_outage
from imagechat.store.deadlines import BOUNDED_METHODS, bound_deadlines, deadline_of


def test_every_firestore_call_gets_the_bounded_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:9")  # nothing is called
    db = firestore.Client(project="demo-x", credentials=AnonymousCredentials())
    assert deadline_of(db, "commit") == (60.0, 60.0)  # the client's own defaults: minutes
    assert deadline_of(db, "batch_get_documents") == (300.0, 300.0)
    bound_deadlines(db, 4.0)
    for method in BOUNDED_METHODS:
        timeout, budget = deadline_of(db, method)
        assert timeout is not None and timeout <= 4.0, method
        assert budget is None or budget <= 4.0, method


def _raised_during_rollback() -> ValueError:
    """What a transaction whose begin timed out raises: its rollback's ValueError, in the context of
    the timeout."""
    try:
        try:
            raise api_exceptions.DeadlineExceeded("deadline")
        except api_exceptions.DeadlineExceeded:
            raise ValueError("Cannot rollback transaction: not in progress.")  # noqa: B904
    except ValueError as exc:
        assert isinstance(exc.__context__, api_exceptions.DeadlineExceeded)
        return exc


@pytest.mark.parametrize(
    "exc",
    [
        api_exceptions.DeadlineExceeded("x"),
        api_exceptions.ServiceUnavailable("x"),
        api_exceptions.RetryError("x", cause=requests.ConnectionError()),
        requests.ConnectionError(),
        requests.ReadTimeout(),
        _raised_during_rollback(),
    ],
)
def test_outages(exc: BaseException) -> None:
    assert is_outage(exc)


@pytest.mark.parametrize("exc", [ValueError("bug"), KeyError("x"), api_exceptions.InvalidArgument("x")])
def test_bugs_are_not_outages(exc: BaseException) -> None:
    assert not is_outage(exc)
