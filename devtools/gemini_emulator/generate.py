"""Model behaviour for generateContent: image picking, edits, signatures, refusals and usage figures."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import imaging
from .files import FileStore
from .models import (
    ModelSpec,
    input_image_tokens,
    nearest_aspect_ratio,
    output_size,
    text_tokens,
    validate_aspect_ratio,
    validate_image_size,
)
from .request_body import Content, GenerateRequest, Part, parse_generate_request
from .wire import ApiError, b64encode, invalid_argument

# Refusal markers, looked for in the text of the last user content only.
BLOCKED = "[[blocked]]"
IMAGE_SAFETY = "[[image-safety]]"
NO_IMAGE = "[[no-image]]"

_SIGNING_KEY = b"imagechat-gemini-emulator-signature-v1"
_SIGNATURE_PREFIX = b"emu1"
# Documented placeholders that make the real API skip signature validation.
DUMMY_SIGNATURES = frozenset({b"skip_thought_signature_validator", b"context_engineering_is_the_way_to_go"})



def unprocessable_image() -> ApiError:
    """The real API's answer to image bytes it cannot decode."""
    return invalid_argument(
        "Unable to process input image. Please retry or report in "
        "https://developers.generativeai.google/guide/troubleshooting"
    )

def image_signature(image_bytes: bytes) -> bytes:
    """The thought signature issued with an output image: HMAC over the image's SHA-256."""
    digest = hashlib.sha256(image_bytes).digest()
    return _SIGNATURE_PREFIX + hmac.new(_SIGNING_KEY, b"image:" + digest, hashlib.sha256).digest()


def text_signature(text: str) -> bytes:
    return _SIGNATURE_PREFIX + hmac.new(_SIGNING_KEY, b"text:" + text.encode("utf-8"), hashlib.sha256).digest()


def signature_valid_for(signature: bytes, image_bytes: bytes) -> bool:
    return signature in DUMMY_SIGNATURES or hmac.compare_digest(signature, image_signature(image_bytes))


# PNG bytes, operations applied, provenance chain, interim preview PNG (the thought image)
_Rendered = tuple[bytes, list[str], list[str], bytes]
PREVIEW_TOKENS = 258  # thought tokens counted for an interim thought image (one tile)


class _PngCache:
    """Same request → same bytes, and repeated requests cost nothing (LRU bounded in entries and
    bytes — realistic 4K outputs weigh 20 MB each —, single-flight: concurrent identical requests
    render once)."""

    def __init__(self, size: int = 64, max_bytes: int = 384 * 1024 * 1024) -> None:
        self._size = size
        self._max_bytes = max_bytes
        self._bytes = 0
        self._lock = threading.Lock()
        self._items: OrderedDict[str, _Rendered] = OrderedDict()
        self._inflight: dict[str, threading.Lock] = {}

    def _get(self, key: str) -> _Rendered | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def get_or_render(self, key: str, render: Callable[[], _Rendered]) -> _Rendered:
        cached = self._get(key)
        if cached is not None:
            return cached
        with self._lock:
            key_lock = self._inflight.setdefault(key, threading.Lock())
        with key_lock:
            cached = self._get(key)
            if cached is not None:
                return cached
            try:
                value = render()
                # Store first, then drop the in-flight entry: a request arriving in between finds
                # the result instead of starting a second render.
                with self._lock:
                    self._items[key] = value
                    self._items.move_to_end(key)
                    self._bytes += _weight(value)
                    while len(self._items) > self._size or (self._bytes > self._max_bytes and len(self._items) > 1):
                        self._bytes -= _weight(self._items.popitem(last=False)[1])
            finally:
                with self._lock:
                    if self._inflight.get(key) is key_lock:
                        del self._inflight[key]
            return value


def _weight(item: _Rendered) -> int:
    return len(item[0]) + len(item[3])


_CACHE = _PngCache()


