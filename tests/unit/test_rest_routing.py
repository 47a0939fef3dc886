"""The REST route table (werkzeug Map/Rule): which handler a method and path reach, the 404 and
405 answers, and authentication before any routing. No stack: the handlers are not called."""

from __future__ import annotations

import flask
import pytest

from imagechat.errors import ImageChatError, MethodNotAllowed, NotFound
from imagechat.web import rest

APP = flask.Flask(__name__)


@pytest.mark.parametrize(("method", "path", "handler", "args"), [
    ("POST", "/chat/sessions", rest.create_session, {}),
    ("GET", "/chat/sessions", rest.list_sessions, {}),
    ("GET", "/chat/sessions/abc", rest.get_session, {"sid": "abc"}),
    ("PATCH", "/chat/sessions/abc", rest.update_session, {"sid": "abc"}),
    ("DELETE", "/chat/sessions/abc", rest.delete_session, {"sid": "abc"}),
    ("POST", "/chat/sessions/abc/message", rest.send_message, {"sid": "abc"}),
    ("POST", "/upload/temp", rest.upload_temp, {}),
    # Odd ids reach the use case, which answers 404 for what cannot be a session id.
    ("GET", "/chat/sessions/abc\n", rest.get_session, {"sid": "abc\n"}),
    ("POST", "/chat/sessions/a\x00/message", rest.send_message, {"sid": "a\x00"}),
    ("DELETE", "/chat/sessions/..", rest.delete_session, {"sid": ".."}),
    ("GET", "/chat/sessions/" + "x" * 2000, rest.get_session, {"sid": "x" * 2000}),
])
def test_each_route_reaches_its_handler(method: str, path: str, handler: object, args: dict[str, str]) -> None:
    assert rest._route(method, path, path) == (handler, args)


@pytest.mark.parametrize(("method", "path", "error", "message"), [
    ("GET", "/nothing-here", NotFound, "No such endpoint: GET /api/x."),
    ("GET", "/chat/sessions/a/b", NotFound, "No such endpoint: GET /api/x."),
    ("GET", "/chat//sessions", NotFound, "No such endpoint: GET /api/x."),
    ("GET", "/\n", NotFound, "No such endpoint: GET /api/x."),
    ("PUT", "/chat/sessions", MethodNotAllowed, "PUT is not allowed on /api/x."),
    ("POST", "/chat/sessions/abc", MethodNotAllowed, "POST is not allowed on /api/x."),
    ("GET", "/upload/temp", MethodNotAllowed, "GET is not allowed on /api/x."),
    ("HEAD", "/chat/sessions", MethodNotAllowed, "HEAD is not allowed on /api/x."),
    ("OPTIONS", "/chat/sessions/abc", MethodNotAllowed, "OPTIONS is not allowed on /api/x."),
])
def test_unknown_paths_and_methods(method: str, path: str, error: type[ImageChatError], message: str) -> None:
    with pytest.raises(error) as caught:
        rest._route(method, path, "/api/x")
    assert type(caught.value) is error and caught.value.message == message


@pytest.mark.parametrize("path", ["/api/chat/sessions", "/api/nothing-here", "/chat/sessions/abc%0A", "/api/%00"])
@pytest.mark.parametrize("method", ["GET", "PUT", "POST"])
def test_an_anonymous_caller_learns_nothing_about_routes(path: str, method: str) -> None:
    with APP.test_request_context(path, method=method):
        response = rest.handle(flask.request)
    assert response.status_code == 401 and response.mimetype == "application/json"
    assert response.get_json()["error"]["status"] == "UNAUTHENTICATED"


def test_health_needs_no_token() -> None:
    for path in ("/api/health", "/health/", "/api/health"):
        with APP.test_request_context(path):
            response = rest.handle(flask.request)
        assert response.status_code == 200 and response.get_json()["status"] == "ok"
