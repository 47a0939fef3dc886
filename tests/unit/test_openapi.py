"""The OpenAPI document (docs/openapi.json, GET /api/openapi.json) against the implementation: the
same (method, path) pairs as the werkzeug route tables, the same request models as the handlers
parse, a valid OpenAPI 3.1 document, and the committed copy current. No stack needed."""

from __future__ import annotations

import inspect
import json
import re

import flask
import pytest
from openapi_spec_validator import validate
from werkzeug.routing import Map

from devtools import openapi as writer
from imagechat.web import openapi, rest, seed_api

TABLES: list[Map] = [rest.ROUTES, rest.PUBLIC_ROUTES, seed_api.ROUTES]
DOC = rest.openapi_document()
METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


def _documented() -> set[tuple[str, str]]:
    return {
        (method.upper(), path.removeprefix("/api").replace("{", "<").replace("}", ">"))
        for path, item in DOC["paths"].items()
        for method in item
        if method in METHODS
    }


def test_every_route_is_documented_with_its_methods_and_nothing_else() -> None:
    routed = openapi.rule_methods(TABLES) | openapi.UNROUTED
    assert _documented() == routed
    assert len(routed) > 45  # the tables were found


def test_it_is_a_valid_openapi_3_1_document() -> None:
    assert DOC["openapi"] == "3.1.0"
    validate(DOC)


def test_the_committed_copy_is_current() -> None:
    committed = writer.DOCUMENT.read_text()
    assert committed == writer.rendered(), "docs/openapi.json is stale: run `make openapi`"


@pytest.mark.parametrize("rule", [rule for table in TABLES for rule in table.iter_rules()], ids=lambda r: r.rule)
def test_each_route_documents_the_models_its_handler_parses(rule: object) -> None:
    """The request body and query models in the document are the ones the handler validates with."""
    endpoint = rule.endpoint  # type: ignore[attr-defined]
    source = inspect.getsource(endpoint)
    for helper in re.findall(r"\b(_\w+)\(", source):  # a private helper that parses for it, one level down
        function = endpoint.__globals__.get(helper)
        if inspect.isfunction(function):
            source += inspect.getsource(function)
    parsed = set(re.findall(r"parse(?:_seed)?\((\w+)", source))
    for method in rule.methods - {"HEAD"}:  # type: ignore[attr-defined]
        op = openapi.OPERATIONS[(method, rule.rule)]  # type: ignore[attr-defined]
        documented = {model.__name__ for model in (op.body, op.query) if model is not None}
        assert documented == parsed, (method, rule.rule)  # type: ignore[attr-defined]


def test_a_route_without_an_entry_fails_the_build() -> None:
    from werkzeug.routing import Rule

    with pytest.raises(ValueError, match="undocumented routes"):
        openapi.document([Map([Rule("/new-thing", methods=["POST"], endpoint=rest.create_session)])])


def test_errors_are_documented_in_the_shape_the_adapters_answer() -> None:
    schemas = DOC["components"]["schemas"]
    assert schemas["ErrorDetail"]["required"] == ["status", "message"]
    message = DOC["paths"]["/api/chat/sessions/{sid}/message"]["post"]
    assert message["responses"]["409"] == {"$ref": "#/components/responses/Error"}
    seed = DOC["paths"]["/api/v1/me"]["get"]
    assert seed["responses"]["404"] == {"$ref": "#/components/responses/SeedError"}
    upload = DOC["paths"]["/api/upload/temp"]["post"]["requestBody"]["content"]
    assert upload["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
    assert DOC["components"]["securitySchemes"]["firebaseIdToken"]["scheme"] == "bearer"


def test_the_document_is_served_without_a_token() -> None:
    app = flask.Flask(__name__)
    for path in ("/api/openapi.json", "/openapi.json"):
        with app.test_request_context(path, method="GET"):
            response = rest.handle(flask.request)
        assert response.status_code == 200 and response.mimetype == "application/json"
        assert json.loads(response.get_data()) == DOC
