"""Reading a generateContent request body: contents, parts and generation config (keys normalised)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .imaging import read_provenance
from .wire import ApiError, b64decode_any, invalid_argument

PART_KINDS = (
    "text",
    "inlineData",
    "fileData",
    "functionCall",
    "functionResponse",
    "executableCode",
    "codeExecutionResult",
)


@dataclass
class Part:
    content_index: int  # 0-based position in `contents`
    part_index: int  # 0-based position in the content's `parts`
    kind: str  # one of PART_KINDS, or "other"
    text: str = ""
    data: bytes | None = None  # inlineData, decoded
    mime_type: str | None = None
    file_uri: str | None = None
    signature: bytes | None = None
    thought: bool = False

    @property
    def is_image(self) -> bool:
        if self.kind == "inlineData":
            return (self.mime_type or "").lower().startswith("image/")
        if self.kind == "fileData":
            return self.mime_type is None or self.mime_type.lower().startswith("image/")
        return False


@dataclass
class Content:
    index: int
    role: str
    parts: list[Part] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(p.text for p in self.parts if p.kind == "text" and not p.thought)


@dataclass
class GenerateRequest:
    contents: list[Content]
    system_text: str
    modalities: list[str]  # upper-case; empty when not given
    aspect_ratio: str | None
    image_size: str | None
    include_thoughts: bool
    response_mime_type: str | None
    seed: int | None = None  # generationConfig.seed: a deterministic variation of the output

    def last_user(self) -> Content | None:
        for content in reversed(self.contents):
            if content.role == "user":
                return content
        return None


def _part_kind(raw: dict[str, Any]) -> str:
    for kind in PART_KINDS:
        if kind in raw:
            return kind
    return "other"


# ---------------------------------------------------------------------------------------------
# Type checks: a value of the wrong JSON type is a 400 naming the field, as the real API answers
# (`Invalid value at 'generation_config.image_config' (ImageConfig), "16:9"`), never a 500.


def _wrong_type(path: str, type_name: str, value: Any) -> ApiError:
    shown = json.dumps(value, default=str)
    if len(shown) > 60:
        shown = shown[:60] + "..."
    return invalid_argument(f"Invalid value at '{path}' ({type_name}), {shown}")


def check_object(value: Any, path: str, type_name: str) -> dict[str, Any]:
    """An object field (absent/null → {})."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _wrong_type(path, type_name, value)
    return value


