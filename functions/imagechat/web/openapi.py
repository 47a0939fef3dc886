"""The OpenAPI 3.1 document of the REST API, built from the werkzeug route tables and the pydantic
schemas, so it cannot drift from either: `document` walks every rule of the tables it is given and
looks each (method, rule) up in `OPERATIONS` below; a rule without an entry, or an entry without a
rule, is an error (the test and the served /api/openapi.json both fail). Request and response bodies
are the JSON Schemas of the very models the adapters parse and dump.

Served at GET /api/openapi.json (no token) and committed as docs/openapi.json."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from werkzeug.routing import Map

from imagechat import config
from imagechat.account_schemas import DeleteAccountDataRequest, DeleteAccountDataResponse
from imagechat.identity_schemas import (
    ContinueIdentityChatRequest,
    IdentityChatStatus,
    IdentityImageResponse,
    IdentityRequest,
    IdentityView,
    MeView,
    ReferenceImageView,
    StartIdentityChatRequest,
    UpdateMeRequest,
    UploadReferenceRequest,
)
from imagechat.library_schemas import (
    CreatePresetRequest,
    LibraryImageResponse,
    ListLibraryRequest,
    ListLibraryResponse,
    ListPresetsResponse,
    PresetResponse,
    RenameLibraryImageRequest,
    SaveToLibraryRequest,
    UpdatePresetRequest,
)
from imagechat.project_schemas import (
    CreateProjectRequest,
    CreateProjectResponse,
    ListProjectsRequest,
    ListProjectsResponse,
    ProjectResponse,
    UpdateProjectRequest,
)
from imagechat.schemas import (
    CancelTurnResponse,
    CreateAndSendResponse,
    CreateSessionResponse,
    DeleteTurnRequest,
    EditImageRequest,
    GetSessionRequest,
    GetSessionResponse,
    ListSessionsRequest,
    ListSessionsResponse,
    RegenerateRequest,
    SendMessageRequest,
    SendMessageResponse,
    SetHeadRequest,
    StartSessionRequest,
    UpdateSessionRequest,
    UpdateSessionResponse,
    UploadTempResponse,
)
from imagechat.usage_schemas import GetUsageRequest, LimitsResponse, SetUserLimitsRequest, UsageResponse

# Answered by `rest.handle` itself, before any route table (no token).
HEALTH_PATH = "/health"
DOCUMENT_PATH = "/openapi.json"
UNROUTED = frozenset({("GET", HEALTH_PATH), ("GET", DOCUMENT_PATH)})

# A response body: a model, a list of a model, several models (any of them), or a literal schema.
Body = type[BaseModel] | tuple[type[BaseModel], ...] | dict[str, Any]


@dataclass(frozen=True)
class Multipart:
    """A multipart/form-data body: `file` (the image) plus text fields."""

    fields: dict[str, str] = field(default_factory=dict)  # name -> description
    file_required: bool = True


@dataclass(frozen=True)
class Op:
    """What one (method, rule) takes and answers."""

    summary: str
    response: Body | None  # None: 204 without a body
    body: type[BaseModel] | None = None  # JSON body (validation-mode schema of the model the adapter parses)
    body_required: bool = False
    drop: tuple[str, ...] = ()  # body fields the route takes from its path instead
    query: type[BaseModel] | None = None
    acting_for: bool = True  # the `userId` / `user_id` query parameter (admins act for a user)
    multipart: Multipart | None = None
    model_call: bool = False  # calls the image model (documented; the fuzz test bounds these)
    api: Literal["rest", "seed", "public"] = "rest"
    tag: str = "sessions"


_FILE_DOC = f"The image (PNG, JPEG, WebP, HEIC or GIF), at most {config.MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
_IDENTITY_LIST = {"type": "array", "items": IdentityView}


def _seed(summary: str, response: Body | None, body: type[BaseModel] | None = None, **more: Any) -> Op:
    """An operation of the /v1 identity image chat API (seeds 001/002)."""
    return Op(summary, response, body, api="seed", tag="identity image chat", **more)


def _identities(summary: str, response: Body | None, body: type[BaseModel] | None = None, **more: Any) -> Op:
    """An operation on the identity catalog (no acting for another user)."""
    return Op(summary, response, body, api="seed", tag="identities", acting_for=False, **more)



# (method, werkzeug rule) -> operation. One line per route of rest.ROUTES, rest.PUBLIC_ROUTES and
# seed_api.ROUTES; the test proves the tables and this one hold the same (method, rule) pairs.
OPERATIONS: dict[tuple[str, str], Op] = {
    ("POST", "/chat/sessions"): Op(
        "Create a session (optionally opened on an image and/or with its first message)",
        (CreateAndSendResponse, CreateSessionResponse), StartSessionRequest, model_call=True),
    ("GET", "/chat/sessions"): Op("List the caller's sessions, newest first", ListSessionsResponse,
                                  query=ListSessionsRequest),
    ("GET", "/chat/sessions/<sid>"): Op("A session with its turns", GetSessionResponse, query=GetSessionRequest),
    ("PATCH", "/chat/sessions/<sid>"): Op("Update a session's settings", UpdateSessionResponse, UpdateSessionRequest),
    ("DELETE", "/chat/sessions/<sid>"): Op("Delete a session, its turns and images", None),
    ("POST", "/chat/sessions/<sid>/message"): Op(
        "Send a message (runs a turn)", SendMessageResponse, SendMessageRequest, body_required=True, model_call=True),
    ("POST", "/chat/sessions/<sid>/head"): Op(
        "Move the head (undo/redo, switch branch)", UpdateSessionResponse, SetHeadRequest, body_required=True),
    ("POST", "/chat/sessions/<sid>/edit"): Op(
        "A stateless edit of the head's image", SendMessageResponse, EditImageRequest, body_required=True,
        model_call=True),
    ("POST", "/chat/sessions/<sid>/turns/<tid>/regenerate"): Op(
        "Answer the same message again (a sibling answer)", SendMessageResponse, RegenerateRequest, model_call=True),
    ("DELETE", "/chat/sessions/<sid>/turns/<tid>"): Op(
        "Delete a turn and everything below it", None, DeleteTurnRequest),
    ("POST", "/chat/sessions/<sid>/turns/<tid>/cancel"): Op(
        "Cancel a running message (its late result is discarded)", CancelTurnResponse),
    ("DELETE", "/account"): Op(
        "Delete every piece of the caller's data (resumable; answers counts)", DeleteAccountDataResponse,
        query=DeleteAccountDataRequest, tag="account"),
    ("DELETE", "/admin/users/<uid>/data"): Op(
        "Delete a user's data (admin)", DeleteAccountDataResponse, query=DeleteAccountDataRequest,
        acting_for=False, tag="account"),
    ("GET", "/usage"): Op("Usage and cost by UTC day, limits and what is left", UsageResponse,
                          query=GetUsageRequest, tag="usage"),
    ("PATCH", "/admin/users/<uid>/limits"): Op(
        "Set a user's turn limits (admin)", LimitsResponse, SetUserLimitsRequest, body_required=True,
        acting_for=False, tag="usage"),
    ("POST", "/upload/temp"): Op(
        "Upload an image for a message (temp upload)", UploadTempResponse, acting_for=False, tag="uploads",
        multipart=Multipart({"userId": "Admins: the user to upload for."})),
    ("POST", "/chat/sessions/<sid>/project"): Op(
        "Publish a session as a project (writes an AI summary)", CreateProjectResponse, CreateProjectRequest,
        drop=("sessionId",), model_call=True, tag="projects"),
    ("POST", "/v1/agents/create-project-from-image"): Op(
        "Seed 003: publish a session as a project (snake_case accepted too)", CreateProjectResponse,
        CreateProjectRequest, body_required=True, model_call=True, tag="projects"),
    ("GET", "/projects"): Op("List the caller's projects", ListProjectsResponse, query=ListProjectsRequest,
                             tag="projects"),
    ("GET", "/projects/<pid>"): Op("A project, by id or slug", ProjectResponse, tag="projects"),
    ("PATCH", "/projects/<pid>"): Op("Update a project", ProjectResponse, UpdateProjectRequest, tag="projects"),
    ("DELETE", "/projects/<pid>"): Op("Delete a project and its images", None, tag="projects"),
    ("GET", "/public/projects/<uid>/<slug>"): Op(
        "A public project (no token)", ProjectResponse, api="public", acting_for=False, tag="projects"),
    ("POST", "/library"): Op(
        "Save an image to the library: multipart `file`, or JSON naming an upload or output",
        LibraryImageResponse, SaveToLibraryRequest, tag="library",
        multipart=Multipart({"name": "Display name.", "userId": "Admins: the user to save for."})),
    ("GET", "/library"): Op("List the library, newest first", ListLibraryResponse, query=ListLibraryRequest,
                            tag="library"),
    ("GET", "/library/<iid>"): Op("A library image", LibraryImageResponse, tag="library"),
    ("PATCH", "/library/<iid>"): Op("Rename a library image", LibraryImageResponse, RenameLibraryImageRequest,
                                    body_required=True, tag="library"),
    ("DELETE", "/library/<iid>"): Op("Delete a library image", None, tag="library"),
    ("GET", "/presets"): Op("Built-in and own prompt presets", ListPresetsResponse, tag="presets"),
    ("POST", "/presets"): Op("Create a prompt preset", PresetResponse, CreatePresetRequest, body_required=True,
                             tag="presets"),
    ("PATCH", "/presets/<pid>"): Op("Update a prompt preset", PresetResponse, UpdatePresetRequest, tag="presets"),
    ("DELETE", "/presets/<pid>"): Op("Delete a prompt preset", None, tag="presets"),
    # seed 001
    ("POST", "/v1/identity-image-chat/start"): _seed(
        "Seed 001: start an identity image chat", IdentityImageResponse, StartIdentityChatRequest,
        body_required=True, model_call=True),
    ("POST", "/v1/identity-image-chat/continue"): _seed(
        "Seed 001: edit the identity chat's image", IdentityImageResponse, ContinueIdentityChatRequest,
        body_required=True, model_call=True),
    ("POST", "/v1/admin/identity-image-chat/start"): _seed(
        "Seed 001 (admin, `user_id` required): start for a user", IdentityImageResponse, StartIdentityChatRequest,
        body_required=True, model_call=True),
    ("POST", "/v1/admin/identity-image-chat/continue"): _seed(
        "Seed 001 (admin, `user_id` required): continue for a user", IdentityImageResponse,
        ContinueIdentityChatRequest, body_required=True, model_call=True),
    # seed 002
    ("POST", "/v1/identities/generate-image"): _seed(
        "Seed 002: generate an image of the user as an identity", IdentityImageResponse, StartIdentityChatRequest,
        body_required=True, model_call=True),
    ("POST", "/v1/identities/edit-image"): _seed(
        "Seed 002: a stateless edit of the identity chat's image", IdentityImageResponse,
        ContinueIdentityChatRequest, body_required=True, model_call=True),
    ("GET", "/v1/identities/image-session"): _seed("Seed 002: the identity chat's status", IdentityChatStatus),
    ("POST", "/v1/admin/identities/generate-image"): _seed(
        "Seed 002 (admin): generate for a user", IdentityImageResponse, StartIdentityChatRequest,
        body_required=True, model_call=True),
    ("POST", "/v1/admin/identities/edit-image"): _seed(
        "Seed 002 (admin): edit for a user", IdentityImageResponse, ContinueIdentityChatRequest,
        body_required=True, model_call=True),
    ("GET", "/v1/admin/identities/image-session"): _seed(
        "Seed 002 (admin): a user's identity chat status", IdentityChatStatus),
    # the identity catalog
    ("GET", "/v1/identities"): _identities("The identity catalog", _IDENTITY_LIST),
    ("GET", "/v1/identities/<iid>"): _identities("An identity", IdentityView),
    ("GET", "/v1/admin/identities"): _identities("The identity catalog (admin)", _IDENTITY_LIST),
    ("POST", "/v1/admin/identities"): _identities("Create an identity (admin)", IdentityView, IdentityRequest,
                                         body_required=True),
    ("GET", "/v1/admin/identities/<iid>"): _identities("An identity (admin)", IdentityView),
    ("PATCH", "/v1/admin/identities/<iid>"): _identities("Update an identity (admin)", IdentityView, IdentityRequest),
    ("PUT", "/v1/admin/identities/<iid>"): _identities(
        "Update an identity (admin; as PATCH)", IdentityView, IdentityRequest),
    ("DELETE", "/v1/admin/identities/<iid>"): _identities("Delete an identity (admin)", None),
    # reference photos and appearance
    ("POST", "/v1/reference-images"): Op(
        "Upload a reference photo: multipart `file`, or JSON `image_base64`", ReferenceImageView,
        UploadReferenceRequest, api="seed", tag="me", acting_for=False,
        multipart=Multipart({"user_id": "Admins: the user to upload for."})),
    ("GET", "/v1/reference-images"): Op("The user's reference photos", {"type": "array", "items": ReferenceImageView},
                                        api="seed", tag="me"),
    ("DELETE", "/v1/reference-images/<rid>"): Op("Delete a reference photo", None, api="seed", tag="me"),
    ("GET", "/v1/me"): Op("The user's appearance and identity chat", MeView, api="seed", tag="me"),
    ("PATCH", "/v1/me"): Op("Replace the user's appearance", MeView, UpdateMeRequest, body_required=True,
                            api="seed", tag="me"),
}


def rule_methods(routes: Iterable[Map]) -> set[tuple[str, str]]:
    """Every (method, rule) the route tables answer (HEAD aside: werkzeug adds it, the API refuses it)."""
    return {
        (method, rule.rule)
        for table in routes
        for rule in table.iter_rules()
        for method in rule.methods or ()
        if method != "HEAD"
    }


def document(routes: Iterable[Map]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the routes in `routes` (each must have an `OPERATIONS` entry)."""
    routed = rule_methods(routes)
    missing = sorted(routed - OPERATIONS.keys())
    extra = sorted(OPERATIONS.keys() - routed)
    if missing or extra:
        raise ValueError(f"openapi.OPERATIONS out of date: undocumented routes {missing}, unknown entries {extra}")
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {
        "/api" + HEALTH_PATH: {"get": _unrouted("Health check", {"type": "object", "properties": {
            "status": {"const": "ok"}, "service": {"type": "string"}}, "required": ["status", "service"]})},
        "/api" + DOCUMENT_PATH: {"get": _unrouted("This document", {"type": "object"})},
    }
    for (method, rule), op in sorted(OPERATIONS.items(), key=lambda item: (item[0][1], item[0][0])):
        paths.setdefault(_path(rule), {})[method.lower()] = _operation(method, rule, op, schemas)
    paths, model_schemas = schemas.resolve(paths)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Image Chat REST API",
            "version": "1.0.0",
            "description": (
                "Conversational image editing. Every path is under /api (the Hosting rewrite; the functions "
                "host also answers without it). Authenticate with a Firebase ID token "
                "(`Authorization: Bearer <token>`); with App Check enforced (IMAGECHAT_ENFORCE_APP_CHECK) "
                "send `X-Firebase-AppCheck: <token>` too. Admins (custom claim `admin: true`) may act for "
                "another user with `userId` (camelCase API) or `user_id` (the /v1 identity API). Errors: "
                "`{\"error\": {\"status\", \"message\"}}`; the /v1 identity API adds `detail` and "
                "`{<field>: [message]}` as Django REST Framework clients expect. Request bodies ignore unknown "
                "fields. The same use cases are callables for the mobile apps (docs/api.md)."
            ),
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": name} for name in
                 ("sessions", "uploads", "library", "presets", "projects", "identity image chat", "identities",
                  "me", "usage", "account", "service")],
        "paths": paths,
        "components": {
            "schemas": {**model_schemas, **_ERROR_SCHEMAS},
            "securitySchemes": {
                "firebaseIdToken": {
                    "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                    "description": "A Firebase Auth ID token of the signed-in user.",
                },
            },
            "responses": {name: _error_response(name, schema) for name, schema in
                          (("Error", "Error"), ("SeedError", "SeedError"))},
        },
        "security": [{"firebaseIdToken": []}],
    }


