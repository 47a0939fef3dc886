"""Serves every function of functions/main.py locally, the way Firebase addresses them.

- `/{project}/us-central1/{name}`: each function, where the Firebase client SDKs look after
  `connectFunctionsEmulator(functions, "127.0.0.1", <port>)`;
- `/api/...`: the REST function `api`, as the Hosting rewrite `/api/**` → `api` does in production;
  any other path is a JSON 404.

Each function gets its own functions-framework app (`create_app`), so requests go through the
same framework code as in Cloud Functions; this module only mounts them on one port.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import flask
import functions_framework
import werkzeug
from functions_framework import execution_id
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server

from devtools.serving import serve_until_stopped
from devtools.stack import PROJECT_ID, REGION, ROOT

SOURCE = ROOT / "functions" / "main.py"
REST_FUNCTION = "api"


def function_names(module: ModuleType) -> list[str]:
    """The names a module declares with the firebase_functions decorators."""
    return sorted(
        name for name, value in vars(module).items() if callable(value) and hasattr(value, "__firebase_endpoint__")
    )


def _function_app(name: str, function: Any) -> flask.Flask:
    """A functions-framework HTTP app for an already loaded function: what create_app builds,
    through the same (private, version-pinned) helper, without executing main.py again."""
    app = flask.Flask(name)
    functions_framework._configure_app(app, function, "http")
    app.wsgi_app = execution_id.WsgiMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    return app


def create_host(project_id: str, source: Path = SOURCE) -> Any:
    # create_app executes main.py; it must run once only (firebase_functions params are global).
    rest_app = functions_framework.create_app(target=REST_FUNCTION, source=str(source))
    module = sys.modules[source.stem]
    mounts: dict[str, Any] = {"/api": rest_app}
    for name in function_names(module):
        app = rest_app if name == REST_FUNCTION else _function_app(name, getattr(module, name))
        mounts[f"/{project_id}/{REGION}/{name}"] = app
    # The REST function sees `/chat/...` here (mounted at /api) and `/api/chat/...` behind the
    # real Hosting rewrite; it accepts both.
    return DispatcherMiddleware(_no_such_function, mounts)


def _no_such_function(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """A path no function is mounted at: a JSON 404 in the API's error shape, not an HTML page."""
    path = environ.get("PATH_INFO", "")
    body = {"error": {"status": "NOT_FOUND", "message": f"No function or endpoint at {path!r}."}}
    response = werkzeug.Response(json.dumps(body), status=404, mimetype="application/json")
    return response(environ, start_response)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    args = parser.parse_args(list(argv) if argv is not None else None)

    project_id = os.environ.get("GCLOUD_PROJECT", PROJECT_ID)
    server = make_server(args.host, args.port, create_host(project_id), threaded=True)
    return serve_until_stopped(server, f"functions listening on http://{args.host}:{args.port}")


if __name__ == "__main__":
    sys.exit(main())
