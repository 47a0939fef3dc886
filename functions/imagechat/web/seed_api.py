"""The identity image chat's REST API as seeds 001 and 002's clients speak it: snake_case JSON on
`/api/v1/...` paths (trailing slash or not), errors as Django REST Framework clients read them.

`web/rest.py` hands every path this module `owns` to `handle`, which authenticates (the caller's
own `authenticate`), refuses non-admins on `/v1/admin/...` (403), routes with `ROUTES`, and answers
errors as `{"detail": "<message>", "error": {"status", "message"}}`, plus `{"<field>": ["<message>"]}`
for a problem with one field. The camelCase API is untouched."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flask
from firebase_functions import logger
from pydantic import BaseModel
from werkzeug import exceptions as http
from werkzeug.routing import Map, RequestRedirect, Rule

from imagechat import config, identities, profiles, reference_images
from imagechat.auth import Caller
from imagechat.deps import deps
from imagechat.errors import UNEXPECTED_ERROR, ImageChatError, Internal, InvalidArgument, MethodNotAllowed, NotFound
from imagechat.identity_schemas import (
    ContinueIdentityChatRequest,
    FieldInvalid,
    IdentityRequest,
    StartIdentityChatRequest,
    UpdateMeRequest,
    UploadReferenceRequest,
    dump_seed,
    parse_seed,
)

if TYPE_CHECKING:
    from imagechat import identity_chat
else:
    # The model-calling use cases (and google.genai) are imported by the first request that runs one.
    from imagechat.lazy import LazyModule

    identity_chat = LazyModule("imagechat.identity_chat")

PREFIXES = (
    "/v1/identity-image-chat", "/v1/admin/identity-image-chat", "/v1/identities", "/v1/admin/identities",
    "/v1/reference-images", "/v1/me",
)
Handler = Callable[[flask.Request, Caller, dict[str, str]], Any]


def owns(path: str) -> bool:
    """Whether a path (without /api and the trailing slash) is one of this API's."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in PREFIXES)


def handle(request: flask.Request, path: str, authenticate: Callable[[flask.Request], Caller]) -> flask.Response:
    try:
        caller = authenticate(request)
        if path.startswith("/v1/admin/"):
            identities.require_admin(caller)
        handler, args = _route(request.method, path, request.path)
        result = handler(request, caller, args)
        if result is None:
            return flask.Response(status=204)
        if isinstance(result, list):
            return _json([dump_seed(item) for item in result], 200)
        return _json(dump_seed(result) if isinstance(result, BaseModel) else result, 200)
    except ImageChatError as exc:
        return error_response(exc)
    except Exception as exc:  # never leak a stack trace
        logger.error("unhandled seed API error", path=request.path, error=repr(exc))
        return error_response(Internal(UNEXPECTED_ERROR))


def error_body(exc: ImageChatError) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": exc.message}
    if isinstance(exc, FieldInvalid):
        body[exc.field] = [exc.message]
    body["error"] = exc.rest_error()
    return body


def error_response(exc: ImageChatError) -> flask.Response:
    return _json(error_body(exc), exc.wire.http_status, exc.rest_headers())


def _json(body: Any, status: int, headers: dict[str, str] | None = None) -> flask.Response:
    return flask.Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def _route(method: str, path: str, shown_path: str) -> tuple[Handler, dict[str, str]]:
    try:
        handler, args = ROUTES.bind("").match(path, method)
    except (http.NotFound, RequestRedirect):
        raise NotFound(f"No such endpoint: {method} {shown_path}.") from None
    except http.MethodNotAllowed:
        raise MethodNotAllowed(f"{method} is not allowed on {shown_path}.") from None
    if method == "HEAD":
        raise MethodNotAllowed(f"{method} is not allowed on {shown_path}.")
    return handler, dict(args)


def _body(request: flask.Request) -> dict[str, Any]:
    if not request.get_data():
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidArgument("The request body must be a JSON object.")
    return data


def _user_id(request: flask.Request, body: dict[str, Any] | None = None) -> str | None:
    for fields in (request.args, request.form):  # twice: which user? (werkzeug would take the first)
        if len(fields.getlist("user_id")) > 1:
            raise FieldInvalid("user_id", "Send it once.")
    value = request.args.get("user_id") or (body or {}).get("user_id") or request.form.get("user_id")
    return value if isinstance(value, str) else None


def _is_admin_path(request: flask.Request) -> bool:
    return "/v1/admin/" in request.path


# ---------------------------------------------------------------- identity image chat