# ---------------------------------------------------------------- pieces

_ERROR_SCHEMAS: dict[str, Any] = {
    "ErrorDetail": {
        "type": "object",
        "properties": {
            "status": {"type": "string", "description": "Canonical status, e.g. INVALID_ARGUMENT, NOT_FOUND."},
            "message": {"type": "string", "description": "What went wrong, for people."},
        },
        "required": ["status", "message"],
    },
    "Error": {
        "type": "object",
        "description": "Every error of the camelCase API. A session created before its first message failed "
        "adds `id` and `session` at the top level.",
        "properties": {"error": {"$ref": "#/components/schemas/ErrorDetail"}},
        "required": ["error"],
    },
    "SeedError": {
        "type": "object",
        "description": "Errors of the /v1 identity API: `detail`, `error`, and for a problem with one field "
        "`{<field>: [message]}`.",
        "properties": {"detail": {"type": "string"}, "error": {"$ref": "#/components/schemas/ErrorDetail"}},
        "required": ["detail", "error"],
    },
}
# The statuses any operation may answer with an error body (errors.ERROR_TABLE).
_ERROR_STATUSES = {
    "400": "Invalid argument or failed precondition (the message names the field).",
    "401": "No or invalid ID token (or App Check token, when enforced).",
    "403": "Not allowed (another user's data, admin only).",
    "404": "No such resource, or no such endpoint.",
    "405": "The path exists, the method does not.",
    "409": "The session is busy with another turn, or the request id's first attempt is still running.",
    "429": "Over a quota (the model's, or the user's).",
    "500": "A bug on our side (never a stack trace).",
    "503": "The model or a backend is unavailable; retry (with the same requestId).",
}


