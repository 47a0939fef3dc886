"""Request and response payloads, shared by the REST and callable adapters.

Field names are camelCase on the wire (the web app's contract); Python uses snake_case.
Unknown request fields are ignored so that older clients keep working. A validation
error becomes INVALID_ARGUMENT with a message naming the field.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from imagechat import config
from imagechat.errors import ImageChatError, InvalidArgument


class Schema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class Body(Schema):
    """A JSON request body: a number or a boolean must be one, as the OpenAPI document says (lax
    parsing took "3" for 3 and "true" or 1 for true, accepting requests the document calls invalid).
    Query parameters (`ListSessionsRequest`, ...) stay lax: on the wire they are text."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", strict=True)


def _check_aspect_ratio(value: str | None) -> str | None:
    if value is not None and value not in config.ASPECT_RATIOS:
        raise ValueError(f"must be one of {', '.join(config.ASPECT_RATIOS)} (got {value!r})")
    return value


# ---------------------------------------------------------------- requests

_PINNED_REFS_DOC = (
    f"Up to {config.MAX_PINNED_REFS} images prepended, in order, to every user message: `library://<id>` "
    "entries, or the caller's uploads or outputs (URL or storage path). Each is copied into the session."
)


class CreateSessionRequest(Body):
    title: str | None = Field(
        default=None, max_length=config.MAX_TITLE_CHARS, description=f"Display name; default {config.DEFAULT_TITLE!r}."
    )
    aspect_ratio: str | None = Field(default=None, description="Default aspect ratio of outputs, e.g. '1:1' or '16:9'.")
    system_prompt: str | None = Field(
        default=None, max_length=config.MAX_SYSTEM_PROMPT_CHARS, description="Instructions sent with every turn."
    )
    model: str | None = Field(default=None, description=f"Image model; one of {', '.join(config.MODELS)}.")
    history_turns: int | None = Field(
        default=None,
        ge=1,
        le=config.MAX_HISTORY_TURNS,
        description="Exchanges of the branch replayed to the model in full (besides its first); "
        "default IMAGECHAT_HISTORY_WINDOW. Older ones are sent as a short text note.",
    )
    image_size: str | None = Field(
        default=None,
        description=f"Output size, default {config.DEFAULT_IMAGE_SIZE}; per model: "
        + "; ".join(f"{spec.name}: {', '.join(spec.image_sizes)}" for spec in config.MODEL_SPECS.values())
        + ".",
    )

    pinned_refs: list[str] | None = Field(
        default=None, max_length=config.MAX_PINNED_REFS, description=_PINNED_REFS_DOC
    )
    region_context: bool | None = Field(
        default=None,
        description="Region edits (a message's `mask`) also send the whole image, labelled as context, with "
        "the crop; default false (the crop only: fewer input tokens).",
    )

    _aspect = field_validator("aspect_ratio")(_check_aspect_ratio)

    @field_validator("model")
    @classmethod
    def _known_model(cls, value: str | None) -> str | None:
        if value is not None and value not in config.MODELS:
            raise ValueError(f"must be one of {', '.join(config.MODELS)} (got {value!r})")
        return value


class ListSessionsRequest(Schema):
    limit: int = Field(default=config.DEFAULT_LIST_LIMIT, ge=1, le=config.MAX_LIST_LIMIT, description="Page size.")
    cursor: str | None = Field(default=None, description="`nextCursor` of the previous page.")


