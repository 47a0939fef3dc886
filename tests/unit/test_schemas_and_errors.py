"""Request validation, error table and caller resolution: pure logic."""

from __future__ import annotations

import pytest
from firebase_functions.https_fn import FunctionsErrorCode

from imagechat import config
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
        (SendMessageRequest, {"refUrls": ["a"] * 10, "imageIds": ["b"] * 5}, "at most 14 images"),
        (SendMessageRequest, {"imageIds": ["b"] * 15}, "at most 14 images"),
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
    assert data["aspectRatio"] == "1:1" and data["usage"] == {
        "promptTokens": 0, "outputTokens": 0, "totalTokens": 0, "thoughtTokens": 0, "imageTokens": 0,
        "imagesIn": 0, "imagesOut": 0, "costUsd": 0.0,
    }
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
    monkeypatch.delenv("IMAGECHAT_LEASE_TTL_S", raising=False)
    assert config.load_settings().lease_ttl_s == config.TURN_TIMEOUT_S + 60
    assert config.Settings("p", "b", "k", None, None).lease_ttl_s > config.TURN_TIMEOUT_S


def test_every_schema_field_is_documented() -> None:
    from pydantic import BaseModel

    from imagechat import account_schemas, identity_schemas, library_schemas, project_schemas, schemas, usage_schemas

    modules = [schemas, library_schemas, project_schemas, usage_schemas, account_schemas, identity_schemas]
    undocumented = [
        f"{module.__name__}.{name}.{field}"
        for module in modules
        for name, model in vars(module).items()
        if isinstance(model, type) and issubclass(model, BaseModel) and model.__module__ == module.__name__
        for field, info in model.model_fields.items()
        if not (info.description or "").strip()
    ]
    assert undocumented == []


def test_the_model_allowlist_is_the_model_table() -> None:
    assert tuple(config.MODEL_SPECS) == config.MODELS
    assert all(name == spec.name for name, spec in config.MODEL_SPECS.items())
    assert config.DEFAULT_MODEL in config.MODELS
    assert config.image_sizes("gemini-3-pro-image-preview") == ("1K", "2K", "4K")
    assert config.image_sizes("retired-model") == (config.DEFAULT_IMAGE_SIZE,)
    described = CreateSessionRequest.model_fields["image_size"].description or ""
    assert all(size in described for spec in config.MODEL_SPECS.values() for size in spec.image_sizes)
    assert config.model_spec("retired-model").max_input_images == config.MAX_IMAGES_PER_MESSAGE


def test_settings_defaults_are_the_dataclass_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [*config.ENV_OVERRIDES.values(), "GOOGLE_GEMINI_BASE_URL", "FIREBASE_CONFIG"]:
        monkeypatch.delenv(name, raising=False)
    loaded = config.load_settings()
    bare = config.Settings(loaded.project_id, loaded.bucket, loaded.gemini_api_key, None, loaded.storage_emulator_host)
    assert loaded == bare

    monkeypatch.setenv("IMAGECHAT_HISTORY_WINDOW", "7")
    monkeypatch.setenv("IMAGECHAT_LEASE_TTL_S", "90.5")
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("FIREBASE_CONFIG", '{"projectId": "p1", "storageBucket": "b1"}')
    loaded = config.load_settings()
    assert (loaded.history_window_exchanges, loaded.lease_ttl_s) == (7, 90.5)
    assert isinstance(loaded.history_window_exchanges, int)
    assert loaded.retry_initial_delay_s == config.EMULATOR_DEFAULTS["retry_initial_delay_s"]
    assert (loaded.project_id, loaded.bucket, loaded.gemini_api_key) == ("p1", "b1", "emulator")


def test_storage_prefixes_come_from_one_helper() -> None:
    from imagechat.images.urls import chat_images_prefix, owned_by, session_prefix, uploads_prefix

    assert uploads_prefix("u1") == "uploads/u1/"
    assert session_prefix("u1", "s1") == f"{chat_images_prefix('u1')}s1/" == "chat-images/u1/s1/"
    assert owned_by("uploads/u1/x.png", "u1") and owned_by("chat-images/u1/s/x.png", "u1")
    assert not owned_by("uploads/u10/x.png", "u1") and not owned_by("uploads/u1/../u2/x.png", "u1")


@pytest.mark.parametrize("uid", ["a/b", "/", ".", "..", "__x__", "a\nb", "x" * 129])
def test_uids_that_would_break_paths_are_refused(uid: str) -> None:
    with pytest.raises(Unauthenticated, match="user id cannot be used"):
        caller_from_claims({"uid": uid})


@pytest.mark.parametrize("uid", ["abcDEF123", "partner:alice@example.com", "a.b", "_x_", "x" * 128])
def test_ordinary_uids_are_accepted(uid: str) -> None:
    assert caller_from_claims({"uid": uid}).uid == uid


def test_payload_hash_ignores_the_request_id_and_sees_everything_else() -> None:
    def digest(**fields: object) -> str:
        return parse(SendMessageRequest, {"text": "Draw a fox", "refUrls": ["a", "b"], **fields}).payload_hash()

    base = digest()
    assert digest(requestId="r1") == digest(requestId="r2") == base
    assert digest(text="  Draw a fox ") == base
    assert len({base, digest(text="Draw a bear"), digest(refUrls=["b", "a"]), digest(imageOnly=True),
                digest(aspectRatio="3:4"), digest(imageIds=["x"])}) == 6
