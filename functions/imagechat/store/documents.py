"""The stored documents, typed: one frozen model per Firestore document (and per map inside one).

This is the one module that knows how a field is named in Firestore: the camelCase of the Python
name (`created_at` is stored as `createdAt`). A document goes to Firestore with `to_firestore()` and
comes back with `from_firestore(data, doc_id)`; a partial write (an update, a merge) names its
fields in Python with `fields(...)`. Reading is lenient, as documents outlive the code that wrote
them: a field an older backend did not write takes its default, an unknown field is ignored.

Shapes, field by field, and what each means: docs/data-model.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Literal, NamedTuple, Self

from google.cloud import firestore
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from imagechat.errors import ErrorCode, ImageChatError

TurnStatus = Literal["pending", "complete", "failed", "blocked", "cancelled"]
RequestState = Literal["running", "complete", "failed"]
# How a turn came to be: a chat message (the default, not stored), an image imported as a
# session's first turn (Open in Chat: a root model turn without a user turn), or a stateless edit.
TurnMode = Literal["chat", "imported", "stateless"]
SessionKind = Literal["chat", "identity"]


class Document(BaseModel):
    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True, extra="ignore")

    # The field that holds the document's id (not stored in the document itself), if any.
    ID_FIELD: ClassVar[str | None] = None
    # Fields left out of the stored map while None: they are absent until written, never null.
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def from_firestore(cls, data: Mapping[str, Any] | None, doc_id: str = "") -> Self:
        values = dict(data or {})
        if cls.ID_FIELD is not None:
            values[cls.ID_FIELD] = doc_id
        return cls.model_validate(values)

    def to_firestore(self) -> dict[str, Any]:
        absent = {name for name in self.OMIT_IF_NONE if getattr(self, name) is None}
        return self.model_dump(by_alias=True, exclude=absent)

    @classmethod
    def stored_name(cls, field: str) -> str:
        """The Firestore name of a field (for queries and partial writes); KeyError if there is none."""
        return cls.model_fields[field].alias or field

    @classmethod
    def fields(cls, **values: Any) -> dict[str, Any]:
        """A partial write of some fields, by their stored names. A document value is written as its
        map; a Firestore sentinel (`firestore.Increment`, `firestore.DELETE_FIELD`) passes through."""
        return {cls.stored_name(name): _stored(value) for name, value in values.items()}


def _stored(value: Any) -> Any:
    if isinstance(value, Document):
        return value.to_firestore()
    if isinstance(value, list | tuple):
        return [_stored(item) for item in value]
    return value


class Usage(Document):
    """What model calls used and cost: of one call (a model turn, a project summary), or totals
    over a session's turns. Every field is a count or an amount, so totals are sums (Increment)."""

    prompt_tokens: int = 0
    output_tokens: int = 0  # candidates + thoughts
    total_tokens: int = 0
    thought_tokens: int = 0  # of output_tokens: the model's thinking
    image_tokens: int = 0  # of output_tokens: the output images (priced per image, not per token)
    images_in: int = 0  # images the request carried (history included)
    images_out: int = 0
    cost_usd: float = 0.0  # priced by pricing.py when the call finished

    def increments(self, prefix: str = "") -> dict[str, Any]:
        """A partial write adding these figures to stored totals (`prefix`: the map holding them)."""
        return {f"{prefix}{name}": firestore.Increment(value) for name, value in self.to_firestore().items()}


class StoredError(Document):
    """Why a turn or a request failed (an `ErrorCode`), or why a model turn was blocked (`BLOCKED`)."""

    code: str = ErrorCode.INTERNAL.value
    message: str = "Unknown error."

    @classmethod
    def of(cls, error: ImageChatError) -> StoredError:
        return cls(code=error.code.value, message=error.message)

    def to_error(self) -> ImageChatError:
        return ImageChatError.from_dict({"code": self.code, "message": self.message})


