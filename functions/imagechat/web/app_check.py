"""Firebase App Check on the REST function (the callables use firebase-functions' own
`enforce_app_check` option, set from the same switch in main.py).

Off by default and locally (App Check has no emulator): set IMAGECHAT_ENFORCE_APP_CHECK=true in the
deployment (functions/.env.<project>) once the web app is registered with App Check. Enforced, every
REST call but the health check and the OpenAPI document must carry a valid token in
`X-Firebase-AppCheck`, else it is refused with 401 and a message saying why."""

from __future__ import annotations

import flask
import jwt
from firebase_admin import app_check, exceptions
from firebase_functions import logger

from imagechat.config import ENFORCE_APP_CHECK_ENV, app_check_enforced
from imagechat.errors import Unauthenticated

ENV = ENFORCE_APP_CHECK_ENV
HEADER = "X-Firebase-AppCheck"
MISSING = f"App Check is enforced: send an App Check token in the {HEADER} header (the app does this itself)."
INVALID = "Your App Check token is invalid or expired: reload the app and try again."


def enforced() -> bool:
    """Whether the deployment enforces App Check (config.app_check_enforced, read on each request)."""
    return app_check_enforced()


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
