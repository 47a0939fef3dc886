"""The REST API behind the Hosting rewrite /api/** (paths work with or without /api)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import flask
from firebase_admin import auth as firebase_auth
from firebase_functions import logger
from pydantic import BaseModel

from imagechat import config, sessions, turns, uploads
from imagechat.auth import Caller, acting_for, caller_from_claims
from imagechat.deps import deps
from imagechat.errors import (
    UNEXPECTED_ERROR,
    ImageChatError,
    Internal,
    InvalidArgument,
    MethodNotAllowed,
    NotFound,
    Unauthenticated,
)
from imagechat.schemas import (
    CreateSessionRequest,
    ListSessionsRequest,
    SendMessageRequest,
    UpdateSessionRequest,
    dump,
    parse,
)

Handler = Callable[[flask.Request, Caller, dict[str, str]], Any]
_ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _ROUTES.append((method, re.compile(f"^{pattern}$"), handler))
        return handler

    return register


def handle(request: flask.Request) -> flask.Response:
    """Entry point of the `api` function.

    Everything but the health check authenticates first, so an anonymous caller learns
    nothing about the routes (every such call is 401, not 404/405)."""
    path = request.path.rstrip("/") or "/"
    if path == "/api" or path.startswith("/api/"):
        path = path[len("/api") :] or "/"
    try:
        if path == "/health":
            return _json({"status": "ok", "service": "imagechat"}, 200)
        caller = _authenticate(request)
        handler, args = _resolve(request.method, path, request.path)
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


def _resolve(method: str, path: str, shown_path: str) -> tuple[Handler, dict[str, str]]:
    """The handler of a route: NotFound for an unknown path, MethodNotAllowed for another method."""
    matches = [(m, h, match) for m, rx, h in _ROUTES if (match := rx.match(path))]
    if not matches:
        raise NotFound(f"No such endpoint: {method} {shown_path}.")
    for route_method, handler, match in matches:
        if route_method == method:
            return handler, match.groupdict()
    raise MethodNotAllowed(f"{method} is not allowed on {shown_path}.")


def _json(body: Any, status: int) -> flask.Response:
    return flask.Response(json.dumps(body), status=status, mimetype="application/json")


def _error(exc: ImageChatError) -> flask.Response:
    wire = exc.wire
    return _json({"error": {"status": wire.rest_status, "message": exc.message}}, wire.http_status)


def _authenticate(request: flask.Request) -> Caller:
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


def _target(request: flask.Request, caller: Caller, body: dict[str, Any] | None = None) -> str:
    user_id = request.args.get("userId") or (body or {}).get("userId")
    return acting_for(caller, user_id)


@route("POST", "/chat/sessions")
def create_session(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    body = _body(request)
    return sessions.create_session(deps(), _target(request, caller, body), parse(CreateSessionRequest, body))


@route("GET", "/chat/sessions")
def list_sessions(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    query = {k: v for k, v in request.args.items() if k in ("limit", "cursor")}
    return sessions.list_sessions(deps(), _target(request, caller), parse(ListSessionsRequest, query))


@route("GET", "/chat/sessions/(?P<sid>[^/]+)")
def get_session(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    return sessions.get_session(deps(), _target(request, caller), args["sid"])


@route("PATCH", "/chat/sessions/(?P<sid>[^/]+)")
def update_session(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    body = _body(request)
    uid = _target(request, caller, body)
    return sessions.update_session(deps(), uid, args["sid"], parse(UpdateSessionRequest, body))


@route("DELETE", "/chat/sessions/(?P<sid>[^/]+)")
def delete_session(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    sessions.delete_session(deps(), _target(request, caller), args["sid"])
    return None


@route("POST", "/chat/sessions/(?P<sid>[^/]+)/message")
def send_message(request: flask.Request, caller: Caller, args: dict[str, str]) -> Any:
    body = _body(request)
    uid = _target(request, caller, body)
    return turns.send_message(deps(), uid, args["sid"], parse(SendMessageRequest, body))


@route("POST", "/upload/temp")
def upload_temp(request: flask.Request, caller: Caller, _: dict[str, str]) -> Any:
    uid = _target(request, caller, request.form.to_dict())
    file = request.files.get("file")
    if file is None:
        raise InvalidArgument("file: send the image as the multipart/form-data field 'file'.")
    data = file.read(config.MAX_UPLOAD_BYTES + 1)
    return uploads.upload_temp(deps(), uid, data)