class Thumbnail(Document):
    storage_path: str
    public_url: str
    width: int
    height: int


class OutputImage(Document):
    """An image the model made (a model turn's `images`, a session's `lastImage`)."""

    storage_path: str
    public_url: str
    mime_type: str
    width: int
    height: int
    sha256: str
    thumbnail: Thumbnail | None = None


AttachmentRole = Literal["region", "context"]


class Attachment(Document):
    """An image of a user turn: what the client referenced (`source_path`, of kind `source`) and
    the session's own copy (`storage_path`; the source itself until the copy is made)."""

    source: Literal["upload", "input", "output", "library"]
    source_path: str
    storage_path: str
    url: str
    mime_type: str
    sha256: str
    width: int
    height: int
    # Library picks: the library image it came from (the session keeps its own copy).
    library_id: str | None = None
    # A session's pinned reference, prepended to the message (not picked for this message).
    pinned: bool = False
    # A region edit's images (issue 17): "region" is the crop the model edits; "context" is the
    # whole image, sent labelled as context when the session's `region_context` says so.
    role: AttachmentRole | None = None


class ContentPart(Document):
    """One part of the model's reply as it was sent, for replay: genai's own Part JSON (its
    snake_case keys, the thought signature kept, never image bytes) and, for an image part, the
    index of its image in the turn's `images`."""

    part: dict[str, Any] = Field(default_factory=dict)
    image: int | None = None


ProgressPhase = Literal["queued", "thinking", "drawing", "saving"]


class TurnProgress(Document):
    """What a running message shows while the model works (on its user turn; the final commit
    removes it). Written at most about twice a second, only by the run holding the lease."""

    phase: ProgressPhase = "queued"
    # The model's thought summary so far (thinking models), newest text last.
    thought: str = ""
    # An interim "thought image" the model drew, downscaled (thinking models that send one).
    preview: Thumbnail | None = None
    updated_at: datetime | None = None


class StepBlock(Document):
    """A content block of a `model_output` step, without bytes: text as received, or an image as
    the index of its image in the turn's `images`."""

    type: Literal["text", "image"]
    text: str = ""
    image: int | None = None


class ReplayStep(Document):
    """One step of the model's reply as the Interactions API sent it, for replay: a `thought`
    step's `signature` exactly as received (base64; its summary is not kept), or a `model_output`
    step's `content` blocks."""

    type: Literal["thought", "model_output"]
    signature: str | None = None
    content: tuple[StepBlock, ...] = ()


class InteractionRecord(Document):
    """The interaction a model turn made and Google keeps (IMAGECHAT_INTERACTIONS_STORE): what a
    later turn needs to continue it by `previous_interaction_id`, and what account deletion deletes."""

    id: str
    model: str
    created_at: datetime | None = None
    # Interactions in the stored chain ending here (1: this one started it with a replay).
    chain_length: int = 1
    # Images in the chain's context (replayed, sent and made): a continuation must stay under the cap.
    chain_images: int = 0
    # The stored interaction this turn could not continue (expired, deleted, another model), so it
    # replayed the history instead; None when it continued or meant to start a chain.
    fallback_from: str | None = None


class RegionEdit(Document):
    """A model turn's masked edit (issue 17): `images[0]` is the composite (what the user sees and
    the next edit targets); `images[model_image]` is the model's own output for the crop, exactly as
    received (what `content`/`steps` point at and history replays, thought signature included)."""

    # storagePath of the image the mask applies to: the parent's images[0], or (a named
    # attachment) the session's copy of that attachment as it was before the edit.
    edited_image: str
    mask_path: str  # the mask as used: an L PNG (255 = editable) at the edited image's size
    mask_url: str
    mask_kind: Literal["upload", "rects", "polygons"]
    crop_box: tuple[int, int, int, int]  # x, y, w, h in the edited image's pixels
    crop_aspect_ratio: str  # the ratio the crop was resized to and the model asked for
    feather_px: int
    model_image: int = 1
    # The message's image the mask applied to (0-based, imageIds then refUrls); None: the head's image.
    attachment: int | None = None
    # Whether the whole image went with the crop, labelled as context (the session's `region_context`).
    context: bool = False


