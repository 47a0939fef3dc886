"""Firebase Auth as the backend needs it beyond token checks: does a user exist (an admin acting
for a user id that names nobody gets a 404, not an empty chat)."""

from __future__ import annotations

import re

from firebase_admin import App
from firebase_admin import auth as firebase_auth

_UID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class Accounts:
    def __init__(self, app: App) -> None:
        self._app = app

    def exists(self, uid: str) -> bool:
        if not _UID.match(uid):
            return False
        try:
            firebase_auth.get_user(uid, app=self._app)
        except firebase_auth.UserNotFoundError:
            return False
        return True

    def delete(self, uid: str) -> bool:
        """Deletes the Firebase Auth user; False when there was none (already deleted)."""
        if not _UID.match(uid):
            return False
        try:
            firebase_auth.delete_user(uid, app=self._app)
        except firebase_auth.UserNotFoundError:
            return False
        return True
