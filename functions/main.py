"""Cloud Functions declarations. Each function hands off to imagechat.web.

- `api`: the REST API for the web app (Hosting rewrites /api/** to it).
- One callable per use case for the mobile apps.
- `sweepExpiredData`: the daily lifecycle sweep (Cloud Scheduler).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import functions_framework
from firebase_functions import https_fn, options, scheduler_fn
from werkzeug.exceptions import NotFound

from imagechat.config import GEMINI_API_KEY, TURN_TIMEOUT_S, app_check_enforced
from imagechat.firebase_app import ensure_app

if TYPE_CHECKING:
    from imagechat.web import callables, rest, scheduled
else:
    # Cold start: the adapters, the services and their SDKs (google.genai, Firestore, Storage,
    # Pillow) are imported by the first request that uses them, not here (imagechat/lazy.py).
    from imagechat.lazy import LazyModule

    callables = LazyModule("imagechat.web.callables")
    rest = LazyModule("imagechat.web.rest")
    scheduled = LazyModule("imagechat.web.scheduled")

# The callable protocol verifies ID tokens with the default app: make sure it exists.
ensure_app()


# functions-framework routes with werkzeug before any function runs, and its router refuses some
# paths (a segment holding a newline) with an HTML 404: hand those to the REST function too, so
# every answer is our JSON error shape (auth first, then our own routing).
@functions_framework.errorhandler(NotFound)
def _unrouted(exc: Exception) -> https_fn.Response:
    return rest.answer_unrouted(exc)


# Firebase App Check (IMAGECHAT_ENFORCE_APP_CHECK, off locally): every callable passes the switch
# (firebase-functions 0.6.0's on_call ignores set_global_options' enforce_app_check); the REST
# function checks the X-Firebase-AppCheck header itself (web/app_check.py).
_APP_CHECK = app_check_enforced()
_CORS = options.CorsOptions(cors_origins="*", cors_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"])
# A turn calls the model and writes images: give it room (memory for Pillow, time for retries).
# The turn lease (config.DEFAULT_LEASE_TTL_S) outlives this deadline. The functions that run a
# turn pass these explicitly (a splatted dict loses the keyword types).
_MODEL_CALL_SECRETS = [GEMINI_API_KEY]
_MODEL_CALL_TIMEOUT_S = TURN_TIMEOUT_S
# Sized from `make bench` (README "Performance", rows 4 and 6): a turn mostly waits for the model
# (10–60 s) and costs our CPU ~0.1 s at 1K, ~1 s at 4K (the thumbnail's decode), so one vCPU
# serves many at once; memory is what binds: an idle instance holds ~115 MB and a turn adds ~30 MB
# at 1K, ~125 MB at 4K. 2 GiB with 14 turns at once keeps the all-4K worst case (~1.9 GB) inside
# and costs less memory per turn than 1 GiB with 6. One instance then takes 14 turns in flight
# before another starts (the default, 80 at cpu 1, would run out of memory on 4K outputs).
_MODEL_CALL_MEMORY = options.MemoryOption.GB_2
_MODEL_CALL_CPU = 1
_MODEL_CALL_CONCURRENCY = 14


@https_fn.on_request(
    cors=_CORS, secrets=_MODEL_CALL_SECRETS, timeout_sec=_MODEL_CALL_TIMEOUT_S, memory=_MODEL_CALL_MEMORY,
    cpu=_MODEL_CALL_CPU, concurrency=_MODEL_CALL_CONCURRENCY,
)
def api(req: https_fn.Request) -> https_fn.Response:
    return rest.handle(req)


# createSession may send the first message (composer chat mode): it runs a turn.
@https_fn.on_call(
    secrets=_MODEL_CALL_SECRETS, timeout_sec=_MODEL_CALL_TIMEOUT_S, memory=_MODEL_CALL_MEMORY,
    cpu=_MODEL_CALL_CPU, concurrency=_MODEL_CALL_CONCURRENCY, enforce_app_check=_APP_CHECK,
)
def createSession(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.create_session(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def listSessions(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.list_sessions(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def getSession(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.get_session(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def updateSession(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.update_session(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def deleteSession(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.delete_session(req)


@https_fn.on_call(
    secrets=_MODEL_CALL_SECRETS, timeout_sec=_MODEL_CALL_TIMEOUT_S, memory=_MODEL_CALL_MEMORY,
    cpu=_MODEL_CALL_CPU, concurrency=_MODEL_CALL_CONCURRENCY, enforce_app_check=_APP_CHECK,
)
def sendMessage(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.send_message(req)


@https_fn.on_call(
    secrets=_MODEL_CALL_SECRETS, timeout_sec=_MODEL_CALL_TIMEOUT_S, memory=_MODEL_CALL_MEMORY,
    cpu=_MODEL_CALL_CPU, concurrency=_MODEL_CALL_CONCURRENCY, enforce_app_check=_APP_CHECK,
)
def editImage(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.edit_image(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def setHead(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.set_head(req)


@https_fn.on_call(
    secrets=_MODEL_CALL_SECRETS, timeout_sec=_MODEL_CALL_TIMEOUT_S, memory=_MODEL_CALL_MEMORY,
    cpu=_MODEL_CALL_CPU, concurrency=_MODEL_CALL_CONCURRENCY, enforce_app_check=_APP_CHECK,
)
def regenerateTurn(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.regenerate_turn(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def deleteTurn(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.delete_turn(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def cancelTurn(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.cancel_turn(req)


@https_fn.on_call(secrets=_MODEL_CALL_SECRETS, memory=options.MemoryOption.MB_512, enforce_app_check=_APP_CHECK)
def createProjectFromSession(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.create_project_from_session(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def listProjects(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.list_projects(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def getProject(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.get_project(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def updateProject(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.update_project(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def deleteProject(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.delete_project(req)


@https_fn.on_call(memory=options.MemoryOption.MB_512, enforce_app_check=_APP_CHECK)
def uploadTempImage(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.upload_temp_image(req)


# ---- the image library and prompt presets (issue 10)


@https_fn.on_call(memory=options.MemoryOption.MB_512, enforce_app_check=_APP_CHECK)
def saveToLibrary(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.save_to_library(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def listLibrary(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.list_library(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def getLibraryImage(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.get_library_image(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def renameLibraryImage(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.rename_library_image(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def deleteLibraryImage(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.delete_library_image(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def listPresets(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.list_presets(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def createPreset(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.create_preset(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def updatePreset(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.update_preset(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def deletePreset(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.delete_preset(req)
# ---------------------------------------------------------------- identity image chat (seeds 001/002)


@https_fn.on_call(
    secrets=_MODEL_CALL_SECRETS, timeout_sec=_MODEL_CALL_TIMEOUT_S, memory=_MODEL_CALL_MEMORY,
    cpu=_MODEL_CALL_CPU, concurrency=_MODEL_CALL_CONCURRENCY, enforce_app_check=_APP_CHECK,
)
def startIdentityChat(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.start_identity_chat(req)


@https_fn.on_call(
    secrets=_MODEL_CALL_SECRETS, timeout_sec=_MODEL_CALL_TIMEOUT_S, memory=_MODEL_CALL_MEMORY,
    cpu=_MODEL_CALL_CPU, concurrency=_MODEL_CALL_CONCURRENCY, enforce_app_check=_APP_CHECK,
)
def continueIdentityChat(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.continue_identity_chat(req)


@https_fn.on_call(
    secrets=_MODEL_CALL_SECRETS, timeout_sec=_MODEL_CALL_TIMEOUT_S, memory=_MODEL_CALL_MEMORY,
    cpu=_MODEL_CALL_CPU, concurrency=_MODEL_CALL_CONCURRENCY, enforce_app_check=_APP_CHECK,
)
def editIdentityImage(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.edit_identity_image(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def identityChatStatus(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.identity_chat_status(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def listIdentities(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.list_identities(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def getIdentity(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.get_identity(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def createIdentity(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.create_identity(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def updateIdentity(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.update_identity(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def deleteIdentity(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.delete_identity(req)


@https_fn.on_call(memory=options.MemoryOption.MB_512, enforce_app_check=_APP_CHECK)
def uploadReferenceImage(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.upload_reference_image(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def listReferenceImages(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.list_reference_images(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def deleteReferenceImage(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.delete_reference_image(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def getMe(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.get_me(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def updateMe(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.update_me(req)


# ---------------------------------------------------------------- the data lifecycle (issue 14)


@https_fn.on_call(timeout_sec=540, memory=options.MemoryOption.MB_512, enforce_app_check=_APP_CHECK)
def deleteAccountData(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.delete_account_data(req)


# Daily, at a quiet hour: deletes expired sessions (with their turns and Storage objects), expired
# Files API cache entries and day-old temporary uploads (imagechat/lifecycle.py). A run cut short is
# finished by the next one; the longest allowed deadline gives a large backlog room.
@scheduler_fn.on_schedule(
    schedule="every day 03:30", timezone=scheduler_fn.Timezone("Etc/UTC"), timeout_sec=540,
    memory=options.MemoryOption.MB_512,
)
def sweepExpiredData(event: scheduler_fn.ScheduledEvent) -> None:
    scheduled.sweep_expired_data()


# ---- quotas and the cost ledger (issue 14)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def getUsage(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.get_usage(req)


@https_fn.on_call(enforce_app_check=_APP_CHECK)
def setUserLimits(req: https_fn.CallableRequest[Any]) -> Any:
    return callables.set_user_limits(req)