def check_string(value: Any, path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _wrong_type(path, "TYPE_STRING", value)
    return value


def check_bool(value: Any, path: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _wrong_type(path, "TYPE_BOOL", value)
    return value


def check_int(value: Any, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _wrong_type(path, "TYPE_INT32", value)
    try:
        return int(value)
    except ValueError:
        raise _wrong_type(path, "TYPE_INT32", value) from None


def check_list(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _wrong_type(path, "a repeated field: expected a list", value)
    return value


def parse_part(raw: Any, ci: int, pi: int) -> Part:
    path = f"contents[{ci}].parts[{pi}]"
    if not isinstance(raw, dict):
        raise _wrong_type(path, "Part", raw)
    kind = _part_kind(raw)
    part = Part(ci, pi, kind, thought=check_bool(raw.get("thought"), f"{path}.thought"))
    signature = check_string(raw.get("thoughtSignature"), f"{path}.thought_signature")
    if signature:
        part.signature = b64decode_any(signature, f"{path}.thought_signature")
    if kind == "text":
        part.text = check_string(raw.get("text"), f"{path}.text") or ""
    elif kind == "inlineData":
        blob = check_object(raw["inlineData"], f"{path}.inline_data", "Blob")
        part.mime_type = check_string(blob.get("mimeType"), f"{path}.inline_data.mime_type")
        data = check_string(blob.get("data"), f"{path}.inline_data.data") or ""
        part.data = b64decode_any(data, f"{path}.inline_data.data")
    elif kind == "fileData":
        ref = check_object(raw["fileData"], f"{path}.file_data", "FileData")
        part.file_uri = check_string(ref.get("fileUri"), f"{path}.file_data.file_uri")
        part.mime_type = check_string(ref.get("mimeType"), f"{path}.file_data.mime_type")
        if not part.file_uri:
            raise invalid_argument(f"Invalid value at '{path}.file_data.file_uri': missing.")
    return part


def parse_generate_request(body: Any) -> GenerateRequest:
    """Parse a normalised (camelCase) body; 400 INVALID_ARGUMENT for malformed requests."""
    if not isinstance(body, dict):
        raise _wrong_type("generate_content_request", "GenerateContentRequest", body)
    raw_contents = body.get("contents")
    if not raw_contents:
        raise invalid_argument("* GenerateContentRequest.contents: contents is not specified\n")
    if isinstance(raw_contents, dict):
        raw_contents = [raw_contents]
    contents: list[Content] = []
    for ci, raw in enumerate(check_list(raw_contents, "contents")):
        if not isinstance(raw, dict):
            raise _wrong_type(f"contents[{ci}]", "Content", raw)
        role = check_string(raw.get("role"), f"contents[{ci}].role") or "user"
        if role not in ("user", "model"):
            raise invalid_argument("Please use a valid role: user, model.")
        raw_parts = check_list(raw.get("parts"), f"contents[{ci}].parts")
        if not raw_parts:
            raise invalid_argument(
                f"* GenerateContentRequest.contents[{ci}].parts: contents.parts must not be empty.\n"
            )
        contents.append(Content(ci, role, [parse_part(p, ci, pi) for pi, p in enumerate(raw_parts)]))

    system = check_object(body.get("systemInstruction"), "system_instruction", "Content")
    system_texts: list[str] = []
    for pi, raw_part in enumerate(check_list(system.get("parts"), "system_instruction.parts")):
        path = f"system_instruction.parts[{pi}]"
        system_part = check_object(raw_part, path, "Part")
        system_texts.append(check_string(system_part.get("text"), f"{path}.text") or "")
    system_text = " ".join(system_texts)

    config = check_object(body.get("generationConfig"), "generation_config", "GenerationConfig")
    modalities: list[str] = []
    for raw_modality in check_list(config.get("responseModalities"), "generation_config.response_modalities"):
        modality = check_string(raw_modality, "generation_config.response_modalities") or ""
        if modality.upper() not in ("TEXT", "IMAGE", "AUDIO"):
            raise invalid_argument(f"Invalid value at 'generation_config.response_modalities': \"{modality}\"")
        modalities.append(modality.upper())
    image_config = check_object(config.get("imageConfig"), "generation_config.image_config", "ImageConfig")
    thinking = check_object(config.get("thinkingConfig"), "generation_config.thinking_config", "ThinkingConfig")
    return GenerateRequest(
        contents=contents,
        system_text=system_text,
        modalities=modalities,
        aspect_ratio=check_string(image_config.get("aspectRatio"), "generation_config.image_config.aspect_ratio"),
        image_size=check_string(image_config.get("imageSize"), "generation_config.image_config.image_size"),
        include_thoughts=check_bool(
            thinking.get("includeThoughts"), "generation_config.thinking_config.include_thoughts"
        ),
        response_mime_type=check_string(config.get("responseMimeType"), "generation_config.response_mime_type"),
        seed=check_int(config.get("seed"), "generation_config.seed"),
    )


# ---------------------------------------------------------------------------------------------
# The request log's view of a body: lenient, never raises.


FileSizes = Callable[[str], int | None]  # file name or URI -> size in bytes, None when unknown/expired


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _system_text(raw: Any) -> str:
    """The system instruction's text parts, joined (what the model was told besides the turns)."""
    parts = _as_list(_as_dict(raw).get("parts"))
    return " ".join(str(_as_dict(p).get("text") or "") for p in parts).strip()


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _describe_part(raw: Any, file_sizes: FileSizes | None) -> dict[str, Any]:
    if not isinstance(raw, dict):
        return {"kind": "invalid"}
    kind = _part_kind(raw)
    out: dict[str, Any] = {"kind": kind, "hasSignature": bool(raw.get("thoughtSignature"))}
    if raw.get("thought"):
        out["thought"] = True
    if kind == "text":
        out["textLength"] = len(str(raw.get("text") or ""))
    elif kind == "inlineData":
        blob = _as_dict(raw.get("inlineData"))
        out["mimeType"] = blob.get("mimeType")
        try:
            data = b64decode_any(str(blob.get("data") or ""))
        except Exception:
            out["bytes"] = None
        else:
            out["bytes"] = len(data)
            out["sha256"] = hashlib.sha256(data).hexdigest()
            if str(out["mimeType"]).startswith("image/"):
                out["provenance"] = read_provenance(data)
    elif kind == "fileData":
        ref = _as_dict(raw.get("fileData"))
        out["fileUri"] = ref.get("fileUri")
        out["mimeType"] = ref.get("mimeType")
        uri = out["fileUri"]
        out["bytes"] = file_sizes(uri) if file_sizes is not None and isinstance(uri, str) and uri else None
    return out


def describe_generate_body(body: dict[str, Any], file_sizes: FileSizes | None = None) -> dict[str, Any]:
    """`file_sizes` looks up a fileData part's size (the Files store); without it such parts say None."""
    raw_contents = body.get("contents")
    if isinstance(raw_contents, dict):
        raw_contents = [raw_contents]
    contents: list[dict[str, Any]] = []
    for raw in _as_list(raw_contents):
        if not isinstance(raw, dict):
            contents.append({"role": None, "parts": []})
            continue
        parts = [_describe_part(p, file_sizes) for p in _as_list(raw.get("parts"))]
        contents.append({"role": raw.get("role"), "parts": parts})
    config = _as_dict(body.get("generationConfig"))
    image_config = _as_dict(config.get("imageConfig"))
    return {
        "contentCount": len(contents),
        "contents": contents,
        "hasSystemInstruction": bool(body.get("systemInstruction")),
        "systemText": _system_text(body.get("systemInstruction")),
        "responseModalities": config.get("responseModalities"),
        "aspectRatio": image_config.get("aspectRatio"),
        "imageSize": image_config.get("imageSize"),
        "seed": config.get("seed"),
    }
