"""GenerateContentResponse → what a turn keeps: images, text, outcome, usage, and the
model Content to replay later (signatures kept, image bytes replaced by references).
`ModelReply` is what either API's answer becomes (interaction_reply.py parses the other)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from google.genai import types

from imagechat.store.documents import ContentPart, InteractionRecord, ReplayStep, Usage

# Finish reasons that mean "the model refused or could not make the image".
REFUSALS: dict[str, str] = {
    "IMAGE_SAFETY": "The model declined to create this image for safety reasons. Try a different instruction.",
    "IMAGE_PROHIBITED_CONTENT": "The model declined to create this image because it may show prohibited content.",
    "IMAGE_RECITATION": "The model declined because the image would be too close to existing material.",
    "IMAGE_OTHER": "The model could not create this image. Try rephrasing the instruction.",
    "NO_IMAGE": "The model did not produce an image for this instruction. Try describing the edit more concretely.",
    "SAFETY": "The model stopped for safety reasons. Try a different instruction.",
    "PROHIBITED_CONTENT": "The model stopped because the request may involve prohibited content.",
    "BLOCKLIST": "The model stopped because the request contains blocked terms.",
    "SPII": "The model stopped because the request may involve sensitive personal information.",
    "RECITATION": "The model stopped because the answer would recite existing material.",
}


@dataclass(frozen=True)
class GeneratedImage:
    """An image as the model sent it (bytes not yet stored)."""

    data: bytes
    mime_type: str


@dataclass(frozen=True)
class ModelProgress:
    """What a streamed answer has shown so far: `drawing` once the model sends an image (an interim
    thought image or the output) or its answer, else `thinking`; the thought summary text so far;
    the newest interim thought image, if any."""

    phase: str
    thought: str = ""
    preview: GeneratedImage | None = None


@dataclass
class ModelReply:
    """One model answer, parsed."""

    text: str = ""
    images: list[GeneratedImage] = field(default_factory=list)
    finish_reason: str | None = None
    blocked_reason: str | None = None  # set when the turn is a refusal
    blocked_message: str | None = None
    usage: Usage = field(default_factory=Usage)
    # The reply as stored for replay (no image bytes; images by index into `images`): the parts of
    # a generateContent reply, or the steps of an Interactions one.
    content: list[ContentPart] = field(default_factory=list)
    steps: list[ReplayStep] = field(default_factory=list)
    api: str = "generate_content"  # the API that answered (config.ModelApi)
    interaction: InteractionRecord | None = None  # the interaction Google keeps (store mode only)
    timings_ms: dict[str, float] = field(default_factory=dict)
    files_uploaded: int = 0  # Files API uploads this call needed (cache misses)

    @property
    def blocked(self) -> bool:
        return self.blocked_reason is not None


def _enum_name(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


def usage_of(response: types.GenerateContentResponse) -> Usage:
    meta = response.usage_metadata
    if meta is None:
        return Usage()
    thoughts = meta.thoughts_token_count or 0
    output = (meta.candidates_token_count or 0) + thoughts
    prompt = meta.prompt_token_count or 0
    image_tokens = sum(
        detail.token_count or 0
        for detail in meta.candidates_tokens_details or []
        if _enum_name(detail.modality) == "IMAGE"
    )
    return Usage(
        prompt_tokens=prompt,
        output_tokens=output,
        total_tokens=meta.total_token_count or prompt + output,
        thought_tokens=thoughts,
        image_tokens=image_tokens,
    )


def stored_content(parts: list[types.Part]) -> tuple[list[ContentPart], list[GeneratedImage], str]:
    """Splits model parts into replayable JSON (no bytes), output images and text."""
    content: list[ContentPart] = []
    images: list[GeneratedImage] = []
    texts: list[str] = []
    for part in parts:
        if part.thought:
            continue  # thoughts carry no signature and are not needed to continue
        if part.inline_data is not None and part.inline_data.data:
            images.append(GeneratedImage(part.inline_data.data, part.inline_data.mime_type or "image/png"))
            stripped = part.model_copy(update={"inline_data": None})
            content.append(ContentPart(part=stripped.to_json_dict(), image=len(images) - 1))
            continue
        if part.text:
            texts.append(part.text)
        content.append(ContentPart(part=part.to_json_dict()))
    return content, images, "".join(texts).strip()


def parse_response(response: types.GenerateContentResponse, image_only: bool) -> ModelReply:
    usage = usage_of(response)
    feedback = response.prompt_feedback
    if not response.candidates:
        return blocked_prompt(_enum_name(feedback.block_reason if feedback else None) or "BLOCKED", usage)
    candidate = response.candidates[0]
    finish = _enum_name(candidate.finish_reason)
    parts = list(candidate.content.parts or []) if candidate.content else []
    content, images, text = stored_content(parts)
    return settle(ModelReply(text=text, images=images, finish_reason=finish, usage=usage, content=content), image_only)


def blocked_prompt(reason: str, usage: Usage) -> ModelReply:
    """The prompt itself was refused (no answer at all)."""
    return ModelReply(
        finish_reason=reason,
        blocked_reason=reason,
        blocked_message=f"The request was blocked by the model's safety filters ({reason}). "
        "Try rephrasing the instruction.",
        usage=usage,
    )


def settle(reply: ModelReply, image_only: bool) -> ModelReply:
    """An answer without an image is a refusal when its reason says so, or when an image was the
    only thing asked for, or when it has no text either. Counts the images made into its usage."""
    images, finish, text = reply.images, reply.finish_reason, reply.text
    reply.usage = reply.usage.model_copy(update={"images_out": len(images)})
    if images:
        return reply
    if finish in REFUSALS:
        reply.blocked_reason, reply.blocked_message = finish, REFUSALS[finish]
    elif image_only or not text:
        reply.blocked_reason = finish or "NO_IMAGE"
        reply.blocked_message = REFUSALS["NO_IMAGE"]
    return reply


class StreamedAnswer:
    """Collects a streamed answer's chunks: `add` returns the progress a chunk shows (None when it
    shows nothing new); `response` is the whole answer as one response, so it parses like a
    non-streamed one (every chunk's parts in order; usage, finish reason and feedback from the
    newest chunks that carry them). Only that much is kept of each chunk, not the chunk."""

    def __init__(self) -> None:
        self._last: types.GenerateContentResponse | None = None
        self._has_candidates = False
        self._usage: types.GenerateContentResponseUsageMetadata | None = None
        self._feedback: types.GenerateContentResponsePromptFeedback | None = None
        self._finish: types.FinishReason | None = None
        self._parts: list[types.Part] = []
        self._thought: list[str] = []
        self._preview: GeneratedImage | None = None
        self._drawing = False

    @property
    def started(self) -> bool:
        """Whether a chunk arrived (then the call cannot be retried without showing progress twice)."""
        return self._last is not None

    def add(self, chunk: types.GenerateContentResponse) -> ModelProgress | None:
        self._last = chunk
        self._usage = chunk.usage_metadata or self._usage
        self._feedback = chunk.prompt_feedback or self._feedback
        candidate = chunk.candidates[0] if chunk.candidates else None
        if candidate is not None:
            self._has_candidates = True
            self._finish = candidate.finish_reason or self._finish
        parts = list(candidate.content.parts or []) if candidate and candidate.content else []
        self._parts += parts
        shown = False
        for part in parts:
            if part.thought and part.text:
                self._thought.append(part.text.strip())
                shown = True
            elif part.thought and part.inline_data is not None and part.inline_data.data:
                self._preview = GeneratedImage(part.inline_data.data, part.inline_data.mime_type or "image/png")
                self._drawing = shown = True
            elif not part.thought and not self._drawing:
                self._drawing = shown = True
        if not shown:
            return None
        return ModelProgress("drawing" if self._drawing else "thinking", "\n\n".join(self._thought), self._preview)

    def response(self) -> types.GenerateContentResponse:
        if self._last is None:
            return types.GenerateContentResponse()
        update: dict[str, Any] = {"usage_metadata": self._usage, "prompt_feedback": self._feedback}
        if self._has_candidates:
            content = types.Content(role="model", parts=self._parts)
            update["candidates"] = [types.Candidate(content=content, finish_reason=self._finish)]
        return self._last.model_copy(update=update)