class Turn(Document):
    """users/{uid}/chatSessions/{sessionId}/turns/{id}: a user's message or the model's reply."""

    ID_FIELD = "id"

    id: str = Field(default="", exclude=True)
    role: Literal["user", "model"]
    index: int
    status: TurnStatus
    text: str = ""
    created_at: datetime | None = None
    error: StoredError | None = None
    # The tree: a user turn's parent is the model turn it continues (None: a first message), a
    # model turn's is its user turn; `lineage` is the ids from the root down to this turn. Both
    # are absent on turns written before the tree (tree.as_line gives them a line's).
    parent_id: str | None = None
    lineage: tuple[str, ...] = ()
    # Both roles; "chat" (the default) is not stored, so older turns read as chat turns.
    mode: TurnMode = "chat"
    # User turns. The options the message was sent with (None: the session's, as before the tree).
    attachments: tuple[Attachment, ...] = ()
    request_id: str | None = None
    aspect_ratio: str | None = None
    image_only: bool = False
    # While the message runs (absent otherwise).
    progress: TurnProgress | None = None
    # Model turns. The reply for replay: `content` (generateContent's parts) or `steps` (the
    # Interactions API's), by the API that made it (`api`; None: generateContent, before the field).
    # Both are empty when the document would have been too large with them.
    images: tuple[OutputImage, ...] = ()
    content: tuple[ContentPart, ...] = ()
    steps: tuple[ReplayStep, ...] = ()
    api: str | None = None
    interaction: InteractionRecord | None = None
    finish_reason: str | None = None
    usage: Usage | None = None
    model: str | None = None  # model turns: the model that answered (what `usage` was priced for)
    region: RegionEdit | None = None  # model turns: a masked edit (absent otherwise)

    # What each role stores (a user turn has no images, a model turn no attachments).
    _COMMON: ClassVar[frozenset[str]] = frozenset(
        {"role", "index", "status", "text", "created_at", "error", "parent_id", "lineage", "mode"}
    )
    STORED_BY_ROLE: ClassVar[dict[str, frozenset[str]]] = {
        "user": _COMMON | {"attachments", "request_id", "aspect_ratio", "image_only", "progress"},
        "model": _COMMON
        | {"images", "content", "steps", "api", "interaction", "finish_reason", "usage", "model", "region"},
    }
    # Model-turn fields left out while empty (turns of one API never carry the other's).
    _OMIT_IF_EMPTY: ClassVar[tuple[str, ...]] = ("steps", "api", "interaction")

    def to_firestore(self) -> dict[str, Any]:
        stored = set(self.STORED_BY_ROLE[self.role])
        stored -= {name for name in self._OMIT_IF_EMPTY if not getattr(self, name)}
        if self.error is None:
            stored.discard("error")
        if self.progress is None:
            stored.discard("progress")
        if self.mode == "chat":
            stored.discard("mode")
        if self.model is None:
            stored.discard("model")
        if self.region is None:
            stored.discard("region")
        return self.model_dump(by_alias=True, include=stored)


class Exchange(NamedTuple):
    """A complete user turn and the complete model turn that answered it: what history replays.
    An imported image (Open in Chat) is an exchange without a user turn (`user` None): a root
    model turn whose image the model receives as a user image."""

    user: Turn | None
    model: Turn

    @property
    def imported(self) -> bool:
        return self.user is None


