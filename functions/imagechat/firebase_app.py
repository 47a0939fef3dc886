"""The default firebase_admin app, initialised once per process.

Against the emulators (FIRESTORE_EMULATOR_HOST set) it uses anonymous credentials, as a
bare initialize_app() fails offline; in production, the default service account. The
callable protocol verifies ID tokens with this default app.
"""

from __future__ import annotations

import os
import threading

import firebase_admin
from google.auth.credentials import AnonymousCredentials

from imagechat.config import settings as app_settings

_lock = threading.Lock()


def ensure_app() -> firebase_admin.App:
    with _lock:
        try:
            return firebase_admin.get_app()
        except ValueError:
            pass
        conf = app_settings()
        options = {"projectId": conf.project_id, "storageBucket": conf.bucket}
        if os.environ.get("FIRESTORE_EMULATOR_HOST") or os.environ.get("FIREBASE_AUTH_EMULATOR_HOST"):
            return firebase_admin.initialize_app(AnonymousCredentials(), options)
        return firebase_admin.initialize_app(options=options)
