"""Reading a generateContent request body: contents, parts and generation config (keys normalised)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .imaging import read_provenance
from .wire import b64decode_any, invalid_argument

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


def parse_part(raw: Any, ci: int, pi: int) -> Part:
    if not isinstance(raw, dict):
        raise invalid_argument(f"Invalid value at 'contents[{ci}].parts[{pi}]': expected an object.")
    kind = _part_kind(raw)
    part = Part(ci, pi, kind, thought=bool(raw.get("thought", False)))
    signature = raw.get("thoughtSignature")
    if signature:
        part.signature = b64decode_any(str(signature), f"contents[{ci}].parts[{pi}].thought_signature")
    if kind == "text":
        part.text = str(raw.get("text") or "")
    elif kind == "inlineData":
        blob = raw["inlineData"] or {}
        part.mime_type = blob.get("mimeType")
        part.data = b64decode_any(str(blob.get("data") or ""), f"contents[{ci}].parts[{pi}].inline_data.data")
    elif kind == "fileData":
        ref = raw["fileData"] or {}
        part.file_uri = ref.get("fileUri")
        part.mime_type = ref.get("mimeType")
        if not part.file_uri:
            raise invalid_argument(f"Invalid value at 'contents[{ci}].parts[{pi}].file_data.file_uri': missing.")
    return part


def parse_generate_request(body: dict[str, Any]) -> GenerateRequest:
    """Parse a normalised (camelCase) body; 400 INVALID_ARGUMENT for malformed requests."""
    raw_contents = body.get("contents")
    if not raw_contents:
        raise invalid_argument("* GenerateContentRequest.contents: contents is not specified\n")
    if isinstance(raw_contents, dict):
        raw_contents = [raw_contents]
    contents: list[Content] = []
    for ci, raw in enumerate(raw_contents):
        if not isinstance(raw, dict):
            raise invalid_argument(f"Invalid value at 'contents[{ci}]': expected an object.")
        role = raw.get("role") or "user"
        if role not in ("user", "model"):
            raise invalid_argument("Please use a valid role: user, model.")
        raw_parts = raw.get("parts") or []
        if not raw_parts:
            raise invalid_argument(
                f"* GenerateContentRequest.contents[{ci}].parts: contents.parts must not be empty.\n"
            )
        contents.append(Content(ci, role, [parse_part(p, ci, pi) for pi, p in enumerate(raw_parts)]))

    system = body.get("systemInstruction") or {}
    system_parts = system.get("parts", []) if isinstance(system, dict) else []
    system_text = " ".join(str(p.get("text", "")) for p in system_parts if isinstance(p, dict))

    config = body.get("generationConfig") or {}
    modalities = [str(m).upper() for m in (config.get("responseModalities") or [])]
    for modality in modalities:
        if modality not in ("TEXT", "IMAGE", "AUDIO"):
            raise invalid_argument(f"Invalid value at 'generation_config.response_modalities': \"{modality}\"")
    image_config = config.get("imageConfig") or {}
    thinking = config.get("thinkingConfig") or {}
    return GenerateRequest(
        contents=contents,
        system_text=system_text,
        modalities=modalities,
        aspect_ratio=image_config.get("aspectRatio"),
        image_size=image_config.get("imageSize"),
        include_thoughts=bool(thinking.get("includeThoughts", False)),
        response_mime_type=config.get("responseMimeType"),
    )


# ---------------------------------------------------------------------------------------------
# The request log's view of a body: lenient, never raises.


FileSizes = Callable[[str], int | None]  # file name or URI -> size in bytes, None when unknown/expired


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
        blob = raw.get("inlineData") or {}
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
        ref = raw.get("fileData") or {}
        out["fileUri"] = ref.get("fileUri")
        out["mimeType"] = ref.get("mimeType")
        uri = out["fileUri"]
        out["bytes"] = file_sizes(uri) if file_sizes is not None and isinstance(uri, str) and uri else None
    return out


def describe_generate_body(body: dict[str, Any], file_sizes: FileSizes | None = None) -> dict[str, Any]:
    """`file_sizes` looks up a fileData part's size (the Files store); without it such parts say None."""
    raw_contents = body.get("contents") or []
    if isinstance(raw_contents, dict):
        raw_contents = [raw_contents]
    contents: list[dict[str, Any]] = []
    for raw in raw_contents if isinstance(raw_contents, list) else []:
        if not isinstance(raw, dict):
            contents.append({"role": None, "parts": []})
            continue
        parts = raw.get("parts") or []
        contents.append({"role": raw.get("role"), "parts": [_describe_part(p, file_sizes) for p in parts]})
    config = body.get("generationConfig") or {}
    image_config = config.get("imageConfig") or {} if isinstance(config, dict) else {}
    return {
        "contentCount": len(contents),
        "contents": contents,
        "hasSystemInstruction": bool(body.get("systemInstruction")),
        "responseModalities": config.get("responseModalities") if isinstance(config, dict) else None,
        "aspectRatio": image_config.get("aspectRatio") if isinstance(image_config, dict) else None,
        "imageSize": image_config.get("imageSize") if isinstance(image_config, dict) else None,
    }