@dataclass
class _Usage:
    prompt: dict[str, int] = field(default_factory=dict)
    candidates: dict[str, int] = field(default_factory=dict)
    thoughts: int = 0

    def as_json(self) -> dict[str, Any]:
        prompt_total = sum(self.prompt.values())
        candidates_total = sum(self.candidates.values())
        out: dict[str, Any] = {"promptTokenCount": prompt_total}
        if self.candidates:
            out["candidatesTokenCount"] = candidates_total
        if self.thoughts:
            out["thoughtsTokenCount"] = self.thoughts
        out["totalTokenCount"] = prompt_total + candidates_total + self.thoughts
        out["promptTokensDetails"] = [{"modality": m, "tokenCount": n} for m, n in self.prompt.items()]
        if self.candidates:
            out["candidatesTokensDetails"] = [{"modality": m, "tokenCount": n} for m, n in self.candidates.items()]
        return out


def _add(counts: dict[str, int], modality: str, tokens: int) -> None:
    if tokens:
        counts[modality] = counts.get(modality, 0) + tokens


_STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        "this that with from into then than them they their there what which when where while about above "
        "after again also been being both could does doing each have having here just make more most much "
        "only other over please same some such very will would your image picture photo",
    )
)


def summarize_text(prompt: str) -> tuple[str, list[str]]:
    """The text model's deterministic answer: the prompt's key words, in order."""
    words: list[str] = []
    for word in re.findall(r"[A-Za-z][A-Za-z'-]{3,}", prompt):
        lowered = word.lower()
        if lowered not in _STOPWORDS and lowered not in words:
            words.append(lowered)
    key = words[:12]
    return ("Summary: " + ", ".join(key) + "." if key else "Summary: (nothing to summarise)."), key


