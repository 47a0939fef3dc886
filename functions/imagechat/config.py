"""Settings for the chat backend, read once from the environment.

Every limit, allowlist and TTL lives here so that a rule is written in one place.
In production the Gemini key comes from the `GEMINI_API_KEY` secret (declared in
main.py), which Cloud Functions exposes as an environment variable too.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any, Literal, get_args

from firebase_functions import params

# Declared here, not in main.py: functions-framework executes main.py once per function, and
# a parameter may be declared only once per process. Cloud Functions exposes it as an env var.
GEMINI_API_KEY = params.SecretParam("GEMINI_API_KEY")

DEFAULT_MODEL = "gemini-2.5-flash-image"
DEFAULT_IMAGE_SIZE = "1K"
ASPECT_RATIOS: tuple[str, ...] = (
    "1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9",
)
# Images one model request may carry when a model has no cap of its own (see ModelSpec).
DEFAULT_MAX_INPUT_IMAGES = 14
# The two Gemini APIs a model can be called through (gemini/generate_transport.py,
# gemini/interactions_transport.py). New models launch on the Interactions API only.
ModelApi = Literal["generate_content", "interactions"]
MODEL_APIS: tuple[str, ...] = get_args(ModelApi)


@dataclass(frozen=True)
class ModelSpec:
    """What one image model takes: everything the backend decides per model is here."""

    name: str
    image_sizes: tuple[str, ...]
    # Images one model request may carry, history included (user attachments and the model's
    # outputs alike). The 3.x image models reject more than 14 (400 INVALID_ARGUMENT).
    max_input_images: int = DEFAULT_MAX_INPUT_IMAGES
    aspect_ratios: tuple[str, ...] = ASPECT_RATIOS
    # Thinking models send thought summaries (and interim "thought images") when asked: the live
    # progress shows them. 2.5 Flash Image does not think and rejects a thinking config.
    thoughts: bool = False
    # The API the model is called through (a deployment may force one: IMAGECHAT_MODEL_API).
    api: ModelApi = "generate_content"


# The model allowlist, one entry per model. 2.5 Flash Image renders at 1K only; the 3.x models
# also take 2K and 4K. 2.5 Flash Image has no documented hard input cap (it "works best" with up
# to 3 inputs); it gets the same 14 so that a conversation behaves the same on every model.
# All three are served by both APIs; they stay on generateContent (proven) unless the deployment
# says otherwise. A model released on the Interactions API only is added with api="interactions".
MODEL_SPECS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("gemini-2.5-flash-image", ("1K",)),
        ModelSpec("gemini-3-pro-image-preview", ("1K", "2K", "4K"), thoughts=True),
        ModelSpec("gemini-3.1-flash-image-preview", ("1K", "2K", "4K"), thoughts=True),
    )
}
MODELS: tuple[str, ...] = tuple(MODEL_SPECS)


def model_spec(model: str) -> ModelSpec:
    """The spec of a model; a model no longer on the allowlist (an old session's) gets the default
    size only and the default image cap, so its sessions keep working."""
    return MODEL_SPECS.get(model) or ModelSpec(model, (DEFAULT_IMAGE_SIZE,))


def model_api(model: str, conf: Settings) -> ModelApi:
    """The API a model is called through: the deployment's override, else the model table's."""
    if conf.model_api == "interactions":
        return "interactions"
    if conf.model_api == "generate_content":
        return "generate_content"
    return model_spec(model).api


def image_sizes(model: str) -> tuple[str, ...]:
    """The output sizes a model takes (a model no longer on the allowlist: the default only)."""
    return model_spec(model).image_sizes


DEFAULT_ASPECT_RATIO = "1:1"
DEFAULT_TITLE = "New chat"

# Accepted input formats (Pillow format name → MIME type).
INPUT_FORMATS: dict[str, str] = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "WEBP": "image/webp",
}

# The deadline of a function that runs a turn (main.py's timeout_sec). The lease outlives it
# by LEASE_MARGIN_S, so a live run never loses its lease in normal operation.
TURN_TIMEOUT_S = 300
LEASE_MARGIN_S = 60
DEFAULT_LEASE_TTL_S = float(TURN_TIMEOUT_S + LEASE_MARGIN_S)

MAX_IMAGES_PER_MESSAGE = 14
# Variations: model calls one message may ask for (`candidates`), run in parallel under its lease.
MAX_CANDIDATES = 4
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 50_000_000
MAX_TEXT_CHARS = 8000
MAX_TITLE_CHARS = 200
MAX_SYSTEM_PROMPT_CHARS = 8000
MAX_REQUEST_ID_CHARS = 128
MAX_HISTORY_TURNS = 50
DEFAULT_LIST_LIMIT = 20
MAX_LIST_LIMIT = 100
THUMBNAIL_MAX_PX = 256
# Firestore refuses documents over 1 MiB. A model turn whose stored size would pass this is written
# without its `content` (history then falls back to the turn's text and images).
MAX_TURN_DOCUMENT_BYTES = 900_000

# Storage layout. Temporary uploads of a user live under their own prefix; a message may
# only reference objects under the caller's own prefixes.
UPLOADS_PREFIX = "uploads"
CHAT_IMAGES_PREFIX = "chat-images"
REFERENCE_IMAGES_PREFIX = "reference-images"  # a user's reference photos (identity image chat)
PROJECTS_PREFIX = "projects"  # projects/{uid}/{projectId}/: a project's own image copies

# Temporary uploads not used within this many seconds are removed (storage-lifecycle.json's rule in
# production, the daily sweep as well).
TEMP_UPLOAD_MAX_AGE_S = 24 * 3600

# The image library (issue 10): library/{uid}/{imageId}.{ext} and its thumbnail.
LIBRARY_PREFIX = "library"
MAX_LIBRARY_NAME_CHARS = 200
# Pinned references of a session (prepended to every user message).
MAX_PINNED_REFS = 4
# Prompt presets of a user.
MAX_PRESET_NAME_CHARS = 100
MAX_PRESETS = 100


def _firebase_config() -> dict[str, Any]:
    """FIREBASE_CONFIG, which Cloud Functions sets to a JSON object (projectId, storageBucket)."""
    raw = os.environ.get("FIREBASE_CONFIG", "")
    if raw.startswith("{"):
        parsed = json.loads(raw)
        if isinstance(parsed, dict):
            return parsed
    return {}


@dataclass(frozen=True)
class Settings:
    """Runtime settings; everything that differs between local and production."""

    project_id: str
    bucket: str
    gemini_api_key: str
    gemini_base_url: str | None
    storage_emulator_host: str | None
    # The Files API keeps uploads 48 h; a cache entry is trusted until this margin before expiry.
    files_safety_margin_s: float = 2 * 3600.0
    lease_ttl_s: float = DEFAULT_LEASE_TTL_S
    history_window_exchanges: int = 2
    # The text model that writes a project's creative-journey summary.
    summary_model: str = "gemini-2.5-flash"
    retry_attempts: int = 3
    retry_initial_delay_s: float = 1.0
    retry_max_delay_s: float = 10.0
    request_timeout_ms: int = 120_000
    # Per-user quotas of model calls (turns, edits, regenerations, identity chats, summaries): the
    # deployment's defaults; an admin overrides them per user (users/{uid}/settings/limits).
    turns_per_day: int = 200
    turns_per_minute: int = 10
    # Overrides of pricing.PRICES, as JSON: {"<model>": {"inputPerMillion": .., ...}} (see pricing.py).
    prices_json: str = ""
    # How long one Firestore call (its retries included) or one Storage operation may take before
    # the backend gives up: a stalled emulator or backend must fail a turn in seconds, not hang it
    # for the client libraries' own deadlines (Firestore: 60 s per commit, 300 s per read;
    # Storage: 120 s of retries).
    firestore_deadline_s: float = 30.0
    storage_deadline_s: float = 60.0
    # "" (each model's own API, ModelSpec.api), "generate_content" or "interactions" for every model.
    model_api: str = ""
    # Interactions API only: keep each interaction at Google (`store: true`) and continue the head's
    # with `previous_interaction_id` instead of replaying the history. Off: every turn replays.
    interactions_store: bool = False
    # How long Google keeps a stored interaction (55 days on the paid tier, 1 on the free tier); an
    # older one is not continued (a new chain starts with a replay).
    interactions_retention_days: float = 55.0
    # The session lifecycle (lifecycle.py): a session expires this long after its last activity;
    # Firestore's TTL policy on `purgeAt` deletes the session document a grace later, if the daily
    # sweep missed it. The sweep deletes sessions in batches, at most `sweep_max_batches` per run.
    session_ttl_days: float = 30.0
    session_purge_grace_days: float = 7.0
    sweep_batch_sessions: int = 20
    sweep_max_batches: int = 100


# Settings a deployment may override, by environment variable; the defaults are Settings' own.
ENV_OVERRIDES: dict[str, str] = {
    "files_safety_margin_s": "IMAGECHAT_FILES_SAFETY_MARGIN_S",
    "lease_ttl_s": "IMAGECHAT_LEASE_TTL_S",
    "history_window_exchanges": "IMAGECHAT_HISTORY_WINDOW",
    "summary_model": "IMAGECHAT_SUMMARY_MODEL",
    "retry_attempts": "IMAGECHAT_GEMINI_RETRY_ATTEMPTS",
    "retry_initial_delay_s": "IMAGECHAT_GEMINI_RETRY_DELAY_S",
    "retry_max_delay_s": "IMAGECHAT_GEMINI_RETRY_MAX_DELAY_S",
    "turns_per_day": "IMAGECHAT_TURNS_PER_DAY",
    "turns_per_minute": "IMAGECHAT_TURNS_PER_MINUTE",
    "prices_json": "IMAGECHAT_PRICES_JSON",
    "firestore_deadline_s": "IMAGECHAT_FIRESTORE_DEADLINE_S",
    "storage_deadline_s": "IMAGECHAT_STORAGE_DEADLINE_S",
    "model_api": "IMAGECHAT_MODEL_API",
    "interactions_store": "IMAGECHAT_INTERACTIONS_STORE",
    "interactions_retention_days": "IMAGECHAT_INTERACTIONS_RETENTION_DAYS",
    "session_ttl_days": "IMAGECHAT_SESSION_TTL_DAYS",
    "session_purge_grace_days": "IMAGECHAT_SESSION_PURGE_GRACE_DAYS",
    "sweep_batch_sessions": "IMAGECHAT_SWEEP_BATCH_SESSIONS",
    "sweep_max_batches": "IMAGECHAT_SWEEP_MAX_BATCHES",
}
# Against a local Gemini emulator, retry quickly so a failing test does not wait seconds.
EMULATOR_DEFAULTS: dict[str, Any] = {"retry_initial_delay_s": 0.05, "retry_max_delay_s": 0.2}


def load_settings() -> Settings:
    """Reads the environment; a fresh object each call. The backend reads `settings()` (once per
    instance); this is for tests that change the environment."""
    firebase = _firebase_config()
    base_url = os.environ.get("GOOGLE_GEMINI_BASE_URL") or None
    values: dict[str, Any] = dict(EMULATOR_DEFAULTS) if base_url else {}
    for item in fields(Settings):
        raw = os.environ.get(ENV_OVERRIDES.get(item.name, ""))
        if item.name in ENV_OVERRIDES and raw:
            default: Any = item.default  # int, float, str or bool: the override is read as that type
            values[item.name] = _parse_bool(item.name, raw) if isinstance(default, bool) else type(default)(raw)
    if values.get("model_api", "") not in ("", *MODEL_APIS):
        raise ValueError(f"IMAGECHAT_MODEL_API must be one of {', '.join(MODEL_APIS)} (got {values['model_api']!r}).")
    return Settings(
        project_id=str(
            firebase.get("projectId")
            or os.environ.get("GCLOUD_PROJECT")
            or os.environ.get("GOOGLE_CLOUD_PROJECT")
            or "demo-imagechat"
        ),
        bucket=str(firebase.get("storageBucket") or os.environ.get("STORAGE_BUCKET") or "demo-imagechat.appspot.com"),
        gemini_api_key=os.environ.get("GEMINI_API_KEY") or ("emulator" if base_url else ""),
        gemini_base_url=base_url,
        storage_emulator_host=os.environ.get("STORAGE_EMULATOR_HOST") or None,
        **values,
    )


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{ENV_OVERRIDES[name]} must be true or false (got {raw!r}).")


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process-wide settings (read once per instance)."""
    return load_settings()


# Firebase App Check: enforced on every callable and the REST function when this is true (docs/api.md).
# Read here, not in web/app_check.py, so that main.py decides without importing the adapters.
ENFORCE_APP_CHECK_ENV = "IMAGECHAT_ENFORCE_APP_CHECK"


def app_check_enforced() -> bool:
    """Whether the deployment enforces App Check (read on each call: the environment decides)."""
    return os.environ.get(ENFORCE_APP_CHECK_ENV, "").strip().lower() in ("1", "true", "yes", "on")
