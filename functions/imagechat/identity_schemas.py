"""Payloads of the identity image chat (seeds 001 and 002): snake_case on the wire, exactly the
field names those clients send and read, for REST (`/api/v1/...`) and the callables alike.

A problem with one field is a `FieldInvalid`: the seed adapter answers it the way Django REST
Framework clients read errors (`{"detail": ..., "<field>": [...]}`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from imagechat import config
from imagechat.errors import InvalidArgument
from imagechat.schemas import parse

MAX_ADDITIONAL_PROMPT_CHARS = 2000
MAX_NAME_CHARS = 100
MAX_DESCRIPTION_CHARS = 2000
MAX_IDENTITY_PROMPT_CHARS = 4000
MAX_APPEARANCE_FIELDS = 20
MAX_APPEARANCE_KEY_CHARS = 40
MAX_APPEARANCE_VALUE_CHARS = 200
REQUIRED = "This field is required."


class FieldInvalid(InvalidArgument):
    """A 400 about one request field (DRF's `{"<field>": ["<message>"]}`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class _Seed(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _SeedBody(_Seed):
    """A JSON request body: values of the declared types only (as schemas.Body)."""

    model_config = ConfigDict(extra="ignore", strict=True)


# ---------------------------------------------------------------- requests


class ActingFor(_SeedBody):
    user_id: str | None = Field(
        default=None,
        description="Admins: the user to act for (required on /admin/ endpoints); others omit it.",
    )


class StartIdentityChatRequest(ActingFor):
    """Seed 001's start and seed 002's generate-image."""

    identity_id: str = Field(default="", description="The identity to generate an image of the user as.")
    additional_prompt: str = Field(
        default="", max_length=MAX_ADDITIONAL_PROMPT_CHARS, description="Extra instructions, appended to the prompt."
    )


class ContinueIdentityChatRequest(ActingFor):
    """Seed 001's continue and seed 002's edit-image."""

    edit_prompt: str = Field(
        default="", max_length=config.MAX_TEXT_CHARS, description="The edit, e.g. 'make the lighting warmer'."
    )
    identity_id: str | None = Field(
        default=None, description="Seed 002: the identity the client thinks it edits; must be the session's."
    )


class IdentityRequest(_SeedBody):
    """An identity's fields; on create `name` is required, on update every field is optional."""

    name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME_CHARS, description="Display name.")
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION_CHARS, description="What it is.")
    prompt: str | None = Field(
        default=None, max_length=MAX_IDENTITY_PROMPT_CHARS, description="The identity's own instructions to the model."
    )
    default_aspect_ratio: str | None = Field(default=None, description="Aspect ratio of its images; default 16:9.")
    default_image_size: str | None = Field(default=None, description="1K, 2K or 4K; default 4K (a 3.x model).")

    @field_validator("default_aspect_ratio")
    @classmethod
    def _aspect(cls, value: str | None) -> str | None:
        if value is not None and value not in config.ASPECT_RATIOS:
            raise ValueError(f"must be one of {', '.join(config.ASPECT_RATIOS)}")
        return value

    @field_validator("default_image_size")
    @classmethod
    def _size(cls, value: str | None) -> str | None:
        if value is not None and value not in ("1K", "2K", "4K"):
            raise ValueError("must be one of 1K, 2K, 4K")
        return value


class UploadReferenceRequest(ActingFor):
    image_base64: str = Field(default="", description="The photo's bytes, base64 (a data: URL is accepted).")