class Generator:
    """Turns a generateContent body into a response dict (raises ApiError for the error cases)."""

    def __init__(self, files: FileStore) -> None:
        self.files = files

    # -- input resolution -----------------------------------------------------------------------

    def _bytes_of(self, part: Part, cache: dict[str, bytes]) -> bytes | None:
        if part.kind == "inlineData":
            return part.data
        if part.kind == "fileData" and part.file_uri:
            if part.file_uri not in cache:
                cache[part.file_uri] = self.files.get_active(part.file_uri).data
            return cache[part.file_uri]
        return None

    def _check_signatures(self, request: GenerateRequest, resolved: dict[str, bytes]) -> None:
        for content in request.contents:
            if content.role != "model":
                continue
            for part in content.parts:
                if not part.is_image or part.thought:
                    continue
                if part.signature is None:
                    raise invalid_argument(
                        "Image part is missing a thought_signature in content position "
                        f"{content.index + 1}, part position {part.part_index + 1}."
                    )
                data = self._bytes_of(part, resolved)
                if data is None or not signature_valid_for(part.signature, data):
                    raise invalid_argument("Corrupted thought signature.")

    @staticmethod
    def _pick_image(request: GenerateRequest) -> Part | None:
        """The newest image of the last user content, else the last image of any earlier content."""
        last_user = request.last_user()
        ordered: list[Content] = []
        if last_user is not None:
            ordered.append(last_user)
        ordered += [c for c in reversed(request.contents) if c is not last_user]
        for content in ordered:
            for part in reversed(content.parts):
                if part.is_image and not part.thought:
                    return part
        return None

    # -- main entry -----------------------------------------------------------------------------

    def generate(
        self, spec: ModelSpec, body: dict[str, Any], *, payload: str = "small", check_signatures: bool = True
    ) -> dict[str, Any]:
        """`check_signatures=False` when the caller (the Interactions API) checked them its own way."""
        request = parse_generate_request(body)
        resolved: dict[str, bytes] = {}
        usage = _Usage()
        _add(usage.prompt, "TEXT", text_tokens(request.system_text))

        images = 0
        for content in request.contents:
            for part in content.parts:
                if part.kind == "text":
                    _add(usage.prompt, "TEXT", text_tokens(part.text))
                elif part.kind in ("inlineData", "fileData"):
                    data = self._bytes_of(part, resolved)
                    if part.is_image and data is not None:
                        images += 1
                        try:
                            width, height = imaging.image_size(data)
                        except ValueError:
                            raise unprocessable_image() from None
                        _add(usage.prompt, "IMAGE", input_image_tokens(width, height))
                    elif data is not None:
                        _add(usage.prompt, "DOCUMENT", text_tokens(data.decode("utf-8", "replace")))
        if images > spec.max_input_images:
            raise invalid_argument(
                f"Too many input images: {images}. {spec.name} accepts at most {spec.max_input_images}."
            )
        if spec.signatures and check_signatures:
            self._check_signatures(request, resolved)

        modalities = request.modalities
        if spec.makes_images:
            aspect_ratio = validate_aspect_ratio(request.aspect_ratio)
            image_size = validate_image_size(spec, request.image_size)
            if not modalities:
                modalities = ["TEXT", "IMAGE"]
        else:
            aspect_ratio, image_size = None, "1K"
            if "IMAGE" in modalities:
                raise invalid_argument("Multi-modal output is not supported.")
            modalities = ["TEXT"]
        if "AUDIO" in modalities:
            raise invalid_argument("Multi-modal output is not supported.")

        last_user = request.last_user()
        prompt = last_user.text if last_user else ""
        response: dict[str, Any] = {}
        lowered = prompt.lower()
        if BLOCKED in lowered:
            response["promptFeedback"] = {"blockReason": "PROHIBITED_CONTENT"}
            response["usageMetadata"] = usage.as_json()
            return response
        for marker, reason in ((IMAGE_SAFETY, "IMAGE_SAFETY"), (NO_IMAGE, "NO_IMAGE")):
            if marker in lowered and spec.makes_images:
                response["candidates"] = [{"finishReason": reason, "index": 0}]
                response["usageMetadata"] = usage.as_json()
                return response

        parts: list[dict[str, Any]] = []
        if not spec.makes_images:
            text, keywords = summarize_text(prompt)
            if (request.response_mime_type or "").lower() == "application/json":
                text = json.dumps({"summary": text, "keywords": keywords})
            parts.append({"text": text})
            _add(usage.candidates, "TEXT", text_tokens(text))
        else:
            clean_prompt = prompt
            for marker in (BLOCKED, IMAGE_SAFETY, NO_IMAGE):
                clean_prompt = re.sub(re.escape(marker), "", clean_prompt, flags=re.IGNORECASE)
            target = self._pick_image(request)
            target_bytes = self._bytes_of(target, resolved) if target else None
            png, ops, chain, preview = b"", list[str](), list[str](), b""
            if "IMAGE" in modalities:
                png, ops, chain, preview = self._render(
                    clean_prompt, target_bytes, aspect_ratio, image_size, payload, request.seed
                )
            if request.include_thoughts and spec.signatures:
                thought = thought_summary(ops, target_bytes is not None, "IMAGE" in modalities)
                parts.append({"text": thought, "thought": True})
                usage.thoughts += text_tokens(thought)
                if preview:  # the interim "thought image", drawn before the final one
                    parts.append({"inlineData": {"mimeType": "image/png", "data": b64encode(preview)}, "thought": True})
                    usage.thoughts += PREVIEW_TOKENS
            text = self._describe(ops, chain, target_bytes is not None, "IMAGE" in modalities)
            if "TEXT" in modalities:
                text_part: dict[str, Any] = {"text": text}
                if spec.signatures:
                    text_part["thoughtSignature"] = b64encode(text_signature(text))
                parts.append(text_part)
                _add(usage.candidates, "TEXT", text_tokens(text))
            if "IMAGE" in modalities:
                image_part: dict[str, Any] = {"inlineData": {"mimeType": "image/png", "data": b64encode(png)}}
                if spec.signatures:
                    image_part["thoughtSignature"] = b64encode(image_signature(png))
                parts.append(image_part)
                _add(usage.candidates, "IMAGE", spec.output_tokens[image_size])

        response["candidates"] = [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}]
        response["usageMetadata"] = usage.as_json()
        return response

    def count_tokens(self, body: dict[str, Any]) -> dict[str, Any]:
        request_body = body.get("generateContentRequest") or body
        request = parse_generate_request(request_body)
        usage = _Usage()
        _add(usage.prompt, "TEXT", text_tokens(request.system_text))
        resolved: dict[str, bytes] = {}
        for content in request.contents:
            for part in content.parts:
                if part.kind == "text":
                    _add(usage.prompt, "TEXT", text_tokens(part.text))
                elif part.is_image:
                    data = self._bytes_of(part, resolved)
                    if data is not None:
                        try:
                            width, height = imaging.image_size(data)
                        except ValueError:
                            width = height = 1
                        _add(usage.prompt, "IMAGE", input_image_tokens(width, height))
        return {
            "totalTokens": sum(usage.prompt.values()),
            "promptTokensDetails": usage.as_json()["promptTokensDetails"],
        }

    # -- pixels ---------------------------------------------------------------------------------

    @staticmethod
    def _render(
        prompt: str, source: bytes | None, aspect_ratio: str | None, image_size: str, payload: str,
        seed: int | None = None,
    ) -> _Rendered:
        source_key = hashlib.sha256(source).hexdigest() if source is not None else "-"
        key_parts = [prompt, source_key, aspect_ratio, image_size, payload, seed]
        key = hashlib.sha256(json.dumps(key_parts).encode("utf-8")).hexdigest()
        return _CACHE.get_or_render(
            key,
            lambda: _render_uncached(prompt, source, aspect_ratio, image_size, realistic=payload == "realistic",
                                     seed=seed),
        )

    @staticmethod
    def _describe(ops: list[str], chain: list[str], edited: bool, made_image: bool) -> str:
        if not made_image:
            return "Text only, as requested: no image was produced."
        if edited:
            return "Applied: " + ", ".join(ops) + "."
        return f"Generated a new image ({chain[0]})."