class Lease(Document):
    """The session's `lease` map: who holds the session until when (a send, or a deletion)."""

    OMIT_IF_NONE = frozenset({"candidate_turn_ids"})

    id: str = ""
    user_turn_id: str | None = None
    # The model turn the run will write: if the run dies, whoever takes the session over removes
    # the outputs it may have stored under that id (absent: a deletion's lease, or an older one).
    model_turn_id: str | None = None
    # A message with several candidates: the model turns of the others (their outputs too).
    candidate_turn_ids: tuple[str, ...] | None = None
    request_id: str | None = None
    expires_at: datetime | None = None

    def is_live(self, at: datetime) -> bool:
        """Whether the lease still holds the session at `at` (an expired one is free to take)."""
        return self.expires_at is not None and self.expires_at > at


# A session's `head_turn_id` when the document has none (written before the tree). Never an id.
LEGACY_HEAD = ""


class Session(Document):
    """users/{uid}/chatSessions/{id}."""

    ID_FIELD = "id"
    OMIT_IF_NONE = frozenset({"lease", "history_turns", "pinned_refs", "expires_at", "purge_at"})

    id: str = Field(default="", exclude=True)
    title: str
    aspect_ratio: str
    image_size: str
    model: str
    system_prompt: str = ""
    created_at: datetime | None = None
    last_active: datetime | None = None
    turn_count: int = 0
    next_index: int = 0
    last_image: OutputImage | None = None
    usage: Usage = Field(default_factory=Usage)
    lease: Lease | None = None
    # The model turn the next message continues from; None: start from the root. Absent
    # (LEGACY_HEAD) on sessions written before the tree: their newest complete exchange is the head.
    head_turn_id: str | None = LEGACY_HEAD
    # Exchanges replayed in full to the model; None: the deployment's IMAGECHAT_HISTORY_WINDOW.
    history_turns: int | None = None
    # Pinned references: the session's own copies, prepended to every user message (None: never set).
    pinned_refs: tuple[Attachment, ...] | None = None
    # "identity": the user's identity image chat (seeds 001/002); an ordinary chat otherwise.
    kind: SessionKind = "chat"
    # Region edits also send the whole image, labelled as context (not only the crop).
    region_context: bool = False
    # The lifecycle (store/lifetimes.py): the daily sweep deletes the session once `expires_at`
    # (last activity + IMAGECHAT_SESSION_TTL_DAYS) has passed; Firestore's TTL policy on `purge_at`
    # (a grace later) only catches what the sweep missed. Absent on sessions written before.
    expires_at: datetime | None = None
    purge_at: datetime | None = None

    def to_firestore(self) -> dict[str, Any]:
        stored = super().to_firestore()
        if not self.has_tree_head:
            del stored[self.stored_name("head_turn_id")]
        return stored

    @property
    def has_tree_head(self) -> bool:
        """Whether the head is recorded (False for a session written before the tree)."""
        return self.head_turn_id != LEGACY_HEAD

    @classmethod
    def usage_increments(cls, usage: Usage) -> dict[str, Any]:
        """A partial write adding a turn's token counts to the session's totals."""
        return usage.increments(f"{cls.stored_name('usage')}.")


class RequestRecord(Document):
    """users/{uid}/chatSessions/{sessionId}/requests/{requestId}: one client request id's outcome."""

    OMIT_IF_NONE = frozenset({"response", "error"})

    state: RequestState | None = None
    user_turn_id: str | None = None
    model_turn_id: str | None = None
    payload_hash: str | None = None  # absent on records older than the check
    created_at: datetime | None = None
    # The exact send-message response body, replayed as is to a retry (opaque to the store).
    response: dict[str, Any] | None = None
    error: StoredError | None = None


class CachedFile(Document):
    """geminiFiles/{sha256}: the Gemini Files API file that holds these image bytes."""

    ID_FIELD = "sha256"

    sha256: str = Field(default="", exclude=True)
    name: str
    uri: str
    mime_type: str
    expires_at: datetime
    uploaded_at: datetime | None = None


