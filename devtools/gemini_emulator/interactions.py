"""The Interactions API (`POST /{ver}/interactions`): requests as steps, run on the same model
behaviour as generateContent (the same edits, provenance, refusals and usage figures), answered as
steps, JSON or server-sent events.

An interaction's context is its stored chain (`previous_interaction_id`: the parent's history, its
input and its output steps) followed by its own input steps. It becomes generateContent contents:
`user_input` → a user content, `model_output` → a model content, and a `thought` step's signature
is what the following `model_output`'s images are checked against (signatures ride on thought
steps here, not on image parts).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .files import FileStore
from .generate import Generator, image_signature, signature_valid_for, text_signature
from .models import ASPECT_SIZES_1K, ModelSpec
from .request_body import check_int, describe_generate_body
from .wire import ApiError, b64decode_any, b64encode, invalid_argument

Step = dict[str, Any]

STEP_TYPES = frozenset({"user_input", "model_output", "thought"})
TOOL_STEP_TYPES = frozenset(
    {
        "function_call",
        "function_result",
        "code_execution_call",
        "code_execution_result",
        "url_context_call",
        "url_context_result",
        "google_search_call",
        "google_search_result",
        "google_maps_call",
        "google_maps_result",
        "file_search_call",
        "file_search_result",
        "mcp_server_tool_call",
        "mcp_server_tool_result",
        "retrieval_call",
        "retrieval_result",
        "processing_call",
        "processing_result",
    }
)
CONTENT_TYPES = frozenset({"text", "image", "audio", "document", "video"})
# Every field CreateModelInteraction / CreateAgentInteraction has (the SDK's request models).
CREATE_FIELDS = frozenset(
    {
        "model",
        "input",
        "previous_interaction_id",
        "store",
        "background",
        "stream",
        "system_instruction",
        "generation_config",
        "response_format",
        "response_mime_type",
        "response_modalities",
        "safety_settings",
        "tools",
        "labels",
        "service_tier",
        "webhook_config",
        "cached_content",
        "continuation_token",
        "environment",
        "agent",
        "agent_config",
    }
)
THINKING_LEVELS = frozenset({"minimal", "low", "medium", "high", "xhigh"})
# Refusals: the generateContent reason → the Interactions error code the emulator records.
REFUSAL_CODES = {
    "PROHIBITED_CONTENT": "prohibited_content",
    "IMAGE_SAFETY": "image_safety",
    "NO_IMAGE": "no_image",
}


def invalid_request(message: str) -> ApiError:
    return invalid_argument(message)


def parameter_unknown(name: str) -> ApiError:
    message = f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.'
    return ApiError(400, message, interactions_code="parameter_unknown")


def _wrong_type(path: str, expected: str, value: Any) -> ApiError:
    shown = json.dumps(value, default=str)
    if len(shown) > 60:
        shown = shown[:60] + "..."
    return invalid_request(f"Invalid value at '{path}' ({expected}), {shown}")


def _opt_str(body: dict[str, Any], key: str, path: str | None = None) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise _wrong_type(path or key, "TYPE_STRING", value)
    return value


def _opt_bool(body: dict[str, Any], key: str, default: bool) -> bool:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _wrong_type(key, "TYPE_BOOL", value)
    return value


def _opt_dict(body: dict[str, Any], key: str, path: str) -> dict[str, Any]:
    value = body.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _wrong_type(path, "object", value)
    return value


# ---------------------------------------------------------------------------------------------
# Requests


@dataclass
class InteractionRequest:
    model: str
    input_steps: list[Step]
    previous_interaction_id: str | None
    store: bool
    background: bool
    stream: bool
    system_instruction: str | None
    thinking_summaries: bool  # generation_config.thinking_summaries == "auto"
    aspect_ratio: str | None
    image_size: str | None
    modalities: list[str] = field(default_factory=list)  # upper-case; empty: the model's default
    seed: int | None = None  # generation_config.seed: a deterministic variation (as generateContent's)


def _check_block(block: Any, path: str) -> Step:
    if not isinstance(block, dict):
        raise _wrong_type(path, "Content", block)
    kind = block.get("type")
    if kind is None and "text" in block:
        kind = "text"
    if kind not in CONTENT_TYPES:
        raise invalid_request(f"Invalid value at '{path}.type': unknown content type {kind!r}.")
    if kind == "text":
        if not isinstance(block.get("text"), str):
            raise invalid_request(f"'{path}.text' is required for a text content.")
        return {**block, "type": "text"}
    data, uri = _opt_str(block, "data", f"{path}.data"), _opt_str(block, "uri", f"{path}.uri")
    if not data and not uri:
        raise invalid_request(f"An {kind} content needs 'data' or 'uri' ({path}).")
    if data:
        b64decode_any(data, f"{path}.data")  # a bad base64 is a 400 now, not later
    _opt_str(block, "mime_type", f"{path}.mime_type")
    return dict(block)


def _check_step(step: Any, path: str) -> Step:
    if not isinstance(step, dict):
        raise _wrong_type(path, "Step", step)
    kind = step.get("type")
    if kind in TOOL_STEP_TYPES:
        raise invalid_request(f"Step type '{kind}' ({path}) is not supported: the image models use no tools.")
    if kind not in STEP_TYPES:
        raise invalid_request(f"Invalid value at '{path}.type': unknown step type {kind!r}.")
    if kind == "thought":
        signature = _opt_str(step, "signature", f"{path}.signature")
        if signature:
            b64decode_any(signature, f"{path}.signature")
        summary = step.get("summary")
        if summary is not None and not isinstance(summary, list):
            raise _wrong_type(f"{path}.summary", "a repeated field: expected a list", summary)
        return dict(step)
    content = step.get("content")
    if not isinstance(content, list):
        raise _wrong_type(f"{path}.content", "a repeated field: expected a list", content)
    if kind == "user_input" and not content:
        raise invalid_request(f"'{path}.content' must not be empty.")
    return {**step, "content": [_check_block(b, f"{path}.content[{i}]") for i, b in enumerate(content)]}


def _is_step(value: Any) -> bool:
    return isinstance(value, dict) and (value.get("type") in STEP_TYPES or value.get("type") in TOOL_STEP_TYPES)


def input_steps(raw: Any) -> list[Step]:
    """`input` as steps: a string, a content block or a list of them become one `user_input` step;
    a list of steps (a stateless replay) stays as it is."""
    if raw is None:
        raise invalid_request("'input' is required.")
    if isinstance(raw, str):
        if not raw:
            raise invalid_request("'input' must not be empty.")
        return [{"type": "user_input", "content": [{"type": "text", "text": raw}]}]
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise _wrong_type("input", "InteractionsInput", raw)
    if all(_is_step(item) for item in raw):
        return [_check_step(item, f"input[{i}]") for i, item in enumerate(raw)]
    if any(_is_step(item) for item in raw):
        raise invalid_request("'input' mixes steps and content blocks: send a list of one or the other.")
    return [_check_step({"type": "user_input", "content": raw}, "input")]


def _image_options(raw: Any, path: str) -> tuple[str | None, str | None]:
    if not isinstance(raw, dict):
        raise _wrong_type(path, "ImageResponseFormat", raw)
    return _opt_str(raw, "aspect_ratio", f"{path}.aspect_ratio"), _opt_str(raw, "image_size", f"{path}.image_size")


def parse_request(body: dict[str, Any]) -> InteractionRequest:
    """A create body (keys snake_case); 400 for what the API would refuse."""
    for key in body:
        if key not in CREATE_FIELDS:
            raise parameter_unknown(key)
    if body.get("agent") is not None or body.get("agent_config") is not None:
        raise invalid_request("Agents are not available in the emulator: give a 'model'.")
    model = _opt_str(body, "model")
    if not model:
        raise invalid_request("'model' is required.")
    store = _opt_bool(body, "store", True)
    background = _opt_bool(body, "background", False)
    stream = _opt_bool(body, "stream", False)
    previous = _opt_str(body, "previous_interaction_id")
    if previous and not store:
        raise invalid_request("'previous_interaction_id' cannot be used with 'store': false.")
    if background and not store:
        raise invalid_request("'background': true requires 'store': true.")
    if background and stream:
        raise invalid_request("'background' and 'stream' cannot both be true: stream it with a get.")

    config = _opt_dict(body, "generation_config", "generation_config")
    summaries = _opt_str(config, "thinking_summaries", "generation_config.thinking_summaries")
    if summaries not in (None, "auto", "none"):
        raise invalid_request(f"Invalid value at 'generation_config.thinking_summaries': {summaries!r}.")
    level = _opt_str(config, "thinking_level", "generation_config.thinking_level")
    if level is not None and level not in THINKING_LEVELS:
        raise invalid_request(f"Invalid value at 'generation_config.thinking_level': {level!r}.")
    aspect_ratio, image_size = None, None
    if config.get("image_config") is not None:
        aspect_ratio, image_size = _image_options(config["image_config"], "generation_config.image_config")
    formats = body.get("response_format")
    for index, fmt in enumerate(formats if isinstance(formats, list) else [formats] if formats else []):
        path = f"response_format[{index}]" if isinstance(formats, list) else "response_format"
        if not isinstance(fmt, dict):
            raise _wrong_type(path, "ResponseFormat", fmt)
        if fmt.get("type") == "image":
            ratio, size = _image_options(fmt, path)
            aspect_ratio, image_size = ratio or aspect_ratio, size or image_size
    modalities: list[str] = []
    raw_modalities = body.get("response_modalities")
    if raw_modalities is not None:
        if not isinstance(raw_modalities, list):
            raise _wrong_type("response_modalities", "a repeated field: expected a list", raw_modalities)
        for value in raw_modalities:
            if not isinstance(value, str) or value.upper() not in ("TEXT", "IMAGE", "AUDIO"):
                raise invalid_request(f"Invalid value at 'response_modalities': {value!r}.")
            modalities.append(value.upper())
    if aspect_ratio is not None and aspect_ratio not in ASPECT_SIZES_1K:
        raise invalid_request(
            f"Unsupported aspect ratio '{aspect_ratio}'. Supported values are: {', '.join(ASPECT_SIZES_1K)}."
        )
    return InteractionRequest(
        model=model.removeprefix("models/"),
        input_steps=input_steps(body.get("input")),
        previous_interaction_id=previous,
        store=store,
        background=background,
        stream=stream,
        system_instruction=_opt_str(body, "system_instruction"),
        thinking_summaries=summaries == "auto",
        aspect_ratio=aspect_ratio,
        image_size=image_size,
        modalities=modalities,
        seed=check_int(config.get("seed"), "generation_config.seed"),
    )


# ---------------------------------------------------------------------------------------------
# Steps → generateContent contents


def _part(block: Step) -> dict[str, Any]:
    if block["type"] == "text":
        return {"text": block["text"]}
    mime_type = block.get("mime_type")
    if block.get("data"):
        return {"inlineData": {"mimeType": mime_type or "application/octet-stream", "data": block["data"]}}
    ref: dict[str, Any] = {"fileUri": block["uri"]}
    if mime_type:
        ref["mimeType"] = mime_type
    return {"fileData": ref}


def _is_image(block: Step) -> bool:
    return block.get("type") == "image"


def steps_to_contents(steps: list[Step]) -> list[dict[str, Any]]:
    """generateContent contents for a list of steps. A thought step's signature goes onto the
    images of the model output that follows it (the check happened before, see `check_signatures`)."""
    contents: list[dict[str, Any]] = []
    signature: str | None = None
    for step in steps:
        kind = step["type"]
        if kind == "user_input":
            signature = None
            contents.append({"role": "user", "parts": [_part(b) for b in step["content"]]})
        elif kind == "thought":
            signature = step.get("signature") or None
        elif kind == "model_output" and step["content"]:
            parts = []
            for block in step["content"]:
                part = _part(block)
                if signature and _is_image(block):
                    part["thoughtSignature"] = signature
                parts.append(part)
            contents.append({"role": "model", "parts": parts})
    return contents


# ---------------------------------------------------------------------------------------------
# Outcomes


@dataclass
class Outcome:
    status: str  # completed | failed
    output_steps: list[Step]
    usage: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)


def _by_modality(details: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [{"modality": str(d["modality"]).lower(), "tokens": d["tokenCount"]} for d in details or []]


def interaction_usage(metadata: dict[str, Any], cached: int) -> dict[str, Any]:
    """generateContent's usageMetadata in the Interactions API's terms (cached: the stored chain's
    prompt tokens, which the server keeps)."""
    usage = {
        "total_input_tokens": metadata.get("promptTokenCount", 0),
        "total_output_tokens": metadata.get("candidatesTokenCount", 0),
        "total_thought_tokens": metadata.get("thoughtsTokenCount", 0),
        "total_cached_tokens": cached,
        "total_tool_use_tokens": 0,
        "total_tokens": metadata.get("totalTokenCount", 0),
        "input_tokens_by_modality": _by_modality(metadata.get("promptTokensDetails")),
        "output_tokens_by_modality": _by_modality(metadata.get("candidatesTokensDetails")),
    }
    if cached:
        usage["cached_tokens_by_modality"] = [{"modality": "text", "tokens": cached}]
    return usage


def _block(part: dict[str, Any]) -> Step:
    if "text" in part:
        return {"type": "text", "text": part["text"]}
    blob = part["inlineData"]
    return {"type": "image", "data": blob["data"], "mime_type": blob["mimeType"]}


def outcome_of(spec: ModelSpec, response: dict[str, Any], include_summaries: bool, cached: int) -> Outcome:
    """A generateContent response as the Interactions API answers it."""
    usage = interaction_usage(response.get("usageMetadata") or {}, cached)
    feedback = response.get("promptFeedback") or {}
    if feedback.get("blockReason"):
        reason = feedback["blockReason"]
        code = REFUSAL_CODES.get(reason, reason.lower())
        return Outcome("failed", [], usage, [{"code": code, "message": f"The prompt was blocked ({reason})."}])
    candidate = (response.get("candidates") or [{}])[0]
    parts = (candidate.get("content") or {}).get("parts")
    if not parts:
        reason = candidate.get("finishReason", "OTHER")
        code = REFUSAL_CODES.get(reason, reason.lower())
        return Outcome("failed", [], usage, [{"code": code, "message": f"No image was produced ({reason})."}])
    thoughts = [p for p in parts if p.get("thought")]
    answer = [p for p in parts if not p.get("thought")]
    steps: list[Step] = []
    if spec.signatures:
        images = [p for p in answer if "inlineData" in p]
        if images:
            signature = image_signature(b64decode_any(images[-1]["inlineData"]["data"]))
        else:
            signature = text_signature(" ".join(p.get("text", "") for p in answer))
        thought: Step = {"type": "thought", "signature": b64encode(signature)}
        if include_summaries and thoughts:
            thought["summary"] = [_block(p) for p in thoughts]
        steps.append(thought)
    steps.append({"type": "model_output", "content": [_block(p) for p in answer]})
    return Outcome("completed", steps, usage)


class InteractionModel:
    """Runs interactions on the generateContent model behaviour."""

    def __init__(self, generator: Generator, files: FileStore) -> None:
        self.generator = generator
        self.files = files

    def _bytes(self, block: Step) -> bytes:
        if block.get("data"):
            return b64decode_any(block["data"])
        return self.files.get_active(block["uri"]).data

    def check_signatures(self, steps: list[Step]) -> None:
        """Every image of a replayed model output must follow a thought step whose signature was
        issued for it. Positions are 1-based, counted in the request's input."""
        signature: bytes | None = None
        for position, step in enumerate(steps, start=1):
            if step["type"] == "user_input":
                signature = None
            elif step["type"] == "thought":
                raw = step.get("signature")
                signature = b64decode_any(raw) if raw else None
            elif step["type"] == "model_output":
                for index, block in enumerate(step["content"], start=1):
                    if not _is_image(block):
                        continue
                    if signature is None:
                        raise invalid_request(
                            "Model output image is missing a thought signature: give the model's thought step "
                            f"before it (step position {position}, content position {index})."
                        )
                    if not signature_valid_for(signature, self._bytes(block)):
                        raise invalid_request("Corrupted thought signature.")

    def run(
        self, spec: ModelSpec, request: InteractionRequest, history: list[Step], payload: str
    ) -> Outcome:
        if spec.signatures:
            self.check_signatures(request.input_steps)
        body: dict[str, Any] = {"contents": steps_to_contents([*history, *request.input_steps])}
        if not body["contents"]:
            raise invalid_request("The input has no user content.")
        if request.system_instruction:
            body["systemInstruction"] = {"parts": [{"text": request.system_instruction}]}
        image_config = {
            k: v for k, v in (("aspectRatio", request.aspect_ratio), ("imageSize", request.image_size)) if v
        }
        body["generationConfig"] = {
            "responseModalities": request.modalities,
            "imageConfig": image_config,
            "thinkingConfig": {"includeThoughts": request.thinking_summaries},
        }
        if request.seed is not None:
            body["generationConfig"]["seed"] = request.seed
        response = self.generator.generate(spec, body, payload=payload, check_signatures=False)
        cached = 0
        history_contents = steps_to_contents(history)
        if history_contents:
            cached = self.generator.count_tokens({"contents": history_contents})["totalTokens"]
        return outcome_of(spec, response, request.thinking_summaries, cached)