class UpdateSessionRequest(Body):
    title: str | None = Field(default=None, max_length=config.MAX_TITLE_CHARS, description="New display name.")
    history_turns: int | None = Field(
        default=None,
        ge=1,
        le=config.MAX_HISTORY_TURNS,
        description="Exchanges of the branch replayed to the model in full (besides its first); "
        "default IMAGECHAT_HISTORY_WINDOW. Older ones are sent as a short text note.",
    )
    aspect_ratio: str | None = Field(default=None, description="New default aspect ratio.")
    system_prompt: str | None = Field(
        default=None, max_length=config.MAX_SYSTEM_PROMPT_CHARS, description="New instructions."
    )
    pinned_refs: list[str] | None = Field(
        default=None, max_length=config.MAX_PINNED_REFS, description=_PINNED_REFS_DOC + " Replaces the list; [] clears."
    )
    region_context: bool | None = Field(
        default=None,
        description="Region edits (a message's `mask`) also send the whole image, labelled as context, with "
        "the crop; default false (the crop only: fewer input tokens).",
    )

    _aspect = field_validator("aspect_ratio")(_check_aspect_ratio)


class _Idempotent(Body):
    request_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=config.MAX_REQUEST_ID_CHARS,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Client-generated idempotency key; a retry with the same id returns the first result.",
    )

    @field_validator("request_id")
    @classmethod
    def _usable_as_document_id(cls, value: str | None) -> str | None:
        # Firestore reserves these document ids (the request id names the idempotency record).
        if value is not None and (value in (".", "..") or re.fullmatch(r"__.*__", value)):
            raise ValueError("must not be '.', '..' or of the form __name__")
        return value


def operation_hash(operation: str, turn_id: str) -> str:
    """The payload hash of a tree operation on a turn: its request id names that operation only."""
    return hashlib.sha256(f"{operation}:{turn_id}".encode()).hexdigest()


def _candidates_field() -> Any:
    """Variations (a message's, a regeneration's): how many model calls, 1–4."""
    return Field(
        default=1,
        ge=1,
        le=config.MAX_CANDIDATES,
        description="Variations: this many model calls in parallel (1–4); each answer is a sibling model turn, "
        "the first complete one becomes the head. Each call counts in the quota and costs its own.",
    )