class LibraryImage(Document):
    """users/{uid}/library/{id}: an image of the user's library (bytes under library/{uid}/)."""

    ID_FIELD = "id"

    id: str = Field(default="", exclude=True)
    name: str = ""
    mime_type: str
    width: int
    height: int
    sha256: str
    size: int = 0
    created_at: datetime | None = None
    storage_path: str
    public_url: str
    thumbnail: Thumbnail | None = None


class Preset(Document):
    """users/{uid}/presets/{id}: a prompt preset of the user's."""

    ID_FIELD = "id"

    id: str = Field(default="", exclude=True)
    name: str
    text: str
    created_at: datetime | None = None


Visibility = Literal["private", "public"]
SummaryStatus = Literal["ai", "fallback"]


class Iteration(Document):
    """One exchange on the path to a project's final image, with the project's own image copy."""

    order: int
    prompt: str
    image_url: str
    storage_path: str
    model_text: str = ""


class Project(Document):
    """users/{uid}/projects/{id}: a session published with its creative journey (seed 003)."""

    ID_FIELD = "id"

    id: str = Field(default="", exclude=True)
    title: str
    slug: str
    description: str
    featured_image_url: str
    type: str = "nano_banana_creation"
    session_id: str
    turn_id: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    visibility: Visibility = "private"
    summary_status: SummaryStatus = "ai"
    summary_model: str = ""
    usage: Usage = Field(default_factory=Usage)
    iterations: tuple[Iteration, ...] = ()
    # Seed 003's structure exactly (hero section, journey blocks): what its clients render.
    content: dict[str, Any] = Field(default_factory=dict)


# ---------------------------------------------------------------- identity image chat (seeds 001, 002)


class Identity(Document):
    """identities/{id}: a persona of the catalog (admins write it, every signed-in user reads it)."""

    ID_FIELD = "id"

    id: str = Field(default="", exclude=True)
    name: str
    description: str = ""
    prompt: str = ""  # the identity's own instructions, put into the start prompt
    default_aspect_ratio: str = "16:9"
    default_image_size: str = "4K"
    created_at: datetime | None = None
    updated_at: datetime | None = None


class ReferenceImage(Document):
    """users/{uid}/referenceImages/{id}: one of the user's own photos (bytes under reference-images/{uid}/)."""

    ID_FIELD = "id"

    id: str = Field(default="", exclude=True)
    storage_path: str
    url: str
    mime_type: str
    width: int
    height: int
    sha256: str
    created_at: datetime | None = None


class IdentityChat(Document):
    """The `identityChat` map of users/{uid}: the user's one active identity chat."""

    session_id: str
    identity_id: str
    references_hash: str = ""  # of the references the chat started with (seed 002's reference_images_hash)
    started_at: datetime | None = None


class UserProfile(Document):
    """users/{uid}: appearance preferences (what the identity prompt uses) and the active identity chat."""

    OMIT_IF_NONE = frozenset({"identity_chat"})

    appearance: dict[str, str] = Field(default_factory=dict)
    identity_chat: IdentityChat | None = None


# ---------------------------------------------------------------- quotas and the cost ledger (issue 14)


class DailyUsage(Usage):
    """users/{uid}/usage/{YYYY-MM-DD} (UTC): the day's model calls admitted (`turns`: sends,
    regenerations, edits, identity chats, project summaries) and the sums of their usage and cost."""

    ID_FIELD = "date"

    date: str = Field(default="", exclude=True)
    turns: int = 0


class MinuteCount(Document):
    """users/{uid}/quota/minute-{YYYYMMDDHHMM} (UTC): model calls admitted in that minute.
    `expires_at` is for a Firestore TTL policy (the document is useless a minute later)."""

    turns: int = 0
    expires_at: datetime | None = None


class UserLimits(Document):
    """users/{uid}/settings/limits: an admin's overrides of the deployment's quotas (None: the default)."""

    turns_per_day: int | None = None
    turns_per_minute: int | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None
