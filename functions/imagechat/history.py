"""Turns → google-genai Contents.

- Only complete exchanges (a complete user turn followed by its complete model turn) go
  back to the model; failed, blocked and pending turns are left out.
- Model Contents are restored exactly as the model sent them, thought signatures
  included, from the stored JSON (`Part.to_json_dict()` / `Part.model_validate`). Image
  bytes never live in Firestore: an image part is stored without its bytes and comes
  back as a Files API `fileData` part that keeps the signature on the same part.
- Only the newest `window` exchanges are sent, to bound the request size; and of those, only
  as many of the newest as fit the model's image cap (history images plus the new message's
  images; the 3.x models reject a request with more than 14): older exchanges are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any, Protocol

from google.genai import types

from imagechat.gemini.files import ImageRef


class ImagePartSource(Protocol):
    def image_part(self, ref: ImageRef, thought_signature: bytes | None = None) -> types.Part: ...


# Turns read per send beyond two per exchange of the window: room for failed and blocked sends
# (one or two turns each) among the newest, so they do not shrink the history much.
SLACK_TURNS = 20


def turns_to_read(window: int) -> int:
    """How many of the newest turns a send reads to rebuild a `window`-exchange history."""
    return 2 * max(window, 0) + SLACK_TURNS


def complete_exchanges(turns: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Pairs each complete user turn with the complete model turn right after it."""
    ordered = sorted(turns, key=lambda t: t["index"])
    pairs = []
    for user, model in pairwise(ordered):
        if (
            user.get("role") == "user"
            and model.get("role") == "model"
            and user.get("status") == "complete"
            and model.get("status") == "complete"
            and model["index"] == user["index"] + 1
        ):
            pairs.append((user, model))
    return pairs


def user_parts(attachments: list[dict[str, Any]], text: str, images: ImagePartSource) -> list[types.Part]:
    """A user message: its images in the order given, then the instruction."""
    parts = [images.image_part(image_ref(a)) for a in attachments]
    if text:
        parts.append(types.Part(text=text))
    return parts


def image_ref(image: dict[str, Any]) -> ImageRef:
    """The stored image an attachment or an output entry names (both keep these three keys)."""
    return ImageRef(image["sha256"], image["storagePath"], image["mimeType"])


def model_content(turn: dict[str, Any], images: ImagePartSource) -> types.Content:
    """The model's reply as it was sent, with images rehydrated as fileData parts."""
    outputs = turn.get("images") or []
    parts: list[types.Part] = []
    for entry in turn.get("content") or []:
        part = types.Part.model_validate(entry.get("part") or {})
        index = entry.get("image")
        if index is not None:
            part = images.image_part(image_ref(outputs[index]), thought_signature=part.thought_signature)
        parts.append(part)
    if not turn.get("content"):
        # Written without stored content: fall back to what the turn shows.
        if turn.get("text"):
            parts.append(types.Part(text=turn["text"]))
        for image in outputs:
            parts.append(images.image_part(image_ref(image)))
    return types.Content(role="model", parts=parts)


def exchange_images(user: dict[str, Any], model: dict[str, Any]) -> int:
    """How many image parts an exchange puts into a request."""
    attached = len(user.get("attachments") or [])
    content = model.get("content") or []
    if content:
        return attached + sum(1 for entry in content if entry.get("image") is not None)
    return attached + len(model.get("images") or [])


def newest_that_fit(
    exchanges: list[tuple[dict[str, Any], dict[str, Any]]], image_budget: int
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The newest exchanges whose images fit the budget, oldest first (older ones are dropped)."""
    kept: list[tuple[dict[str, Any], dict[str, Any]]] = []
    used = 0
    for exchange in reversed(exchanges):
        used += exchange_images(*exchange)
        if used > image_budget:
            break
        kept.append(exchange)
    kept.reverse()
    return kept


def build_history(
    turns: list[dict[str, Any]], images: ImagePartSource, window: int, image_budget: int | None = None
) -> list[types.Content]:
    """The history Contents: the newest `window` complete exchanges, and of those the newest
    whose images fit `image_budget` (None: no cap)."""
    exchanges = complete_exchanges(turns)[-window:] if window > 0 else []
    if image_budget is not None:
        exchanges = newest_that_fit(exchanges, image_budget)
    history: list[types.Content] = []
    for user, model in exchanges:
        parts = user_parts(user.get("attachments") or [], user.get("text") or "", images)
        reply = model_content(model, images)
        if parts and reply.parts:
            history.append(types.Content(role="user", parts=parts))
            history.append(reply)
    return history


def contents_for(
    earlier: list[dict[str, Any]], attachments: list[dict[str, Any]], text: str, window: int, max_images: int
) -> Callable[[ImagePartSource], tuple[list[types.Content], list[types.Part]]]:
    """What the model gateway calls to build a request (again, after a 403 re-upload): the
    history of the turns before this message, within the window and the model's image cap
    (history images + this message's images ≤ `max_images`), and the new message's parts."""

    def build(images: ImagePartSource) -> tuple[list[types.Content], list[types.Part]]:
        budget = max_images - len(attachments)
        return build_history(earlier, images, window, budget), user_parts(attachments, text, images)

    return build
