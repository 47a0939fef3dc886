"""Firebase App Check on the REST function (the callables use firebase-functions' own
`enforce_app_check` option, set from the same switch in main.py).

Off by default and locally (App Check has no emulator): set IMAGECHAT_ENFORCE_APP_CHECK=true in the
deployment (functions/.env.<project>) once the web app is registered with App Check. Enforced, every
REST call but the health check and the OpenAPI document must carry a valid token in
`X-Firebase-AppCheck`, else it is refused with 401 and a message saying why."""

from __future__ import annotations

import os

import flask
import jwt
from firebase_admin import app_check, exceptions
from firebase_functions import logger

from imagechat.errors import Unauthenticated

ENV = "IMAGECHAT_ENFORCE_APP_CHECK"
HEADER = "X-Firebase-AppCheck"
MISSING = f"App Check is enforced: send an App Check token in the {HEADER} header (the app does this itself)."
INVALID = "Your App Check token is invalid or expired: reload the app and try again."


def enforced() -> bool:
    """Whether the deployment enforces App Check (read on each request: the environment decides)."""
    return os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes", "on")


def require_app_check(request: flask.Request) -> None:
    """Refuses a request without a valid App Check token while App Check is enforced."""
    if not enforced():
        return
    token = request.headers.get(HEADER, "").strip()
    if not token:
        raise Unauthenticated(MISSING)
    try:
        app_check.verify_token(token)
    except (ValueError, jwt.PyJWTError, exceptions.FirebaseError) as exc:
        logger.warn("rejected App Check token", error=repr(exc))
        raise Unauthenticated(INVALID) from None