# ---------------------------------------------------------------------------------------------
# Server-sent events


def stream_events(
    interaction: dict[str, Any], output_steps: list[Step], completed: dict[str, Any]
) -> list[dict[str, Any]]:
    """interaction.created, then per step: step.start, its deltas, step.stop; interaction.completed.
    `interaction` is the resource as created (in progress), `completed` as it ended (no steps)."""
    events: list[dict[str, Any]] = [{"event_type": "interaction.created", "interaction": interaction}]
    for index, step in enumerate(output_steps):
        events.append({"event_type": "step.start", "index": index, "step": {"type": step["type"]}})
        deltas: list[dict[str, Any]] = []
        if step["type"] == "thought":
            deltas += [{"type": "thought_summary", "content": item} for item in step.get("summary") or []]
            if step.get("signature"):
                deltas.append({"type": "thought_signature", "signature": step["signature"]})
        else:
            deltas += [dict(block) for block in step.get("content") or []]
        events += [{"event_type": "step.delta", "index": index, "delta": delta} for delta in deltas]
        events.append({"event_type": "step.stop", "index": index})
    events.append({"event_type": "interaction.completed", "interaction": completed})
    for number, event in enumerate(events, start=1):
        event["event_id"] = str(number)
    return events


def sse_bytes(event: dict[str, Any]) -> bytes:
    return f"event: {event['event_type']}\nid: {event['event_id']}\ndata: {json.dumps(event)}\n\n".encode()


