"""Firebase App Check (IMAGECHAT_ENFORCE_APP_CHECK): off, a request without an App Check token is
served as before; on, the REST function refuses it with 401 and a message saying what to send, and
every callable refuses it too (firebase-functions' enforce_app_check). App Check has no emulator:
the REST check runs in-process, with the real firebase_admin verifier for a malformed token and a
fake verifier for a valid one; the callables in a fresh interpreter (main.py reads the switch once)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import firebase_admin
import flask
import pytest
from google.auth.credentials import AnonymousCredentials

from imagechat.web import app_check, rest

APP = flask.Flask(__name__)
MAIN = Path(__file__).resolve().parents[2] / "functions" / "main.py"
SIGN_IN = "Sign in first: send 'Authorization: Bearer <Firebase ID token>'."


def _rest(path: str, method: str = "GET", headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    with APP.test_request_context(path, method=method, headers=headers or {}):
        response = rest.handle(flask.request)
    return response.status_code, json.loads(response.get_data())


@pytest.fixture
def enforced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(app_check.ENV, "true")


def test_off_by_default_a_request_without_a_token_is_served(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(app_check.ENV, raising=False)
    assert not app_check.enforced()
    status, body = _rest("/api/chat/sessions")
    assert (status, body["error"]["message"]) == (401, SIGN_IN)  # the ID token is what is missing
    status, body = _rest("/api/public/projects/someone/some-slug")
    assert status != 401  # reaches the use case (a 404 or a 500 without a stack is not App Check's)


@pytest.mark.usefixtures("enforced")
@pytest.mark.parametrize("path", ["/api/chat/sessions", "/api/public/projects/u/s", "/api/nothing-here"])
def test_on_a_request_without_a_token_is_refused_saying_why(path: str) -> None:
    status, body = _rest(path)
    assert status == 401
    assert body["error"] == {"status": "UNAUTHENTICATED", "message": app_check.MISSING}
    assert "X-Firebase-AppCheck" in app_check.MISSING


@pytest.mark.usefixtures("enforced")
def test_on_the_identity_api_refuses_in_its_own_error_shape() -> None:
    status, body = _rest("/api/v1/me")
    assert status == 401 and body["detail"] == app_check.MISSING and body["error"]["status"] == "UNAUTHENTICATED"


@pytest.mark.usefixtures("enforced")
def test_on_a_malformed_token_is_refused_by_the_real_verifier(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real verifier, on an app of its own (anonymous credentials: no service account here).
    app = firebase_admin.initialize_app(AnonymousCredentials(), {"projectId": "demo-imagechat"}, name="app-check")
    real = app_check.app_check.verify_token
    monkeypatch.setattr(app_check.app_check, "verify_token", lambda token: real(token, app=app))
    try:
        status, body = _rest("/api/chat/sessions", headers={app_check.HEADER: "not-a-jwt"})
    finally:
        firebase_admin.delete_app(app)
    assert (status, body["error"]["message"]) == (401, app_check.INVALID)


@pytest.mark.usefixtures("enforced")
def test_on_a_valid_token_passes_to_the_sign_in_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def verify(token: str) -> dict[str, str]:
        if token != "valid-app-check-token":
            raise ValueError("bad token")
        return {"sub": "1:123:web:abc"}

    monkeypatch.setattr(app_check.app_check, "verify_token", verify)
    status, body = _rest("/api/chat/sessions", headers={app_check.HEADER: "valid-app-check-token"})
    assert (status, body["error"]["message"]) == (401, SIGN_IN)


@pytest.mark.usefixtures("enforced")
def test_on_the_health_check_and_the_openapi_document_stay_open() -> None:
    assert _rest("/api/health")[0] == 200
    assert _rest("/api/openapi.json")[0] == 200


def test_every_callable_passes_the_switch() -> None:
    """Each `@https_fn.on_call(...)` in main.py sets enforce_app_check=_APP_CHECK."""
    decorators = [
        node for node in ast.walk(ast.parse(MAIN.read_text()))
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "https_fn.on_call"
    ]
    assert len(decorators) > 10
    for call in decorators:
        keywords = {kw.arg: ast.unparse(kw.value) for kw in call.keywords}
        assert keywords.get("enforce_app_check") == "_APP_CHECK", ast.unparse(call)


_CALL_WITHOUT_APP_CHECK = """
import json, flask, main
with flask.Flask("t").test_request_context("/", method="POST", json={"data": {}}):
    response = main.listSessions(flask.request)
print(json.dumps([response.status_code, response.get_json()]))
"""


@pytest.mark.parametrize(("switch", "message"), [("true", "Unauthenticated"), ("", "Sign in to use this API.")])
def test_callables_refuse_a_call_without_a_token_only_when_enforced(switch: str, message: str) -> None:
    env = {**os.environ, app_check.ENV: switch, "GCLOUD_PROJECT": "demo-imagechat",
           "FIREBASE_AUTH_EMULATOR_HOST": os.environ.get("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9")}
    result = subprocess.run([sys.executable, "-c", _CALL_WITHOUT_APP_CHECK], cwd=MAIN.parent, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    status, body = json.loads(result.stdout.strip().splitlines()[-1])
    assert status == 401 and body["error"] == {"status": "UNAUTHENTICATED", "message": message}
