"""What a model call is asked for, whatever the API: the model and the output options."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChatOptions:
    model: str
    aspect_ratio: str
    image_size: str
    image_only: bool
    system_prompt: str = ""
    # A candidate's seed (its index) when a message asks for several: each call varies its answer.
    seed: int | None = None