DONE = b"data: [DONE]\n\n"


def error_event(error: ApiError, event_id: str) -> dict[str, Any]:
    return {"event_type": "error", "event_id": event_id, "error": error.interactions_body()["error"]}


# ---------------------------------------------------------------------------------------------
# The request log's view (lenient, never raises)


def describe_steps(steps: Any) -> list[dict[str, Any]]:
    described: list[dict[str, Any]] = []
    for step in steps if isinstance(steps, list) else []:
        if not isinstance(step, dict):
            described.append({"type": "invalid"})
            continue
        entry: dict[str, Any] = {"type": step.get("type")}
        if step.get("type") == "thought":
            entry["hasSignature"] = bool(step.get("signature"))
            entry["summaryCount"] = len(step.get("summary") or [])
        else:
            raw_content = step.get("content")
            content: list[Any] = raw_content if isinstance(raw_content, list) else []
            entry["contentTypes"] = [b.get("type") if isinstance(b, dict) else None for b in content]
        described.append(entry)
    return described


def describe_create(body: dict[str, Any], file_sizes: Callable[[str], int | None]) -> dict[str, Any]:
    """The log entry's fields for a create: its options, its input steps and, like a
    generateContent entry, `contents` (the input only, never the stored chain)."""
    out: dict[str, Any] = {
        "model": body.get("model"),
        "store": body.get("store", True),
        "background": bool(body.get("background")),
        "stream": bool(body.get("stream")),
        "previousInteractionId": body.get("previous_interaction_id"),
        "seed": (body.get("generation_config") or {}).get("seed") if isinstance(body.get("generation_config"), dict)
        else None,
    }
    try:
        steps = input_steps(body.get("input"))
    except ApiError:
        out["steps"] = []
        return out
    out["steps"] = describe_steps(steps)
    try:
        contents = steps_to_contents(steps)
    except (KeyError, TypeError):
        return out
    described = describe_generate_body({"contents": contents}, file_sizes)
    out["contentCount"] = described["contentCount"]
    out["contents"] = described["contents"]
    out["hasSystemInstruction"] = bool(body.get("system_instruction"))
    formats = body.get("response_format")
    for fmt in formats if isinstance(formats, list) else [formats]:
        if isinstance(fmt, dict) and fmt.get("type") == "image":
            out["aspectRatio"], out["imageSize"] = fmt.get("aspect_ratio"), fmt.get("image_size")
    return out
