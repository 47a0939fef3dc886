"""Turns → google-genai Contents.

- Only complete exchanges (a complete user turn followed by its complete model turn) go
  back to the model; failed, blocked and pending turns are left out.
- Model Contents are restored exactly as the model sent them, thought signatures
  included, from the stored JSON (`Part.to_json_dict()` / `Part.model_validate`). Image
  bytes never live in Firestore: an image part is stored without its bytes and comes
  back as a Files API `fileData` part that keeps the signature on the same part.
- Only the newest `window` exchanges are sent, to bound the request size.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any, Protocol

from google.genai import types

from imagechat.gemini.files import ImageRef


class ImagePartSource(Protocol):
    def image_part(self, ref: ImageRef, thought_signature: bytes | None = None) -> types.Part: ...


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
    parts = [images.image_part(attachment_ref(a)) for a in attachments]
    if text:
        parts.append(types.Part(text=text))
    return parts


def attachment_ref(attachment: dict[str, Any]) -> ImageRef:
    return ImageRef(attachment["sha256"], attachment["storagePath"], attachment["mimeType"])


def model_content(turn: dict[str, Any], images: ImagePartSource) -> types.Content:
    """The model's reply as it was sent, with images rehydrated as fileData parts."""
    outputs = turn.get("images") or []
    parts: list[types.Part] = []
    for entry in turn.get("content") or []:
        part = types.Part.model_validate(entry.get("part") or {})
        index = entry.get("image")
        if index is not None:
            image = outputs[index]
            part = images.image_part(
                ImageRef(image["sha256"], image["storagePath"], image["mimeType"]),
                thought_signature=part.thought_signature,
            )
        parts.append(part)
    if not turn.get("content"):
        # Written without stored content: fall back to what the turn shows.
        if turn.get("text"):
            parts.append(types.Part(text=turn["text"]))
        for image in outputs:
            parts.append(images.image_part(ImageRef(image["sha256"], image["storagePath"], image["mimeType"])))
    return types.Content(role="model", parts=parts)


def build_history(turns: list[dict[str, Any]], images: ImagePartSource, window: int) -> list[types.Content]:
    exchanges = complete_exchanges(turns)[-window:] if window > 0 else []
    history: list[types.Content] = []
    for user, model in exchanges:
        parts = user_parts(user.get("attachments") or [], user.get("text") or "", images)
        reply = model_content(model, images)
        if parts and reply.parts:
            history.append(types.Content(role="user", parts=parts))
            history.append(reply)
    return history
