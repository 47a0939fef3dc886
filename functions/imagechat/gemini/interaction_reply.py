"""An Interaction (the Interactions API's answer) → the same ModelReply as generateContent's:
images, text, outcome, usage, and the steps to replay later (the thought step's signature
exactly as received, image bytes replaced by references).

A refusal arrives as `status: "failed"` with `errors: [{code, message}]` and no steps (the real
API's refusal shape is not documented; this is the emulator's): a code naming a refusal reason
(`prohibited_content`, `image_safety`, `no_image`, ...) makes the turn blocked, any other failure
is a failed generation.
"""

from __future__ import annotations

import base64
from typing import Any

from imagechat.errors import GENERATION_FAILED, Unavailable
from imagechat.gemini.parsing import REFUSALS, GeneratedImage, ModelReply, blocked_prompt, settle
from imagechat.store.documents import ReplayStep, StepBlock, Usage

# Reasons that refuse the prompt itself (generateContent's promptFeedback.blockReason).
PROMPT_BLOCKS = frozenset({"PROHIBITED_CONTENT", "BLOCKLIST", "SAFETY", "OTHER", "SPII", "BLOCKED"})


def usage_of_interaction(usage: Any) -> Usage:
    if usage is None:
        return Usage()
    prompt = usage.total_input_tokens or 0
    thoughts = usage.total_thought_tokens or 0
    output = (usage.total_output_tokens or 0) + thoughts
    image_tokens = sum(
        getattr(entry, "tokens", 0) or 0
        for entry in getattr(usage, "output_tokens_by_modality", None) or []
        if str(getattr(entry, "modality", "")).lower() == "image"
    )
    return Usage(
        prompt_tokens=prompt,
        output_tokens=output,
        total_tokens=usage.total_tokens or prompt + output,
        thought_tokens=thoughts,
        image_tokens=image_tokens,
    )


def parse_interaction(interaction: Any, image_only: bool) -> ModelReply:
    usage = usage_of_interaction(interaction.usage)
    if interaction.status != "completed":
        codes = [str(e.code or "").upper() for e in interaction.errors or []]
        reason = next((c for c in codes if c in REFUSALS or c in PROMPT_BLOCKS), None)
        if reason is None:
            raise Unavailable(GENERATION_FAILED)
        if reason in PROMPT_BLOCKS:
            return blocked_prompt(reason, usage)
        return settle(ModelReply(finish_reason=reason, usage=usage, api="interactions"), image_only)
    steps: list[ReplayStep] = []
    images: list[GeneratedImage] = []
    texts: list[str] = []
    for step in interaction.steps or []:
        if step.type == "thought":
            steps.append(ReplayStep(type="thought", signature=step.signature or None))
        elif step.type == "model_output":
            blocks: list[StepBlock] = []
            for block in step.content or []:
                if block.type == "image" and block.data:
                    images.append(GeneratedImage(base64.b64decode(block.data), block.mime_type or "image/png"))
                    blocks.append(StepBlock(type="image", image=len(images) - 1))
                elif block.type == "text" and block.text:
                    texts.append(block.text)
                    blocks.append(StepBlock(type="text", text=block.text))
            steps.append(ReplayStep(type="model_output", content=tuple(blocks)))
    reply = ModelReply(
        text="".join(texts).strip(), images=images, finish_reason="STOP", usage=usage, steps=steps, api="interactions"
    )
    return settle(reply, image_only)
