"""JSON request bodies take values of the declared types only: the OpenAPI document says
`historyTurns` is an integer and `imageOnly` a boolean, so "3", "true" and 1 are refused (400
naming the field) rather than read as 3 and true. Query parameters are text on the wire and stay
lenient (`?limit=5`). Found by reading the fuzzer's negative-data check against pydantic's lax mode."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from imagechat.errors import InvalidArgument
from imagechat.identity_schemas import FieldInvalid, IdentityRequest, parse_seed
from imagechat.schemas import (
    GetSessionRequest,
    ListSessionsRequest,
    SendMessageRequest,
    StartSessionRequest,
    UpdateSessionRequest,
    parse,
)
from imagechat.web import openapi


@pytest.mark.parametrize(("model", "body", "field"), [
    (UpdateSessionRequest, {"historyTurns": "3"}, "historyTurns"),
    (SendMessageRequest, {"text": "x", "imageOnly": "true"}, "imageOnly"),
    (SendMessageRequest, {"text": "x", "imageOnly": 1}, "imageOnly"),
    (StartSessionRequest, {"message": {"text": "x", "imageOnly": 0}}, "message.imageOnly"),
    (StartSessionRequest, {"historyTurns": 2.5}, "historyTurns"),
])
def test_a_body_value_of_another_type_is_refused_naming_the_field(model: type[BaseModel], body: dict[str, Any],
                                                                   field: str) -> None:
    with pytest.raises(InvalidArgument, match=field.replace(".", r"\.")):
        parse(model, body)


def test_values_of_the_declared_types_are_taken() -> None:
    assert parse(UpdateSessionRequest, {"historyTurns": 3}).history_turns == 3
    sent = parse(StartSessionRequest, {"message": {"text": "x", "imageOnly": True, "refUrls": ["a"]}})
    assert sent.message is not None and sent.message.image_only is True


def test_query_parameters_are_read_from_text() -> None:
    assert parse(ListSessionsRequest, {"limit": "5"}).limit == 5
    assert parse(GetSessionRequest, {"all": "true"}).all is True


def test_the_identity_api_bodies_are_strict_too() -> None:
    with pytest.raises(FieldInvalid):
        parse_seed(IdentityRequest, {"name": 5})


def test_every_documented_json_body_is_strict() -> None:
    """A body model added to the document without strictness would let "3" pass for 3 again."""
    for (method, rule), op in openapi.OPERATIONS.items():
        if op.body is not None:
            assert op.body.model_config.get("strict") is True, (method, rule, op.body.__name__)
