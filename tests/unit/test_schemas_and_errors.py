"""Request validation, error table and caller resolution: pure logic."""

from __future__ import annotations

import pytest
from firebase_functions.https_fn import FunctionsErrorCode

from imagechat.auth import Caller, acting_for, caller_from_claims
from imagechat.errors import (
    ERROR_TABLE,
    ErrorCode,
    ImageChatError,
    InvalidArgument,
    PermissionDenied,
    SessionBusy,
    Unauthenticated,
)
from imagechat.schemas import CreateSessionRequest, ListSessionsRequest, SendMessageRequest, SessionView, dump, parse


def test_every_error_code_has_one_wire_mapping() -> None:
    assert set(ERROR_TABLE) == set(ErrorCode)
    assert ERROR_TABLE[ErrorCode.SESSION_BUSY].http_status == 409
    assert ERROR_TABLE[ErrorCode.SESSION_BUSY].callable_code is FunctionsErrorCode.FAILED_PRECONDITION
    assert ERROR_TABLE[ErrorCode.NOT_FOUND].http_status == 404
    assert SessionBusy().message == "This session is busy with another message."


def test_errors_round_trip_through_their_stored_form() -> None:
    error = ImageChatError.from_dict(InvalidArgument("text: too long.").as_dict())
    assert error.code is ErrorCode.INVALID_ARGUMENT and error.message == "text: too long."
    assert error.wire.rest_status == "INVALID_ARGUMENT"


def test_send_message_accepts_the_web_payload_and_ignores_extras() -> None:
    req = parse(SendMessageRequest, {"text": "warmer", "refUrls": ["a"], "imageOnly": False,
                                     "aspectRatio": "3:4", "girlId": "x"})
    assert req.ref_urls == ["a"] and req.aspect_ratio == "3:4" and req.image_ids == []


@pytest.mark.parametrize(
    ("model", "data", "expected"),
    [
        (SendMessageRequest, {"aspectRatio": "7:1"}, "aspectRatio: must be one of"),
        (SendMessageRequest, {"refUrls": ["a", 3]}, "refUrls[1]"),
        (SendMessageRequest, {"refUrls": ["a"] * 15}, "at most 14 images"),
        (CreateSessionRequest, {"model": "dall-e"}, "model: must be one of"),
        (ListSessionsRequest, {"limit": "1000"}, "limit"),
    ],
)
def test_validation_errors_name_the_field(model: type, data: dict, expected: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse(model, data)
    assert expected in caught.value.message


def test_body_must_be_an_object() -> None:
    with pytest.raises(InvalidArgument, match="JSON object"):
        parse(SendMessageRequest, ["text"])


def test_views_dump_camel_case() -> None:
    view = SessionView(id="s", title="t", aspect_ratio="1:1", image_size="1K", model="m")
    data = dump(view)
    assert data["aspectRatio"] == "1:1" and data["usage"] == {"promptTokens": 0, "outputTokens": 0, "totalTokens": 0}
    assert data["lastImage"] is None


def test_callers_and_acting_for() -> None:
    assert caller_from_claims({"uid": "u1", "admin": True}) == Caller("u1", True)
    assert caller_from_claims({"sub": "u2", "admin": "yes"}) == Caller("u2", False)
    with pytest.raises(Unauthenticated):
        caller_from_claims(None)
    assert acting_for(Caller("u1"), None) == "u1"
    assert acting_for(Caller("u1"), "u1") == "u1"
    with pytest.raises(PermissionDenied):
        acting_for(Caller("u1"), "u2")
    assert acting_for(Caller("a", is_admin=True), "u2") == "u2"
    with pytest.raises(InvalidArgument):
        acting_for(Caller("a", is_admin=True), "../etc")


def test_the_default_lease_outlives_the_turn_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    from imagechat import config

    monkeypatch.delenv("IMAGECHAT_LEASE_TTL_S", raising=False)
    assert config.load_settings().lease_ttl_s == config.TURN_TIMEOUT_S + 60
    assert config.Settings("p", "b", "k", None, None, False).lease_ttl_s > config.TURN_TIMEOUT_S


def test_every_schema_field_is_documented() -> None:
    from pydantic import BaseModel

    from imagechat import schemas

    undocumented = [
        f"{name}.{field}"
        for name, model in vars(schemas).items()
        if isinstance(model, type) and issubclass(model, BaseModel) and model.__module__ == schemas.__name__
        for field, info in model.model_fields.items()
        if not (info.description or "").strip()
    ]
    assert undocumented == []
