"""The REST API behind the Hosting rewrite /api/** (paths work with or without /api).

`handle` authenticates, then routes with the werkzeug table `ROUTES` (at the end of the file:
one line per route, naming the handler of its use case), then maps errors to HTTP statuses."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flask
from firebase_admin import auth as firebase_auth
from firebase_functions import logger
from pydantic import BaseModel
from werkzeug import exceptions as http
from werkzeug.routing import Map, RequestRedirect, Rule

from imagechat import (
    account_data,
    branches,
    cancellation,
    config,
    ledger,
    library,
    presets,
    projects,
    sessions,
    uploads,
)
from imagechat.account_schemas import DeleteAccountDataRequest
from imagechat.auth import Caller, acting_for, caller_from_claims
from imagechat.deps import deps
from imagechat.errors import (
    UNEXPECTED_ERROR,
    ImageChatError,
    Internal,
    InvalidArgument,
    MethodNotAllowed,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from imagechat.library_schemas import (
    CreatePresetRequest,
    ListLibraryRequest,
    RenameLibraryImageRequest,
    SaveToLibraryRequest,
    UpdatePresetRequest,
)
from imagechat.project_schemas import CreateProjectRequest, ListProjectsRequest, UpdateProjectRequest
from imagechat.schemas import (
    DeleteTurnRequest,
    EditImageRequest,
    GetSessionRequest,
    ListSessionsRequest,
    RegenerateRequest,
    SendMessageRequest,
    SetHeadRequest,
    StartSessionRequest,
    UpdateSessionRequest,
    dump,
    parse,
)
from imagechat.usage_schemas import GetUsageRequest, SetUserLimitsRequest
from imagechat.web import openapi, seed_api
from imagechat.web.app_check import require_app_check

if TYPE_CHECKING:
    from imagechat import composer, edits, turns
else:
    # The model-calling use cases (and google.genai) are imported by the first request that runs one.
    from imagechat.lazy import LazyModule

    composer = LazyModule("imagechat.composer")
    edits = LazyModule("imagechat.edits")
    turns = LazyModule("imagechat.turns")

# A route's handler: parses the request, names whom the call acts for, runs one use case.
Handler = Callable[[flask.Request, Caller, dict[str, str]], Any]


def handle(request: flask.Request) -> flask.Response:
    """Entry point of the `api` function.

    Everything but the health check and the OpenAPI document passes App Check (when enforced)
    and authenticates first, so an anonymous caller learns nothing about the routes (every such
    call is 401, not 404/405)."""
    path = request.path.rstrip("/") or "/"
    if path == "/api" or path.startswith("/api/"):
        path = path[len("/api") :] or "/"
    try:
        if path == openapi.HEALTH_PATH:
            return _json({"status": "ok", "service": "imagechat"}, 200)
        if path == openapi.DOCUMENT_PATH and request.method == "GET":
            return _json(openapi_document(), 200)
        if seed_api.owns(path):  # identity image chat (seeds 001/002): snake_case, DRF-style errors
            return seed_api.handle(request, path, _authenticate)
        if path.startswith("/public/"):  # published projects: readable by anyone, no token
            require_app_check(request)
            handler, args = _route(request.method, path, request.path, PUBLIC_ROUTES)
            return _json(dump(handler(request, args)), 200)
        caller = _authenticate(request)
        handler, args = _route(request.method, path, request.path)
        result = handler(request, caller, args)
        if result is None:
            return flask.Response(status=204)
        return _json(dump(result) if isinstance(result, BaseModel) else result, 200)
    except ImageChatError as exc:
        return _error(exc)
    except Exception as exc:  # last resort: never leak a stack trace
        logger.error("unhandled REST error", path=request.path, error=repr(exc))
        return _error(Internal(UNEXPECTED_ERROR))


def answer_unrouted(_: Exception) -> flask.Response:
    """The framework's 404 for a path its router would not take: answered by `handle`."""
    return handle(flask.request)