class MaskSpec(Schema):
    """Where the edit may change the image (white / inside = editable), in the edited image's pixel
    coordinates: exactly one of an uploaded mask image (`refUrl`/`storagePath`, the image's size,
    white = editable), `rects` ([x, y, w, h] each) or `polygons` ([[x, y], ...] each)."""

    ref_url: str | None = Field(default=None, description="A mask image: a temp-upload URL of the caller's.")
    storage_path: str | None = Field(default=None, description="A mask image: its storagePath (uploads/{uid}/...).")
    rects: list[list[float]] | None = Field(default=None, max_length=64, description="Rectangles [x, y, w, h].")
    polygons: list[list[list[float]]] | None = Field(
        default=None, max_length=64, description="Polygons, each a list of [x, y] points (at least 3)."
    )
    attachment: int | None = Field(
        default=None,
        ge=0,
        description="Edit this image of the message instead of the head's image: its 0-based index among the "
        "message's images (imageIds first, then refUrls). Its crop goes last in the message (the image edited).",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> MaskSpec:
        given = [name for name in ("ref_url", "storage_path", "rects", "polygons") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("mask: give exactly one of refUrl, storagePath, rects or polygons")
        # `attachment` only says which image: it is not one of the kinds.
        for rect in self.rects or []:
            if len(rect) != 4 or rect[2] <= 0 or rect[3] <= 0:
                raise ValueError("mask.rects: each rectangle is [x, y, w, h] with w and h > 0")
        for polygon in self.polygons or []:
            if len(polygon) < 3 or any(len(point) != 2 for point in polygon):
                raise ValueError("mask.polygons: each polygon is at least 3 points [x, y]")
        return self


class SendMessageRequest(_Idempotent):
    text: str = Field(default="", max_length=config.MAX_TEXT_CHARS, description="The instruction for this turn.")
    image_ids: list[str] = Field(
        default_factory=list,
        description="Library image ids; their images come first, in order, before those of refUrls.",
    )
    ref_urls: list[str] = Field(
        default_factory=list,
        description="Images for this turn, in order: temp-upload URLs or storage paths under the caller's "
        "own prefixes, download URLs of the caller's earlier outputs, or `library://<id>`. Other URLs are refused.",
    )
    preset_id: str | None = Field(
        default=None,
        max_length=config.MAX_REQUEST_ID_CHARS,
        description="A prompt preset (the user's or a `builtin:` one): its text comes first, then `text`.",
    )
    image_only: bool = Field(default=False, description="Ask for an image without accompanying text.")
    aspect_ratio: str | None = Field(default=None, description="Aspect ratio for this turn; default the session's.")
    parent_turn_id: str | None = Field(
        default=None,
        description="Branch from this complete model turn (null: from the root) instead of continuing "
        "from the session's head; the head moves to the new answer. Omit it to continue from the head.",
    )

    candidates: int = _candidates_field()
    mask: MaskSpec | None = Field(
        default=None,
        description="Region edit: only the masked part of the image being edited (the head's image, the "
        "parent's, or the message's own image `mask.attachment`) changes; see MaskSpec.",
    )

    _aspect = field_validator("aspect_ratio")(_check_aspect_ratio)

    @property
    def continues_head(self) -> bool:
        """Whether the message continues from the head (no `parentTurnId`, not even null)."""
        return "parent_turn_id" not in self.model_fields_set

    def payload_hash(self) -> str:
        """SHA-256 of what the message asks for (everything but requestId): a request id may be
        retried only with the same message. An omitted parentTurnId is not hashed (so hashes
        recorded before the tree still match); an explicit null is."""
        payload = self.model_dump(by_alias=True, mode="json", exclude={"request_id"})
        if self.continues_head:
            del payload["parentTurnId"]
        if self.preset_id is None:  # absent from hashes recorded before presets
            del payload["presetId"]
        if self.candidates == 1:  # absent from hashes recorded before variations
            del payload["candidates"]
        if self.mask is None:  # absent from hashes recorded before region edits
            del payload["mask"]
        elif self.mask.attachment is None:  # absent from hashes recorded before masks on attachments
            del payload["mask"]["attachment"]
        payload["text"] = self.text.strip()
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @model_validator(mode="after")
    def _not_too_many(self) -> SendMessageRequest:
        count = len(self.ref_urls) + len(self.image_ids)
        if count > config.MAX_IMAGES_PER_MESSAGE:
            raise ValueError(
                f"at most {config.MAX_IMAGES_PER_MESSAGE} images per message, refUrls and imageIds together "
                f"(got {count})"
            )
        return self


class StartSessionRequest(CreateSessionRequest):
    """Create a session (as `CreateSessionRequest`), optionally opened on an image and/or with its
    first message sent in the same call."""

    start_image: str | None = Field(
        default=None,
        min_length=1,
        description="Open in Chat: an image of the caller's (a temp-upload URL or storagePath, an output's "
        "download URL or storagePath) that becomes the session's first turn without calling the model; "
        "the first message edits it. (`library://<id>` once the image library exists.)",
    )
    message: SendMessageRequest | None = Field(
        default=None,
        description="Composer chat mode: the first message ({text, imageIds?, refUrls?, imageOnly?, "
        "aspectRatio?, requestId?}), sent once the session exists; the result then holds its `turn`.",
    )

    @field_validator("message")
    @classmethod
    def _no_parent(cls, value: SendMessageRequest | None) -> SendMessageRequest | None:
        if value is not None and not value.continues_head:
            raise ValueError("parentTurnId: a first message continues the new session (omit it)")
        return value


class EditImageRequest(_Idempotent):
    """A stateless edit (seed 002): the head's image, the given references and the instruction only."""

    text: str = Field(default="", max_length=config.MAX_TEXT_CHARS, description="The edit instruction (required).")
    ref_urls: list[str] = Field(
        default_factory=list,
        description="Reference images, in order (as a message's refUrls), sent before the head's image.",
    )
    image_ids: list[str] = Field(
        default_factory=list, description="Library image ids, sent before the refUrls (as in a message)."
    )

    def payload_hash(self) -> str:
        """SHA-256 of the edit (everything but requestId, text trimmed; never equal to a send's)."""
        payload = {"edit": True, **self.model_dump(by_alias=True, mode="json", exclude={"request_id"})}
        payload["text"] = self.text.strip()
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class GetSessionRequest(Schema):
    all: bool = Field(default=False, description="Every turn of every branch, not only the active branch.")


class SetHeadRequest(_Idempotent):
    turn_id: str | None = Field(
        ..., description="A complete model turn of the session (any branch), or null to start over."
    )


class RegenerateRequest(_Idempotent):
    """Answers the same user message again (same text, images and options) as a sibling."""

    candidates: int = _candidates_field()


class DeleteTurnRequest(_Idempotent):
    """Deletes a turn and everything below it (request body optional)."""


class UploadTempRequest(Body):
    """Callable form of the temp upload: the file travels base64-encoded in the payload."""

    data: str = Field(..., min_length=1, description="The image bytes, base64-encoded.")
    mime_type: str | None = Field(default=None, description="Declared MIME type (the bytes decide).")
    file_name: str | None = Field(default=None, max_length=200, description="Original file name, informative only.")


# ---------------------------------------------------------------- responses


class Usage(Schema):
    prompt_tokens: int = Field(default=0, description="Input tokens (text and images).")
    output_tokens: int = Field(default=0, description="Generated tokens (text, thoughts and images).")
    total_tokens: int = Field(default=0, description="All tokens billed for the call(s).")
    thought_tokens: int = Field(default=0, description="Of outputTokens: the model's thinking.")
    image_tokens: int = Field(default=0, description="Of outputTokens: the output images (priced per image).")
    images_in: int = Field(default=0, description="Images the request(s) carried, history included.")
    images_out: int = Field(default=0, description="Images the model made.")
    cost_usd: float = Field(default=0.0, description="USD, from the price table (docs/api.md, Usage and quotas).")


class Thumbnail(Schema):
    storage_path: str = Field(..., description="Object path of the WebP thumbnail.")
    public_url: str = Field(..., description="Download URL of the thumbnail.")
    width: int = Field(..., description="Thumbnail width in pixels.")
    height: int = Field(..., description="Thumbnail height in pixels.")


class ImageView(Schema):
    storage_path: str = Field(..., description="Object path in the project's bucket.")
    public_url: str = Field(..., description="Download-token URL (a storage-emulator URL locally).")
    mime_type: str = Field(..., description="e.g. image/png.")
    width: int = Field(..., description="Width in pixels.")
    height: int = Field(..., description="Height in pixels.")
    thumbnail: Thumbnail | None = Field(default=None, description="Small WebP preview.")


class AttachmentView(Schema):
    source: Literal["upload", "input", "output", "library"] = Field(
        ...,
        description="What was referenced: a temp upload, an earlier input (session copy), an earlier output "
        "or a library image.",
    )
    library_id: str | None = Field(default=None, description="Library picks: the library image's id.")
    pinned: bool = Field(default=False, description="A pinned reference of the session (prepended to the message).")
    role: Literal["region", "context"] | None = Field(
        default=None,
        description="Region edits: `region` is the crop the model edited; `context` the whole image sent "
        "with it, labelled as context (the session's regionContext).",
    )
    url: str = Field(..., description="Download URL of the session's copy of the image.")
    storage_path: str = Field(
        ..., description="The session's copy, under chat-images/{uid}/{sessionId}/inputs/ (pinned: .../pinned/)."
    )
    source_path: str = Field(..., description="The object the client referenced.")
    mime_type: str = Field(..., description="MIME type read from the bytes, e.g. image/jpeg.")
    sha256: str = Field(..., description="Hex SHA-256 of the bytes (the Files API cache key).")
    width: int = Field(..., description="Width in pixels.")
    height: int = Field(..., description="Height in pixels.")


class TurnError(Schema):
    code: str = Field(..., description="Canonical error code, e.g. UNAVAILABLE, or BLOCKED for refusals.")
    message: str = Field(..., description="What went wrong, for people.")


class TurnProgressView(Schema):
    phase: Literal["queued", "thinking", "drawing", "saving"] = Field(
        ..., description="queued (inputs, history), thinking (the model works), drawing (it sent an image or its "
        "answer), saving (the outputs are stored)."
    )
    thought: str = Field(default="", description="The model's thought summary so far (thinking models).")
    preview: Thumbnail | None = Field(default=None, description="A small WebP of an interim thought image.")
    updated_at: datetime | None = Field(default=None, description="When this progress was written.")


class RegionEditView(Schema):
    edited_image: str = Field(..., description="storagePath of the image the mask applied to.")
    mask_url: str = Field(..., description="The mask as used (PNG, white = editable, the edited image's size).")
    mask_kind: Literal["upload", "rects", "polygons"] = Field(..., description="How the mask was given.")
    crop_box: list[int] = Field(..., description="[x, y, w, h]: the part of the image sent to the model.")
    crop_aspect_ratio: str = Field(..., description="The ratio the crop was resized to for the model.")
    feather_px: int = Field(..., description="How far the blend reaches across the mask's edge.")
    model_image: int = Field(
        default=1,
        description="Index in `images` of the model's own output (the crop, as received); images[0] is the composite.",
    )
    attachment: int | None = Field(
        default=None, description="The message's image the mask applied to (mask.attachment); null: the head's image."
    )
    context: bool = Field(default=False, description="Whether the whole image went with the crop, labelled as context.")


class TurnView(Schema):
    id: str = Field(..., description="Turn document id.")
    index: int = Field(..., description="Position in the session; order by it.")
    role: Literal["user", "model"] = Field(..., description="Who wrote the turn: the user or the model.")
    text: str = Field(default="", description="The user's instruction, the model's text, or a refusal's reason.")
    status: Literal["pending", "complete", "failed", "blocked", "cancelled"] = Field(
        ...,
        description="pending while the model runs; complete, failed (an error), blocked (a refusal) or "
        "cancelled (a user message its user cancelled while it ran).",
    )
    attachments: list[AttachmentView] = Field(default_factory=list, description="User turns: input images.")
    images: list[ImageView] = Field(default_factory=list, description="Model turns: output images.")
    error: TurnError | None = Field(default=None, description="Why the turn failed or was blocked.")
    progress: TurnProgressView | None = Field(
        default=None, description="User turns while their message runs (live; null once it ended)."
    )
    finish_reason: str | None = Field(default=None, description="Gemini finishReason or blockReason.")
    usage: Usage | None = Field(default=None, description="Model turns: token counts and cost of the call.")
    cost_usd: float | None = Field(default=None, description="Model turns: what the call cost, USD (= usage.costUsd).")
    model: str | None = Field(default=None, description="Model turns: the model that answered.")
    created_at: datetime | None = Field(default=None, description="When the turn was written (not for ordering).")
    parent_id: str | None = Field(
        default=None,
        description="The tree: a user turn's parent is the model turn it continues (null for a first "
        "message); a model turn's is its user turn.",
    )
    sibling_ids: list[str] = Field(
        default_factory=list,
        description="Turns with the same parent and role, this one included, oldest first (for '‹ 2/3 ›').",
    )
    mode: Literal["chat", "imported", "stateless"] = Field(
        default="chat",
        description="chat: a message of the conversation; imported: an image a session was opened with "
        "(a root model turn without a user turn); stateless: an edit sent without the history.",
    )
    region: RegionEditView | None = Field(
        default=None,
        description="Model turns of a masked edit: the mask, the crop box and where the model's output is.",
    )


class SessionView(Schema):
    id: str = Field(..., description="Session document id.")
    title: str = Field(..., description="Display name.")
    aspect_ratio: str = Field(..., description="Default aspect ratio of outputs.")
    image_size: str = Field(..., description="Output size, e.g. '1K'.")
    model: str = Field(..., description="Image model used for every turn.")
    system_prompt: str = Field(default="", description="Instructions sent with every turn.")
    created_at: datetime | None = Field(default=None, description="When the session was created.")
    last_active: datetime | None = Field(default=None, description="Last change or finished turn; lists sort by it.")
    turn_count: int = Field(default=0, description="Number of turn documents (user and model).")
    last_image: ImageView | None = Field(default=None, description="The newest output image.")
    usage: Usage = Field(default_factory=Usage, description="Token and cost totals over all turns.")
    head_turn_id: str | None = Field(
        default=None, description="The model turn the next message continues from; null: from the root."
    )
    history_turns: int | None = Field(
        default=None, description="Exchanges replayed in full; null: the deployment's default."
    )
    pinned_refs: list[AttachmentView] = Field(
        default_factory=list, description="Pinned references (the session's copies), prepended to every message."
    )
    region_context: bool = Field(
        default=False, description="Region edits also send the whole image, labelled as context."
    )

    @field_validator("pinned_refs", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value
    kind: Literal["chat", "identity"] = Field(
        default="chat", description="identity: the user's identity image chat (seeds 001/002), else chat."
    )


class CreateSessionResponse(Schema):
    id: str = Field(..., description="The new session's id.")
    session: SessionView = Field(..., description="The new session.")


class CreateAndSendResponse(CreateSessionResponse):
    turn: TurnView = Field(..., description="The first message's model turn (composer chat mode).")


class ListSessionsResponse(Schema):
    sessions: list[SessionView] = Field(..., description="One page, newest lastActive first.")
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` for the next page; null at the end.")


class GetSessionResponse(Schema):
    session: SessionView = Field(..., description="The session.")
    turns: list[TurnView] = Field(
        ...,
        description="The active branch (root → head) with the sends hanging off it that did not move the "
        "head (pending, failed, blocked), in index order; with `all`, every turn.",
    )


class UpdateSessionResponse(Schema):
    session: SessionView = Field(..., description="The session after the update.")


class CancelTurnResponse(Schema):
    turn: TurnView = Field(..., description="The cancelled user turn (status cancelled, its input kept).")


class SendMessageResponse(Schema):
    turn: TurnView = Field(..., description="The model turn (status complete, or blocked with the reason as text).")
    candidates: list[TurnView] = Field(
        default_factory=list,
        description="Every answer of this message (variations), in index order; `turn` is the one that became "
        "the head. Empty in responses recorded before variations.",
    )
    succeeded: int = Field(default=1, description="How many of the requested candidates answered.")


class UploadTempResponse(Schema):
    public_url: str = Field(..., description="Download URL; pass it in refUrls.")
    storage_path: str = Field(..., description="Object path under uploads/{uid}/; also accepted in refUrls.")


# ---------------------------------------------------------------- helpers

RequestT = TypeVar("RequestT", bound=BaseModel)


def parse(
    model: type[RequestT], data: Any, on_error: Callable[[ValidationError], ImageChatError] | None = None
) -> RequestT:
    """Validates a payload; any problem becomes INVALID_ARGUMENT naming the field (or the error
    `on_error` makes of it: the seed API words its errors its own way)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidArgument("The request body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise (on_error or _invalid_argument)(exc) from None


def _invalid_argument(exc: ValidationError) -> ImageChatError:
    return InvalidArgument(describe_validation_error(exc))


def describe_validation_error(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        path = ""
        for part in err["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        message = str(err["msg"]).removeprefix("Value error, ")
        problems.append(f"{path}: {message}" if path else message)
    return "Invalid request: " + "; ".join(problems) + "."


def dump(model: BaseModel) -> dict[str, Any]:
    """JSON-ready dict with camelCase keys."""
    return model.model_dump(by_alias=True, mode="json")