def _render_uncached(
    prompt: str, source: bytes | None, aspect_ratio: str | None, image_size: str, *, realistic: bool,
    seed: int | None = None,
) -> _Rendered:
    if source is None:
        image, chain = imaging.generate(prompt, output_size(aspect_ratio or "1:1", image_size), realistic=realistic)
        ops: list[str] = []
    else:
        try:
            edited = imaging.edit(source, prompt)
        except ValueError:
            raise unprocessable_image() from None
        ratio = aspect_ratio or nearest_aspect_ratio(*edited.image.size)
        image, ops, chain = imaging.fit(edited.image, output_size(ratio, image_size)), edited.ops, edited.chain
    if seed is not None:  # a variation: the same request with another seed gives other pixels
        image, variant = imaging.vary(image, seed)
        ops, chain = [*ops, variant], [*chain, variant]
    png = imaging.encode_png(image, chain, realistic=realistic)
    return png, ops, chain, imaging.preview_png(image, chain)


def thought_summary(ops: list[str], edited: bool, makes_image: bool) -> str:
    """The thought summary text of a 3.x image model (deterministic)."""
    if not makes_image:
        return "Planning: answer in text only."
    if edited:
        return f"Planning: edit the latest image ({', '.join(ops)})."
    return "Planning: draw a new image."


def new_response_id() -> str:
    return secrets.token_urlsafe(16).replace("-", "").replace("_", "")[:22]


def stream_chunks(response: dict[str, Any]) -> list[dict[str, Any]]:
    """Split a full response into SSE chunks: each thought part (summary, then the interim image),
    then the text parts, then the image with the finish reason and the usage."""
    candidates = response.get("candidates")
    if not candidates or "content" not in candidates[0]:
        return [response]
    parts = candidates[0]["content"]["parts"]
    groups: list[list[dict[str, Any]]] = [[p] for p in parts if p.get("thought")]
    text_parts = [p for p in parts if "text" in p and not p.get("thought")]
    other_parts = [p for p in parts if "text" not in p and not p.get("thought")]
    if text_parts and other_parts:
        groups += [text_parts, other_parts]
    else:
        groups.append(text_parts + other_parts)
    chunks: list[dict[str, Any]] = [
        {"candidates": [{"content": {"role": "model", "parts": group}, "index": 0}]} for group in groups[:-1]
    ]
    last = dict(response)
    last["candidates"] = [{**candidates[0], "content": {"role": "model", "parts": groups[-1]}}]
    return [*chunks, last]