def start(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    req = parse_seed(StartIdentityChatRequest, _body(request))
    return identity_chat.start(deps(), caller, req, admin_endpoint=_is_admin_path(request))


def continue_chat(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    req = parse_seed(ContinueIdentityChatRequest, _body(request))
    return identity_chat.continue_chat(deps(), caller, req, admin_endpoint=_is_admin_path(request))


def edit_image(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    req = parse_seed(ContinueIdentityChatRequest, _body(request))
    return identity_chat.edit(deps(), caller, req, admin_endpoint=_is_admin_path(request))


def image_session(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    return identity_chat.status(deps(), caller, _user_id(request), admin_endpoint=_is_admin_path(request))


# ---------------------------------------------------------------- identities


def list_identities(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    return identities.list_identities(deps())


def get_identity(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    return identities.get_identity(deps(), args["iid"])


def create_identity(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    return identities.create_identity(deps(), caller, parse_seed(IdentityRequest, _body(request)))


def update_identity(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    return identities.update_identity(deps(), caller, args["iid"], parse_seed(IdentityRequest, _body(request)))


def delete_identity(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    identities.delete_identity(deps(), caller, args["iid"])
    return None


# ---------------------------------------------------------------- reference images, me


def upload_reference(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    file = request.files.get("file")
    if file is not None:
        uid = identities.target_user(deps(), caller, _user_id(request), admin_endpoint=False)
        return reference_images.upload_reference(deps(), uid, file.read(config.MAX_UPLOAD_BYTES + 1))
    req = parse_seed(UploadReferenceRequest, _body(request))
    uid = identities.target_user(deps(), caller, req.user_id, admin_endpoint=False)
    return reference_images.upload_reference_base64(deps(), uid, req)


def list_references(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    uid = identities.target_user(deps(), caller, _user_id(request), admin_endpoint=False)
    return reference_images.list_references(deps(), uid)


def delete_reference(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    uid = identities.target_user(deps(), caller, _user_id(request, _body(request)), admin_endpoint=False)
    reference_images.delete_reference(deps(), uid, args["rid"])
    return None


def get_me(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    uid = identities.target_user(deps(), caller, _user_id(request), admin_endpoint=False)
    return profiles.get_me(deps(), uid)


def update_me(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    req = parse_seed(UpdateMeRequest, _body(request))
    uid = identities.target_user(deps(), caller, req.user_id or _user_id(request), admin_endpoint=False)
    return profiles.update_me(deps(), uid, req)


ROUTES = Map(
    [
        # seed 001
        Rule("/v1/identity-image-chat/start", methods=["POST"], endpoint=start),
        Rule("/v1/identity-image-chat/continue", methods=["POST"], endpoint=continue_chat),
        Rule("/v1/admin/identity-image-chat/start", methods=["POST"], endpoint=start),
        Rule("/v1/admin/identity-image-chat/continue", methods=["POST"], endpoint=continue_chat),
        # seed 002
        Rule("/v1/identities/generate-image", methods=["POST"], endpoint=start),
        Rule("/v1/identities/edit-image", methods=["POST"], endpoint=edit_image),
        Rule("/v1/identities/image-session", methods=["GET"], endpoint=image_session),
        Rule("/v1/admin/identities/generate-image", methods=["POST"], endpoint=start),
        Rule("/v1/admin/identities/edit-image", methods=["POST"], endpoint=edit_image),
        Rule("/v1/admin/identities/image-session", methods=["GET"], endpoint=image_session),
        # the identity catalog
        Rule("/v1/identities", methods=["GET"], endpoint=list_identities),
        Rule("/v1/identities/<iid>", methods=["GET"], endpoint=get_identity),
        Rule("/v1/admin/identities", methods=["GET"], endpoint=list_identities),
        Rule("/v1/admin/identities", methods=["POST"], endpoint=create_identity),
        Rule("/v1/admin/identities/<iid>", methods=["GET"], endpoint=get_identity),
        Rule("/v1/admin/identities/<iid>", methods=["PATCH", "PUT"], endpoint=update_identity),
        Rule("/v1/admin/identities/<iid>", methods=["DELETE"], endpoint=delete_identity),
        # the user's reference photos and appearance
        Rule("/v1/reference-images", methods=["POST"], endpoint=upload_reference),
        Rule("/v1/reference-images", methods=["GET"], endpoint=list_references),
        Rule("/v1/reference-images/<rid>", methods=["DELETE"], endpoint=delete_reference),
        Rule("/v1/me", methods=["GET"], endpoint=get_me),
        Rule("/v1/me", methods=["PATCH"], endpoint=update_me),
    ],
    merge_slashes=False,
)