class UpdateMeRequest(ActingFor):
    appearance: dict[str, str] = Field(
        ...,
        description=f"Short free-form preferences (hair, build, style, ...): at most {MAX_APPEARANCE_FIELDS} "
        f"fields, names up to {MAX_APPEARANCE_KEY_CHARS} characters, values up to "
        f"{MAX_APPEARANCE_VALUE_CHARS}; replaces the whole map. An empty value removes its field.",
    )

    @field_validator("appearance")
    @classmethod
    def _short(cls, value: dict[str, str]) -> dict[str, str]:
        kept = {k.strip(): v.strip() for k, v in value.items() if v.strip()}
        if len(kept) > MAX_APPEARANCE_FIELDS:
            raise ValueError(f"at most {MAX_APPEARANCE_FIELDS} fields")
        for key, text in kept.items():
            if not key or len(key) > MAX_APPEARANCE_KEY_CHARS or "." in key or key.startswith("__"):
                raise ValueError(f"{key!r}: field names are 1 to {MAX_APPEARANCE_KEY_CHARS} characters, no dots")
            if len(text) > MAX_APPEARANCE_VALUE_CHARS:
                raise ValueError(f"{key}: at most {MAX_APPEARANCE_VALUE_CHARS} characters")
        return kept


# ---------------------------------------------------------------- responses


class IdentityView(_Seed):
    id: str = Field(..., description="Identity document id.")
    name: str = Field(..., description="Display name.")
    description: str = Field(default="", description="What it is.")
    prompt: str = Field(default="", description="The identity's own instructions to the model.")
    default_aspect_ratio: str = Field(..., description="Aspect ratio of its images.")
    default_image_size: str = Field(..., description="Size of its images (4K uses a 3.x image model).")
    created_at: datetime | None = Field(default=None, description="When it was created.")


class ReferenceImageView(_Seed):
    id: str = Field(..., description="Reference image id.")
    image_url: str = Field(..., description="Download-token URL of the photo.")
    storage_path: str = Field(..., description="Object path, under reference-images/{uid}/.")
    mime_type: str = Field(..., description="image/png, image/jpeg or image/webp (read from the bytes).")
    width: int = Field(..., description="Width in pixels.")
    height: int = Field(..., description="Height in pixels.")
    created_at: datetime | None = Field(default=None, description="When it was uploaded (the order of attachment).")


class MeView(_Seed):
    user_id: str = Field(..., description="The user's uid.")
    appearance: dict[str, str] = Field(default_factory=dict, description="Appearance preferences used by the prompt.")
    has_active_session: bool = Field(..., description="Whether an identity chat is active.")
    session_identity_id: str | None = Field(default=None, description="Its identity.")


class IdentityChatStatus(_Seed):
    """Seed 002's session status (GET /api/v1/identities/image-session/)."""

    has_active_session: bool = Field(..., description="Whether the user has an identity chat to edit.")
    session_identity_id: str | None = Field(default=None, description="The identity of that chat.")
    references_changed: bool = Field(
        default=False, description="The user's reference images changed since the chat started (it keeps the old)."
    )
    session_id: str | None = Field(default=None, description="Ours: the chat session (an ordinary session).")


class IdentityImageResponse(IdentityChatStatus):
    """What start/continue (seed 001) and generate-image/edit-image (seed 002) answer: both seeds'
    fields, plus ours to switch from base64 to URLs."""

    image_base64: str = Field(..., description="The image: a PNG, or a JPEG when the PNG is too large to inline.")
    image_mime_type: str = Field(..., description="image/png or image/jpeg: what image_base64 holds.")
    identity_id: str = Field(..., description="The identity the image is of.")
    identity_name: str | None = Field(default=None, description="Its name (null if it was deleted since).")
    turn_id: str = Field(..., description="Ours: the model turn that made the image.")
    image_url: str = Field(..., description="Ours: download-token URL of the full-size PNG.")
    notice: str | None = Field(default=None, description="Set when references_changed: what that means.")


# ---------------------------------------------------------------- parsing

SeedT = TypeVar("SeedT", bound=BaseModel)


def parse_seed(model: type[SeedT], data: Any) -> SeedT:
    """Validates a payload; the first problem becomes a FieldInvalid naming its field."""
    return parse(model, data, on_error=_field_invalid)


def _field_invalid(exc: ValidationError) -> FieldInvalid:
    err = exc.errors()[0]
    field = str(err["loc"][0]) if err["loc"] else "non_field_errors"
    message = REQUIRED if err["type"] == "missing" else str(err["msg"]).removeprefix("Value error, ")
    return FieldInvalid(field, message[:1].upper() + message[1:] + ("" if message.endswith(".") else "."))


def dump_seed(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