class _Schemas:
    """Collects the models the operations use; `resolve` renders them once with shared definitions,
    replacing the placeholders `ref` handed out by the names pydantic chose."""

    def __init__(self) -> None:
        self.models: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = []

    def ref(self, model: type[BaseModel], mode: Literal["validation", "serialization"]) -> dict[str, Any]:
        if (model, mode) not in self.models:
            self.models.append((model, mode))
        return {"$ref": f"{_PLACEHOLDER}{self.models.index((model, mode))}"}

    def resolve(self, paths: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(paths with real references, the component schemas)."""
        keys, top = models_json_schema(self.models, by_alias=True, ref_template="#/components/schemas/{model}")
        targets = [keys[key]["$ref"] for key in self.models]

        def walk(node: Any) -> Any:
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith(_PLACEHOLDER):
                    return {**node, "$ref": targets[int(ref.removeprefix(_PLACEHOLDER))]}
                return {key: walk(value) for key, value in node.items()}
            if isinstance(node, list):
                return [walk(item) for item in node]
            return node

        return walk(paths), dict(top.get("$defs", {}))


_PLACEHOLDER = "#placeholder/"


def _path(rule: str) -> str:
    return "/api" + rule.replace("<", "{").replace(">", "}")


def _unrouted(summary: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "summary": summary, "tags": ["service"], "security": [],
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}},
    }


def _error_response(name: str, schema: str) -> dict[str, Any]:
    return {"description": f"An error ({name})", "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _operation(method: str, rule: str, op: Op, schemas: _Schemas) -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[^/]+$"}}
        for name in _path_names(rule)
    ]
    if op.query is not None:
        parameters += _query_parameters(op.query)
    if op.acting_for:
        name = "user_id" if op.api == "seed" else "userId"
        parameters.append({"name": name, "in": "query", "required": False, "schema": {"type": "string"},
                           "description": "Admins: the user to act for; others omit it (or give their own uid)."})
    error_ref = {"$ref": "#/components/responses/" + ("SeedError" if op.api == "seed" else "Error")}
    responses: dict[str, Any] = {}
    if op.response is None:
        responses["204"] = {"description": "Done; no body."}
    else:
        responses["200"] = {"description": "OK", "content": {"application/json": {
            "schema": _response_schema(op.response, schemas)}}}
    responses.update({status: error_ref for status in _ERROR_STATUSES})
    operation: dict[str, Any] = {
        "operationId": _operation_id(method, rule),
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": parameters,
        "responses": responses,
    }
    if op.model_call:
        operation["x-model-call"] = True
        operation["description"] = "Calls the image model: 10–60 s in production."
    if op.api == "public":
        operation["security"] = []
    content: dict[str, Any] = {}
    if op.body is not None:
        content["application/json"] = {"schema": _body_schema(op, schemas)}
    if op.multipart is not None:
        content["multipart/form-data"] = {"schema": _multipart_schema(op.multipart)}
    if content:
        operation["requestBody"] = {"required": op.body_required or (op.multipart is not None and op.body is None),
                                    "content": content}
    return operation


def _path_names(rule: str) -> list[str]:
    return [part[1:-1] for part in rule.split("/") if part.startswith("<")]


def _operation_id(method: str, rule: str) -> str:
    words = [part.strip("<>").replace("-", "_").replace(".", "_") for part in rule.split("/") if part]
    return method.lower() + "_" + "_".join(words)


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required,
         "description": prop.pop("description", ""), "schema": _not_null(prop)}
        for name, prop in schema["properties"].items()
    ]


def _not_null(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or text: `anyOf [X, null]` is X."""
    options = [option for option in prop.get("anyOf", []) if option != {"type": "null"}]
    if len(options) == 1:
        rest = {key: value for key, value in prop.items() if key != "anyOf" and value is not None}
        return {**rest, **options[0]}
    return prop


def _body_schema(op: Op, schemas: _Schemas) -> dict[str, Any]:
    assert op.body is not None
    if not op.drop:
        return schemas.ref(op.body, "validation")
    schema = copy.deepcopy(op.body.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}"))
    for name in op.drop:
        schema["properties"].pop(name, None)
        schema["required"] = [item for item in schema.get("required", []) if item != name]
    if not schema["required"]:
        del schema["required"]
    schema.pop("title", None)
    return schema


def _multipart_schema(form: Multipart) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "file": {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream",
                 "description": _FILE_DOC},
    }
    properties.update({name: {"type": "string", "description": doc} for name, doc in form.fields.items()})
    return {"type": "object", "properties": properties, "required": ["file"] if form.file_required else []}


def _response_schema(body: Body, schemas: _Schemas) -> dict[str, Any]:
    if isinstance(body, tuple):
        return {"anyOf": [schemas.ref(model, "serialization") for model in body]}
    if isinstance(body, dict):
        items = body.get("items")
        if isinstance(items, type) and issubclass(items, BaseModel):
            return {**body, "items": schemas.ref(items, "serialization")}
        return body
    return schemas.ref(body, "serialization")
