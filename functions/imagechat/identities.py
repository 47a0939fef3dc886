"""Use cases on the identity catalog (seed 001's Identity): admins create, update and delete;
every signed-in user lists and reads. Also who an identity-chat call acts for."""

from __future__ import annotations

from imagechat import clock, config
from imagechat.auth import Caller
from imagechat.deps import Deps
from imagechat.errors import NotFound, PermissionDenied
from imagechat.identity_schemas import REQUIRED, FieldInvalid, IdentityRequest, IdentityView
from imagechat.store.documents import Identity

# DRF's wording for a refused permission, what seed clients show.
NOT_ADMIN = "You do not have permission to perform this action."
# The 3.x image model an identity gets when its size needs one (4K, 2K); else the default model.
LARGE_IMAGE_MODEL = "gemini-3-pro-image-preview"


def identity_not_found(identity_id: str) -> NotFound:
    return NotFound(f"Identity {identity_id} not found")


def user_not_found(user_id: str) -> NotFound:
    return NotFound(f"User {user_id} not found")


def require_admin(caller: Caller) -> None:
    if not caller.is_admin:
        raise PermissionDenied(NOT_ADMIN)


def target_user(deps: Deps, caller: Caller, user_id: str | None, *, admin_endpoint: bool) -> str:
    """The uid a call acts for. /admin/ endpoints: admins only, `user_id` required and checked
    against Firebase Auth (404 "User <id> not found"). Elsewhere the caller, or (admins) `user_id`."""
    if admin_endpoint:
        require_admin(caller)
        if not user_id:
            raise FieldInvalid("user_id", REQUIRED)
    if not user_id or user_id == caller.uid:
        return caller.uid
    require_admin(caller)
    if not deps.accounts.exists(user_id):
        raise user_not_found(user_id)
    return user_id


def model_for(identity: Identity) -> str:
    """The image model of an identity's chat: the default model when it renders the identity's size."""
    if identity.default_image_size in config.image_sizes(config.DEFAULT_MODEL):
        return config.DEFAULT_MODEL
    return LARGE_IMAGE_MODEL


def view(identity: Identity) -> IdentityView:
    return IdentityView.model_validate(identity, from_attributes=True)


def load_identity(deps: Deps, identity_id: str) -> Identity:
    identity = deps.identities.get(identity_id)
    if identity is None:
        raise identity_not_found(identity_id)
    return identity


def list_identities(deps: Deps) -> list[IdentityView]:
    return [view(identity) for identity in deps.identities.list()]


def get_identity(deps: Deps, identity_id: str) -> IdentityView:
    return view(load_identity(deps, identity_id))


def create_identity(deps: Deps, caller: Caller, req: IdentityRequest) -> IdentityView:
    require_admin(caller)
    name = (req.name or "").strip()
    if not name:
        raise FieldInvalid("name", REQUIRED)
    stamp = clock.now()
    identity = Identity(
        name=name,
        description=(req.description or "").strip(),
        prompt=(req.prompt or "").strip(),
        default_aspect_ratio=req.default_aspect_ratio or "16:9",
        default_image_size=req.default_image_size or "4K",
        created_at=stamp,
        updated_at=stamp,
    )
    return view(deps.identities.create(identity))


def update_identity(deps: Deps, caller: Caller, identity_id: str, req: IdentityRequest) -> IdentityView:
    require_admin(caller)
    load_identity(deps, identity_id)
    name = req.name.strip() if req.name is not None else None
    if name == "":
        raise FieldInvalid("name", "This field may not be blank.")
    deps.identities.update(
        identity_id, name=name, description=req.description, prompt=req.prompt,
        default_aspect_ratio=req.default_aspect_ratio, default_image_size=req.default_image_size,
    )
    return view(load_identity(deps, identity_id))


def delete_identity(deps: Deps, caller: Caller, identity_id: str) -> None:
    """Removes it from the catalog; chats made with it keep working (their identity_name is null)."""
    require_admin(caller)
    load_identity(deps, identity_id)
    deps.identities.delete(identity_id)
