"""The prompt that starts an identity image chat (seed 001's PromptManager), in one template.

    Create a photorealistic image of the person shown in the reference photos as {name}.
    Identity: {description}
    {identity prompt}
    Keep the person's face, features and skin tone exactly as in the reference photos ({n} attached).
    Their appearance preferences: hair: ...; build: ...; style: ...
    Additional instructions: {additional_prompt}

A line whose value is empty is left out; appearance fields are listed sorted by name, so the same
inputs always give the same prompt. The reference photos themselves are the message's images,
oldest first (ProfileStore.references), sent before the text as every message's are."""

from __future__ import annotations

from collections.abc import Mapping

from imagechat.store.documents import Identity

OPENING = "Create a photorealistic image of the person shown in the reference photos as {name}."
KEEP_LIKENESS = (
    "Keep the person's face, features and skin tone exactly as in the reference photos ({count} attached)."
)


def build_prompt(
    identity: Identity, appearance: Mapping[str, str], additional_prompt: str, reference_count: int
) -> str:
    lines = [OPENING.format(name=identity.name.strip())]
    if identity.description.strip():
        lines.append(f"Identity: {identity.description.strip()}")
    if identity.prompt.strip():
        lines.append(identity.prompt.strip())
    lines.append(KEEP_LIKENESS.format(count=reference_count))
    prefs = [f"{key}: {value.strip()}" for key, value in sorted(appearance.items()) if value.strip()]
    if prefs:
        lines.append("Their appearance preferences: " + "; ".join(prefs) + ".")
    if additional_prompt.strip():
        lines.append(f"Additional instructions: {additional_prompt.strip()}")
    return "\n".join(lines)
