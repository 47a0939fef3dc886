"""Send-message failure logs and bulk deletes, with fakes in place of Firestore, Storage and Gemini."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from imagechat import turn_run, turns
from imagechat.config import load_settings
from imagechat.errors import Unavailable
from imagechat.images.storage import ImageStorage
from imagechat.images.urls import UrlStyle
from imagechat.schemas import SendMessageRequest
from imagechat.store.documents import ContentPart, Session, StoredError, Turn, UserLimits
from imagechat.store.leases import TurnClaim
from imagechat.store.usage_store import QuotaState


class _FailingModel:
    def stream(self, build: Any, options: Any) -> Any:
        raise Unavailable("Image generation failed. Please try again.")


def _deps(failures: list[StoredError]) -> Any:
    session = Session(id="s1", title="t", model="gemini-2.5-flash-image", aspect_ratio="1:1", image_size="1K",
                      head_turn_id=None)
    claim = TurnClaim("lease", "u-turn", "m-turn", 0, 1, None, session)
    return SimpleNamespace(
        settings=load_settings(),
        sessions=SimpleNamespace(get=lambda uid, sid: session),
        leases=SimpleNamespace(claim=lambda *args, **kwargs: claim),
        usage=SimpleNamespace(quota_state=lambda uid, window: QuotaState(UserLimits(), 0, 0)),
        turns=SimpleNamespace(
            write_user_turn=lambda *args: None,
            set_progress=lambda *args: None,
            commit_failure=lambda uid, sid, claim, error, written: failures.append(error),
        ),
        images=None,
        model=_FailingModel(),
    )


def test_a_failed_turn_logs_its_timings(monkeypatch: pytest.MonkeyPatch) -> None:
    logged: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(turn_run.logger, "warn", lambda *args, **fields: logged.append((args[0], fields)))
    failures: list[StoredError] = []
    with pytest.raises(Unavailable):
        turns.send_message(_deps(failures), "u1", "s1", SendMessageRequest(text="Draw a fox"))
    assert failures == [StoredError(code="UNAVAILABLE", message="Image generation failed. Please try again.")]
    [(message, fields)] = logged
    assert message == "turn failed"
    assert fields["stage"] == "model" and fields["code"] == "UNAVAILABLE"
    assert fields["model"] == "gemini-2.5-flash-image"
    for key in ("totalMs", "stageMs", "inputsMs", "historyReadMs"):
        assert isinstance(fields[key], float) and fields[key] >= 0, key
    assert fields["totalMs"] >= fields["stageMs"]


class _Bucket:
    def __init__(self) -> None:
        self.bulk: list[tuple[list[Any], Any]] = []

    def delete_blobs(self, blobs: list[Any], on_error: Any = None, **bounded: Any) -> None:
        assert set(bounded) == {"timeout", "retry"}  # every call is bounded
        self.bulk.append((list(blobs), on_error))

    def list_blobs(self, prefix: str, **bounded: Any) -> list[str]:
        return [f"{prefix}a.png", f"{prefix}b.png"]

    def blob(self, path: str) -> Any:
        raise AssertionError("objects are deleted in bulk, not blob by blob")


def test_deletes_go_through_one_delete_blobs_call_that_tolerates_missing_objects() -> None:
    bucket = _Bucket()
    storage = ImageStorage(bucket, UrlStyle("b", None))  # type: ignore[arg-type]
    storage.delete(["x.png", "y.png"])
    assert storage.delete_prefix("chat-images/u/s/") == 2
    storage.delete([])
    swept = ["chat-images/u/s/a.png", "chat-images/u/s/b.png"]
    assert [blobs for blobs, _ in bucket.bulk] == [["x.png", "y.png"], swept]
    assert all(on_error is not None for _, on_error in bucket.bulk)
    bucket.bulk[0][1]("x.png")  # a NotFound handler that does not raise


def test_document_size_follows_firestore_rules() -> None:
    from imagechat.store.turn_store import document_size

    assert document_size("abc") == 4 and document_size("é") == 3
    assert document_size({"a": 1, "bb": [True, None, "x"]}) == (2 + 8) + (3 + 1 + 1 + 2)


def _model_turn(signature_bytes: int) -> Turn:
    part = ContentPart(part={"text": "done", "thought_signature": "s" * signature_bytes}, image=None)
    return Turn(role="model", index=1, text="done", images=(), status="complete", finish_reason="STOP",
                content=(part,))


def test_a_model_turn_under_the_limit_keeps_its_content(monkeypatch: pytest.MonkeyPatch) -> None:
    logged: list[Any] = []
    monkeypatch.setattr(turn_run.logger, "warn", lambda *args, **fields: logged.append(fields))
    turn = _model_turn(800_000)
    assert turn_run.fit_model_turn(turn) is turn
    assert logged == []


def test_a_model_turn_over_the_limit_drops_its_content_and_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    from imagechat import config

    logged: list[dict[str, Any]] = []
    monkeypatch.setattr(turn_run.logger, "warn", lambda *args, **fields: logged.append(fields))
    turn = _model_turn(950_000)
    fitted = turn_run.fit_model_turn(turn, turnId="m1")
    assert fitted.content == () and turn.content  # the caller's turn is left alone
    assert fitted.model_dump(exclude={"content"}) == turn.model_dump(exclude={"content"})
    [fields] = logged
    assert fields["bytes"] > config.MAX_TURN_DOCUMENT_BYTES == fields["limit"] and fields["turnId"] == "m1"