def _route(method: str, path: str, shown_path: str, routes: Map | None = None) -> tuple[Any, dict[str, str]]:
    """The handler of a route: NotFound for an unknown path, MethodNotAllowed for another method.
    A `<sid>` segment is any text without a slash (newlines and NULs included): the use case
    decides whether it names a session."""
    not_allowed = MethodNotAllowed(f"{method} is not allowed on {shown_path}.")
    try:
        handler, args = (routes or ROUTES).bind("").match(path, method)
    except (http.NotFound, RequestRedirect):
        raise NotFound(f"No such endpoint: {method} {shown_path}.") from None
    except http.MethodNotAllowed:
        raise not_allowed from None
    if method == "HEAD":  # werkzeug routes HEAD like GET; this API has never answered HEAD
        raise not_allowed
    return handler, dict(args)


def _json(body: Any, status: int, headers: dict[str, str] | None = None) -> flask.Response:
    return flask.Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def _error(exc: ImageChatError) -> flask.Response:
    """`{error: {status, message, retryAfterSeconds?}, ...body}` (`body`: e.g. the session a
    failed first message created), with `Retry-After` when the error says when to retry."""
    return _json({"error": exc.rest_error(), **(exc.body or {})}, exc.wire.http_status, exc.rest_headers())


def _authenticate(request: flask.Request) -> Caller:
    """App Check (when enforced), then the ID token."""
    require_app_check(request)
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not header[7:].strip():
        raise Unauthenticated("Sign in first: send 'Authorization: Bearer <Firebase ID token>'.")
    try:
        claims = firebase_auth.verify_id_token(header[7:].strip())
    except (ValueError, firebase_auth.InvalidIdTokenError, firebase_auth.CertificateFetchError) as exc:
        logger.warn("rejected ID token", error=repr(exc))
        raise Unauthenticated("Your sign-in token is invalid or expired; sign in again.") from None
    return caller_from_claims(claims)


def _body(request: flask.Request) -> dict[str, Any]:
    if not request.get_data():
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidArgument("The request body must be a JSON object.")
    return data


def _once(fields: Any, *names: str) -> None:
    """A query or form field that names whom a call acts for must come once: with two, which user?
    (werkzeug would silently take the first.)"""
    for name in names:
        if len(fields.getlist(name)) > 1:
            raise InvalidArgument(f"{name}: send it once (it was sent {len(fields.getlist(name))} times).")


def _form(request: flask.Request) -> dict[str, str]:
    """The multipart text fields, each sent once."""
    _once(request.form, *request.form.keys())
    return request.form.to_dict()


def _target(request: flask.Request, caller: Caller, body: dict[str, Any] | None = None) -> str:
    _once(request.args, "userId")
    user_id = request.args.get("userId") or (body or {}).get("userId")
    return acting_for(caller, user_id)


