"""Use cases on prompt presets: the user's own (users/{uid}/presets/{id}) and a small read-only
built-in set (ids `builtin:...`), listed together. A message naming `presetId` sends the
preset's text first, then its own text."""

from __future__ import annotations

from imagechat import clock, config
from imagechat.deps import Deps
from imagechat.errors import InvalidArgument, NotFound
from imagechat.library_schemas import (
    CreatePresetRequest,
    ListPresetsResponse,
    PresetResponse,
    PresetView,
    UpdatePresetRequest,
)
from imagechat.schemas import SendMessageRequest
from imagechat.store.documents import Preset

BUILTIN_PREFIX = "builtin:"
PRESET_NOT_FOUND = "Preset not found."
BUILTIN_READ_ONLY = "Built-in presets are read-only: create your own preset to change it."

BUILTIN_PRESETS: tuple[Preset, ...] = (
    Preset(
        id=f"{BUILTIN_PREFIX}warmer-light",
        name="Warmer light",
        text="Make the lighting warmer, like golden-hour sunlight, keeping everything else unchanged.",
    ),
    Preset(
        id=f"{BUILTIN_PREFIX}remove-background",
        name="Remove background",
        text="Remove the background and replace it with plain white, keeping the subject exactly as it is.",
    ),
    Preset(
        id=f"{BUILTIN_PREFIX}studio-portrait",
        name="Studio portrait",
        text="Turn this into a professional studio portrait: soft key light, neutral backdrop, "
        "sharp focus on the face.",
    ),
)
_BUILTINS = {preset.id: preset for preset in BUILTIN_PRESETS}


def preset_view(preset: Preset) -> PresetView:
    return PresetView(id=preset.id, name=preset.name, text=preset.text, builtin=preset.id.startswith(BUILTIN_PREFIX))


def find_preset(deps: Deps, uid: str, preset_id: str, field: str = "presetId") -> Preset:
    """A built-in preset or one of the user's; anything else (another user's too) is a 404."""
    preset = _BUILTINS.get(preset_id) if preset_id.startswith(BUILTIN_PREFIX) else deps.presets.get(uid, preset_id)
    if preset is None:
        raise NotFound(f"{field}: preset {preset_id!r} not found.")
    return preset


def message_text(deps: Deps, uid: str, req: SendMessageRequest) -> str:
    """The message's instruction: the preset's text (if `presetId`), then the message's own text."""
    text = req.text.strip()
    if req.preset_id is None:
        return text
    preset_text = find_preset(deps, uid, req.preset_id).text.strip()
    return f"{preset_text}\n\n{text}" if text else preset_text


def list_presets(deps: Deps, uid: str) -> ListPresetsResponse:
    own = deps.presets.list(uid, config.MAX_PRESETS)
    return ListPresetsResponse(presets=[preset_view(p) for p in (*BUILTIN_PRESETS, *own)])


def create_preset(deps: Deps, uid: str, req: CreatePresetRequest) -> PresetResponse:
    name, text = req.name.strip(), req.text.strip()
    if not name or not text:
        raise InvalidArgument(f"{'name' if not name else 'text'}: must not be blank.")
    if deps.presets.count(uid) >= config.MAX_PRESETS:
        raise InvalidArgument(f"presets: at most {config.MAX_PRESETS} presets per user; delete one first.")
    preset = deps.presets.create(uid, Preset(name=name, text=text, created_at=clock.now()))
    return PresetResponse(preset=preset_view(preset))


def _own_preset(deps: Deps, uid: str, preset_id: str) -> Preset:
    if preset_id.startswith(BUILTIN_PREFIX):
        raise InvalidArgument(f"presetId: {BUILTIN_READ_ONLY}")
    preset = deps.presets.get(uid, preset_id)
    if preset is None:
        raise NotFound(PRESET_NOT_FOUND)
    return preset


def update_preset(deps: Deps, uid: str, preset_id: str, req: UpdatePresetRequest) -> PresetResponse:
    preset = _own_preset(deps, uid, preset_id)
    name = None if req.name is None else req.name.strip()
    text = None if req.text is None else req.text.strip()
    if name == "" or text == "":
        raise InvalidArgument(f"{'name' if name == '' else 'text'}: must not be blank.")
    deps.presets.update(uid, preset_id, name=name, text=text)
    updated = preset.model_copy(update={k: v for k, v in {"name": name, "text": text}.items() if v is not None})
    return PresetResponse(preset=preset_view(updated))


def delete_preset(deps: Deps, uid: str, preset_id: str) -> None:
    _own_preset(deps, uid, preset_id)
    deps.presets.delete(uid, preset_id)
