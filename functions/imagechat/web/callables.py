"""Callable (Firebase callable protocol) handlers for the mobile apps.

Each takes the same payload as its REST twin, plus `sessionId` where REST has it in the
path and an optional `userId` (admins only). Errors become HttpsError with the code from
errors.ERROR_TABLE.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from firebase_functions import https_fn, logger
from pydantic import BaseModel

from imagechat import (
    account_data,
    branches,
    cancellation,
    identities,
    ledger,
    library,
    presets,
    profiles,
    projects,
    reference_images,
    sessions,
    uploads,
)
from imagechat.account_schemas import DeleteAccountDataRequest
from imagechat.auth import Caller, acting_for, caller_from_claims
from imagechat.deps import Deps, deps
from imagechat.errors import (
    UNEXPECTED_ERROR,
    ImageChatError,
    Internal,
    InvalidArgument,
    Unauthenticated,
)
from imagechat.identity_schemas import (
    ContinueIdentityChatRequest,
    FieldInvalid,
    IdentityRequest,
    StartIdentityChatRequest,
    UpdateMeRequest,
    UploadReferenceRequest,
    dump_seed,
    parse_seed,
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
    UploadTempRequest,
    dump,
    parse,
)
from imagechat.usage_schemas import GetUsageRequest, SetUserLimitsRequest

if TYPE_CHECKING:
    from imagechat import composer, edits, identity_chat, turns
else:
    # The model-calling use cases (and google.genai) are imported by the first request that runs one.
    from imagechat.lazy import LazyModule

    composer = LazyModule("imagechat.composer")
    edits = LazyModule("imagechat.edits")
    identity_chat = LazyModule("imagechat.identity_chat")
    turns = LazyModule("imagechat.turns")

Request = https_fn.CallableRequest[Any]
UseCase = Callable[[Deps, str, dict[str, Any]], BaseModel | dict[str, Any] | None]


def run(request: Request, use_case: UseCase) -> Any:
    """Authenticates, resolves whom the call acts for, runs the use case, maps errors."""
    return run_as_caller(request, lambda d, caller, data: use_case(d, acting_for(caller, data.get("userId")), data))


CallerUseCase = Callable[[Deps, Caller, dict[str, Any]], BaseModel | dict[str, Any] | None]


def run_as_caller(request: Request, use_case: CallerUseCase) -> Any:
    """Authenticates, runs a use case that decides itself what the caller may do, maps errors."""
    try:
        if request.auth is None:
            raise Unauthenticated()
        caller = caller_from_claims(request.auth.token)
        data = request.data if request.data is not None else {}
        if not isinstance(data, dict):
            raise InvalidArgument("The payload must be an object.")
        result = use_case(deps(), caller, data)
        return dump(result) if isinstance(result, BaseModel) else result
    except ImageChatError as exc:
        # e.g. {id} of the session a failed first message created; retryAfterSeconds of a quota refusal
        raise https_fn.HttpsError(exc.wire.callable_code, exc.message, exc.callable_details()) from exc
    except https_fn.HttpsError:
        raise
    except Exception as exc:
        logger.error("unhandled callable error", error=repr(exc))
        failure = Internal(UNEXPECTED_ERROR)
        raise https_fn.HttpsError(failure.wire.callable_code, failure.message) from exc


def session_id(data: dict[str, Any]) -> str:
    value = data.get("sessionId")
    if not isinstance(value, str) or not value:
        raise InvalidArgument("sessionId: required.")
    return value


def create_session(request: Request) -> Any:
    return run(request, lambda d, uid, data: composer.start_session(d, uid, parse(StartSessionRequest, data)))


def list_sessions(request: Request) -> Any:
    return run(request, lambda d, uid, data: sessions.list_sessions(d, uid, parse(ListSessionsRequest, data)))


def get_session(request: Request) -> Any:
    return run(
        request, lambda d, uid, data: sessions.get_session(d, uid, session_id(data), parse(GetSessionRequest, data))
    )


def update_session(request: Request) -> Any:
    return run(
        request,
        lambda d, uid, data: sessions.update_session(d, uid, session_id(data), parse(UpdateSessionRequest, data)),
    )


def _delete(d: Deps, uid: str, data: dict[str, Any]) -> dict[str, Any]:
    sid = session_id(data)
    sessions.delete_session(d, uid, sid)
    return {"id": sid, "deleted": True}


def delete_session(request: Request) -> Any:
    return run(request, _delete)


def send_message(request: Request) -> Any:
    return run(
        request, lambda d, uid, data: turns.send_message(d, uid, session_id(data), parse(SendMessageRequest, data))
    )


def edit_image(request: Request) -> Any:
    return run(
        request, lambda d, uid, data: edits.edit_image(d, uid, session_id(data), parse(EditImageRequest, data))
    )


def turn_id(data: dict[str, Any]) -> str:
    value = data.get("turnId")
    if not isinstance(value, str) or not value:
        raise InvalidArgument("turnId: required.")
    return value


def set_head(request: Request) -> Any:
    return run(request, lambda d, uid, data: branches.set_head(d, uid, session_id(data), parse(SetHeadRequest, data)))


def regenerate_turn(request: Request) -> Any:
    return run(
        request,
        lambda d, uid, data: turns.regenerate_turn(
            d, uid, session_id(data), turn_id(data), parse(RegenerateRequest, data)
        ),
    )


def _delete_turn(d: Deps, uid: str, data: dict[str, Any]) -> dict[str, Any]:
    branches.delete_turn(d, uid, session_id(data), turn_id(data), parse(DeleteTurnRequest, data))
    return {}


def delete_turn(request: Request) -> Any:
    return run(request, _delete_turn)


def cancel_turn(request: Request) -> Any:
    return run(request, lambda d, uid, data: cancellation.cancel_turn(d, uid, session_id(data), turn_id(data)))


def project_id(data: dict[str, Any]) -> str:
    value = data.get("projectId")
    if not isinstance(value, str) or not value:
        raise InvalidArgument("projectId: required (the project's id or slug).")
    return value


def create_project_from_session(request: Request) -> Any:
    return run(
        request,
        lambda d, uid, data: projects.create_project(
            d, uid, parse(CreateProjectRequest, {**data, "session_id": data.get("sessionId", data.get("session_id"))})
        ),
    )


def list_projects(request: Request) -> Any:
    return run(request, lambda d, uid, data: projects.list_projects(d, uid, parse(ListProjectsRequest, data)))


def get_project(request: Request) -> Any:
    return run(request, lambda d, uid, data: projects.get_project(d, uid, project_id(data)))


def update_project(request: Request) -> Any:
    return run(
        request,
        lambda d, uid, data: projects.update_project(d, uid, project_id(data), parse(UpdateProjectRequest, data)),
    )


def _delete_project(d: Deps, uid: str, data: dict[str, Any]) -> dict[str, Any]:
    projects.delete_project(d, uid, project_id(data))
    return {}


def delete_project(request: Request) -> Any:
    return run(request, _delete_project)


def upload_temp_image(request: Request) -> Any:
    return run(request, lambda d, uid, data: uploads.upload_temp_base64(d, uid, parse(UploadTempRequest, data)))


# ---- the image library and prompt presets (issue 10)


def _required(data: dict[str, Any], field: str) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{field}: required.")
    return value


def save_to_library(request: Request) -> Any:
    return run(request, lambda d, uid, data: library.save_to_library(d, uid, parse(SaveToLibraryRequest, data)))


def list_library(request: Request) -> Any:
    return run(request, lambda d, uid, data: library.list_library(d, uid, parse(ListLibraryRequest, data)))


def get_library_image(request: Request) -> Any:
    return run(request, lambda d, uid, data: library.get_library_image(d, uid, _required(data, "imageId")))


def rename_library_image(request: Request) -> Any:
    return run(
        request,
        lambda d, uid, data: library.rename_library_image(
            d, uid, _required(data, "imageId"), parse(RenameLibraryImageRequest, data)
        ),
    )


def _delete_library_image(d: Deps, uid: str, data: dict[str, Any]) -> dict[str, Any]:
    image_id = _required(data, "imageId")
    library.delete_library_image(d, uid, image_id)
    return {"id": image_id, "deleted": True}


def delete_library_image(request: Request) -> Any:
    return run(request, _delete_library_image)


def list_presets(request: Request) -> Any:
    return run(request, lambda d, uid, data: presets.list_presets(d, uid))


def create_preset(request: Request) -> Any:
    return run(request, lambda d, uid, data: presets.create_preset(d, uid, parse(CreatePresetRequest, data)))


def update_preset(request: Request) -> Any:
    return run(
        request,
        lambda d, uid, data: presets.update_preset(
            d, uid, _required(data, "presetId"), parse(UpdatePresetRequest, data)
        ),
    )


def _delete_preset(d: Deps, uid: str, data: dict[str, Any]) -> dict[str, Any]:
    preset_id = _required(data, "presetId")
    presets.delete_preset(d, uid, preset_id)
    return {"id": preset_id, "deleted": True}


def delete_preset(request: Request) -> Any:
    return run(request, _delete_preset)


# ---------------------------------------------------------------- quotas and the cost ledger (issue 14)


def get_usage(request: Request) -> Any:
    """`{from?, to?, userId?}` (admins: any user)."""
    return run(request, lambda d, uid, data: ledger.get_usage(d, uid, parse(GetUsageRequest, data)))


def set_user_limits(request: Request) -> Any:
    """`{userId, turnsPerDay?, turnsPerMinute?}`: admins only."""
    return run_as_caller(
        request,
        lambda d, caller, data: ledger.set_user_limits(
            d, caller, _required(data, "userId"), parse(SetUserLimitsRequest, data)
        ),
    )


# ---------------------------------------------------------------- identity image chat (seeds 001/002)
# Snake_case payloads, the same fields as REST's /api/v1/... (imagechat/identity_schemas.py); an
# admin acts for a user with `user_id`. A field error carries `details: {"<field>": ["<message>"]}`.

IdentityUseCase = Callable[[Deps, Caller, dict[str, Any]], Any]


def run_identity(request: Request, use_case: IdentityUseCase) -> Any:
    try:
        if request.auth is None:
            raise Unauthenticated()
        caller = caller_from_claims(request.auth.token)
        data = request.data if request.data is not None else {}
        if not isinstance(data, dict):
            raise InvalidArgument("The payload must be an object.")
        result = use_case(deps(), caller, data)
        if isinstance(result, list):
            return [dump_seed(item) for item in result]
        return dump_seed(result) if isinstance(result, BaseModel) else result
    except ImageChatError as exc:
        details = {exc.field: [exc.message]} if isinstance(exc, FieldInvalid) else exc.callable_details()
        raise https_fn.HttpsError(exc.wire.callable_code, exc.message, details) from exc
    except Exception as exc:
        logger.error("unhandled callable error", error=repr(exc))
        failure = Internal(UNEXPECTED_ERROR)
        raise https_fn.HttpsError(failure.wire.callable_code, failure.message) from exc


def _for(d: Deps, caller: Caller, data: dict[str, Any]) -> str:
    user_id = data.get("user_id")
    return identities.target_user(d, caller, user_id if isinstance(user_id, str) else None, admin_endpoint=False)


def _field(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise FieldInvalid(name, "This field is required.")
    return value


def start_identity_chat(request: Request) -> Any:
    return run_identity(
        request, lambda d, c, data: identity_chat.start(d, c, parse_seed(StartIdentityChatRequest, data))
    )


def continue_identity_chat(request: Request) -> Any:
    return run_identity(
        request, lambda d, c, data: identity_chat.continue_chat(d, c, parse_seed(ContinueIdentityChatRequest, data))
    )


def edit_identity_image(request: Request) -> Any:
    return run_identity(
        request, lambda d, c, data: identity_chat.edit(d, c, parse_seed(ContinueIdentityChatRequest, data))
    )


def identity_chat_status(request: Request) -> Any:
    return run_identity(
        request, lambda d, c, data: identity_chat.status(d, c, parse_seed(ContinueIdentityChatRequest, data).user_id)
    )


def list_identities(request: Request) -> Any:
    return run_identity(request, lambda d, c, data: identities.list_identities(d))


def get_identity(request: Request) -> Any:
    return run_identity(request, lambda d, c, data: identities.get_identity(d, _field(data, "identity_id")))


def create_identity(request: Request) -> Any:
    return run_identity(
        request, lambda d, c, data: identities.create_identity(d, c, parse_seed(IdentityRequest, data))
    )


def update_identity(request: Request) -> Any:
    return run_identity(
        request,
        lambda d, c, data: identities.update_identity(
            d, c, _field(data, "identity_id"), parse_seed(IdentityRequest, data)
        ),
    )


def _delete_identity(d: Deps, c: Caller, data: dict[str, Any]) -> dict[str, Any]:
    identities.delete_identity(d, c, _field(data, "identity_id"))
    return {}


def delete_identity(request: Request) -> Any:
    return run_identity(request, _delete_identity)


def upload_reference_image(request: Request) -> Any:
    return run_identity(
        request,
        lambda d, c, data: reference_images.upload_reference_base64(
            d, _for(d, c, data), parse_seed(UploadReferenceRequest, data)
        ),
    )


def list_reference_images(request: Request) -> Any:
    return run_identity(request, lambda d, c, data: reference_images.list_references(d, _for(d, c, data)))


def _delete_reference(d: Deps, c: Caller, data: dict[str, Any]) -> dict[str, Any]:
    reference_images.delete_reference(d, _for(d, c, data), _field(data, "reference_image_id"))
    return {}


def delete_reference_image(request: Request) -> Any:
    return run_identity(request, _delete_reference)


def get_me(request: Request) -> Any:
    return run_identity(request, lambda d, c, data: profiles.get_me(d, _for(d, c, data)))


def update_me(request: Request) -> Any:
    return run_identity(
        request, lambda d, c, data: profiles.update_me(d, _for(d, c, data), parse_seed(UpdateMeRequest, data))
    )


# ---------------------------------------------------------------- the account's data (issue 14)


def delete_account_data(request: Request) -> Any:
    """The caller's data (an admin: any user's, with `userId`); `{deleteAuthUser: true}` opts in to
    deleting the Auth user too."""
    return run(
        request, lambda d, uid, data: account_data.delete_account_data(d, uid, parse(DeleteAccountDataRequest, data))
    )