def create_session(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    body = _body(request)
    return composer.start_session(deps(), _target(request, caller, body), parse(StartSessionRequest, body))


def list_sessions(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    query = {k: v for k, v in request.args.items() if k in ("limit", "cursor")}
    return sessions.list_sessions(deps(), _target(request, caller), parse(ListSessionsRequest, query))


def get_session(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    query = {k: v for k, v in request.args.items() if k == "all"}
    return sessions.get_session(deps(), _target(request, caller), args["sid"], parse(GetSessionRequest, query))


def update_session(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    body = _body(request)
    uid = _target(request, caller, body)
    return sessions.update_session(deps(), uid, args["sid"], parse(UpdateSessionRequest, body))


def delete_session(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    sessions.delete_session(deps(), _target(request, caller), args["sid"])
    return None


def send_message(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    body = _body(request)
    uid = _target(request, caller, body)
    return turns.send_message(deps(), uid, args["sid"], parse(SendMessageRequest, body))


def edit_image(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    body = _body(request)
    return edits.edit_image(deps(), _target(request, caller, body), args["sid"], parse(EditImageRequest, body))


def set_head(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    body = _body(request)
    return branches.set_head(deps(), _target(request, caller, body), args["sid"], parse(SetHeadRequest, body))


def regenerate_turn(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    body = _body(request)
    uid = _target(request, caller, body)
    return turns.regenerate_turn(deps(), uid, args["sid"], args["tid"], parse(RegenerateRequest, body))


def delete_turn(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    body = _body(request)
    uid = _target(request, caller, body)
    branches.delete_turn(deps(), uid, args["sid"], args["tid"], parse(DeleteTurnRequest, body))
    return None


def cancel_turn(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    return cancellation.cancel_turn(deps(), _target(request, caller, _body(request)), args["sid"], args["tid"])


def create_project(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    body = _body(request)
    uid = _target(request, caller, body)
    if "sid" in args:  # POST /chat/sessions/{sid}/project
        body = {**body, "session_id": args["sid"]}
    return projects.create_project(deps(), uid, parse(CreateProjectRequest, body))


def list_projects(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    query = {k: v for k, v in request.args.items() if k == "limit"}
    return projects.list_projects(deps(), _target(request, caller), parse(ListProjectsRequest, query))


def get_project(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    return projects.get_project(deps(), _target(request, caller), args["pid"])


def update_project(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    body = _body(request)
    uid = _target(request, caller, body)
    return projects.update_project(deps(), uid, args["pid"], parse(UpdateProjectRequest, body))


def delete_project(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    projects.delete_project(deps(), _target(request, caller), args["pid"])
    return None


def get_public_project(request: flask.Request, args: dict[str, str]) -> Any:
    return projects.get_public_project(deps(), args["uid"], args["slug"])


def upload_temp(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    uid = _target(request, caller, _form(request))
    file = request.files.get("file")
    if file is None:
        raise InvalidArgument("file: send the image as the multipart/form-data field 'file'.")
    data = file.read(config.MAX_UPLOAD_BYTES + 1)
    return uploads.upload_temp(deps(), uid, data)


# ---- the image library and prompt presets (issue 10)


def save_to_library(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    """multipart `file` (+ optional `name`), or JSON `{fromUrl | storagePath, name?}`."""
    if request.files or request.mimetype == "multipart/form-data":
        form = _form(request)
        file = request.files.get("file")
        if file is None:
            raise InvalidArgument("file: send the image as the multipart/form-data field 'file'.")
        data = file.read(config.MAX_UPLOAD_BYTES + 1)
        req = parse(SaveToLibraryRequest, {"name": form.get("name"), "fileName": file.filename or None})
        return library.save_to_library(deps(), _target(request, caller, form), req, data)
    body = _body(request)
    return library.save_to_library(deps(), _target(request, caller, body), parse(SaveToLibraryRequest, body))


def list_library(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    query = {k: v for k, v in request.args.items() if k in ("limit", "cursor")}
    return library.list_library(deps(), _target(request, caller), parse(ListLibraryRequest, query))


def get_library_image(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    return library.get_library_image(deps(), _target(request, caller), args["iid"])


def rename_library_image(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    body = _body(request)
    uid = _target(request, caller, body)
    return library.rename_library_image(deps(), uid, args["iid"], parse(RenameLibraryImageRequest, body))


def delete_library_image(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    library.delete_library_image(deps(), _target(request, caller), args["iid"])
    return None


def list_presets(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    return presets.list_presets(deps(), _target(request, caller))


def create_preset(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    body = _body(request)
    return presets.create_preset(deps(), _target(request, caller, body), parse(CreatePresetRequest, body))


def update_preset(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    body = _body(request)
    uid = _target(request, caller, body)
    return presets.update_preset(deps(), uid, args["pid"], parse(UpdatePresetRequest, body))


def delete_preset(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    presets.delete_preset(deps(), _target(request, caller), args["pid"])
    return None


# ---- the account's data (issue 14)


def _delete_account_request(request: flask.Request) -> DeleteAccountDataRequest:
    query = {k: v for k, v in request.args.items() if k == "deleteAuthUser"}
    return parse(DeleteAccountDataRequest, {**_body(request), **query})


def delete_account_data(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    """DELETE /account: the caller's own data (an admin may name a user with `userId`)."""
    req = _delete_account_request(request)
    return account_data.delete_account_data(deps(), _target(request, caller), req)


def admin_delete_user_data(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    """DELETE /admin/users/{uid}/data: admins only, for any user id (an Auth user or not)."""
    if not caller.is_admin:
        raise PermissionDenied("Only an admin may delete another user's data.")
    req = _delete_account_request(request)
    return account_data.delete_account_data(deps(), acting_for(caller, args["uid"]), req)


# ---- quotas and the cost ledger (issue 14)


def get_usage(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    """`?from=&to=`; an admin names another user with `uid=` (or `userId=`)."""
    _once(request.args, "uid", "userId")
    uid = acting_for(caller, request.args.get("uid") or request.args.get("userId"))
    query = {k: v for k, v in request.args.items() if k in ("from", "to")}
    return ledger.get_usage(deps(), uid, parse(GetUsageRequest, query))


def set_user_limits(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    return ledger.set_user_limits(deps(), caller, args["uid"], parse(SetUserLimitsRequest, _body(request)))


ROUTES = Map(
    [
        Rule("/chat/sessions", methods=["POST"], endpoint=create_session),
        Rule("/chat/sessions", methods=["GET"], endpoint=list_sessions),
        Rule("/chat/sessions/<sid>", methods=["GET"], endpoint=get_session),
        Rule("/chat/sessions/<sid>", methods=["PATCH"], endpoint=update_session),
        Rule("/chat/sessions/<sid>", methods=["DELETE"], endpoint=delete_session),
        Rule("/chat/sessions/<sid>/message", methods=["POST"], endpoint=send_message),
        Rule("/chat/sessions/<sid>/head", methods=["POST"], endpoint=set_head),
        Rule("/chat/sessions/<sid>/edit", methods=["POST"], endpoint=edit_image),
        Rule("/chat/sessions/<sid>/turns/<tid>/regenerate", methods=["POST"], endpoint=regenerate_turn),
        Rule("/chat/sessions/<sid>/turns/<tid>", methods=["DELETE"], endpoint=delete_turn),
        Rule("/chat/sessions/<sid>/turns/<tid>/cancel", methods=["POST"], endpoint=cancel_turn),
        Rule("/upload/temp", methods=["POST"], endpoint=upload_temp),
        Rule("/chat/sessions/<sid>/project", methods=["POST"], endpoint=create_project),
        Rule("/v1/agents/create-project-from-image", methods=["POST"], endpoint=create_project),  # seed 003
        Rule("/projects", methods=["GET"], endpoint=list_projects),
        Rule("/projects/<pid>", methods=["GET"], endpoint=get_project),
        Rule("/projects/<pid>", methods=["PATCH"], endpoint=update_project),
        Rule("/projects/<pid>", methods=["DELETE"], endpoint=delete_project),
        # the image library and prompt presets (issue 10)
        Rule("/library", methods=["POST"], endpoint=save_to_library),
        Rule("/library", methods=["GET"], endpoint=list_library),
        Rule("/library/<iid>", methods=["GET"], endpoint=get_library_image),
        Rule("/library/<iid>", methods=["PATCH"], endpoint=rename_library_image),
        Rule("/library/<iid>", methods=["DELETE"], endpoint=delete_library_image),
        Rule("/presets", methods=["GET"], endpoint=list_presets),
        Rule("/presets", methods=["POST"], endpoint=create_preset),
        Rule("/presets/<pid>", methods=["PATCH"], endpoint=update_preset),
        Rule("/presets/<pid>", methods=["DELETE"], endpoint=delete_preset),
        # the account's data (issue 14)
        Rule("/account", methods=["DELETE"], endpoint=delete_account_data),
        Rule("/admin/users/<uid>/data", methods=["DELETE"], endpoint=admin_delete_user_data),
        # quotas and the cost ledger (issue 14)
        Rule("/usage", methods=["GET"], endpoint=get_usage),
        Rule("/admin/users/<uid>/limits", methods=["PATCH"], endpoint=set_user_limits),
    ],
    merge_slashes=False,  # a path with "//" is not ours: 404, not a redirect
)

# Answered without a token (checked before authentication).
PUBLIC_ROUTES = Map(
    [Rule("/public/projects/<uid>/<slug>", methods=["GET"], endpoint=get_public_project)],
    merge_slashes=False,
)


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route above (built once per instance)."""
    return openapi.document([ROUTES, PUBLIC_ROUTES, seed_api.ROUTES])
