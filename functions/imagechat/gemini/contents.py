"""Typed turns → google-genai Contents: the request the model sees.

The service decides *which* exchanges go to the model (history.py); this module decides only
how they look:
- A user message is its images in the order given, then its text. In a region edit that sends
  the whole image as context, each of its two images follows a short label saying which is which.
- An imported image (Open in Chat) is sent as a user image, never as a model turn.
- A model reply is restored exactly as the model sent it, thought signatures included, from the
  stored Part JSON (`Part.model_validate`). Image bytes never live in Firestore: an image part
  comes back as a Files API `fileData` part that keeps the signature on the same part. A turn
  stored without its content (too large) is replayed from its text and images.
- A reply made by the Interactions API (stored as steps) is replayed as generateContent parts: a
  thought step's signature goes onto the images of the output that follows it and onto its first
  text, where generateContent puts signatures (the emulator's signatures are bound to the image
  either way; the real API does not document whether one API's signature holds on the other).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from google.genai import types

from imagechat.gemini.files import ImageRef
from imagechat.store.documents import Attachment, Exchange, OutputImage, Turn


class ImagePartSource(Protocol):
    """Turns a stored image into a part the model can read (the Files API cache does)."""

    def image_part(self, ref: ImageRef, thought_signature: bytes | None = None) -> types.Part: ...


@dataclass(frozen=True)
class Prompt:
    """One model request: the exchanges to replay, oldest first, and the new message."""

    history: Sequence[Exchange]
    attachments: Sequence[Attachment]
    text: str
    # The history policy's window: a chain of interactions kept at Google (IMAGECHAT_INTERACTIONS_STORE)
    # holds at most this many exchanges before a turn starts a new one by replaying `history`.
    chain_exchanges: int = 2


def build(prompt: Prompt, images: ImagePartSource) -> tuple[list[types.Content], list[types.Part]]:
    """The history Contents and the new message's parts."""
    return history_contents(prompt.history, images), user_parts(prompt.attachments, prompt.text, images)


def history_contents(exchanges: Sequence[Exchange], images: ImagePartSource) -> list[types.Content]:
    """Each exchange as a user Content and a model Content (one that would be empty is left out).
    An imported image (no user turn) is a user Content holding its image: the model did not make
    it, and the 3.x models refuse a model-role image without a thought signature."""
    contents: list[types.Content] = []
    for user, model in exchanges:
        if user is None:
            imported = [images.image_part(image_ref(image)) for image in model.images]
            if imported:
                contents.append(types.Content(role="user", parts=imported))
            continue
        # Pinned references ride with the new message: history does not send them a second time.
        parts = user_parts([a for a in user.attachments if not a.pinned], user.text, images)
        reply = model_content(model, images)
        if parts and reply.parts:
            contents.append(types.Content(role="user", parts=parts))
            contents.append(reply)
    return contents


# What the model is told about a region edit's two images when the whole image goes as context.
REGION_LABELS = {
    "context": "The whole image, for context only: do not edit it and do not return it.",
    "region": "The part of that image to edit: return this part, edited, with the same framing.",
}


def labelled(attachments: Sequence[Attachment]) -> list[tuple[str | None, Attachment]]:
    """Each image with the label that goes before it: only a region edit with its whole image as
    context labels its images (alone, the crop is simply the image to edit)."""
    with_context = any(a.role == "context" for a in attachments)
    return [(REGION_LABELS[a.role] if with_context and a.role else None, a) for a in attachments]


def user_parts(attachments: Sequence[Attachment], text: str, images: ImagePartSource) -> list[types.Part]:
    """A user message: its images in the order given (labelled where `labelled` says), then the instruction."""
    parts = []
    for label, attachment in labelled(attachments):
        if label:
            parts.append(types.Part(text=label))
        parts.append(images.image_part(image_ref(attachment)))
    if text:
        parts.append(types.Part(text=text))
    return parts


def image_ref(image: Attachment | OutputImage) -> ImageRef:
    """Where a stored image's bytes are, and how the Files API cache keys them."""
    return ImageRef(image.sha256, image.storage_path, image.mime_type)


def decode_signature(signature: str) -> bytes:
    """A stored base64 signature (either alphabet, padding optional) back to its bytes."""
    text = signature.replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4))


def parts_from_steps(turn: Turn, images: ImagePartSource) -> list[types.Part]:
    """An Interactions reply (thought and model_output steps) as generateContent parts."""
    parts: list[types.Part] = []
    signature: bytes | None = None
    for step in turn.steps:
        if step.type == "thought":
            signature = decode_signature(step.signature) if step.signature else None
            continue
        text_signed = False
        for block in step.content:
            if block.image is not None:
                parts.append(images.image_part(image_ref(turn.images[block.image]), thought_signature=signature))
            elif block.text:
                parts.append(types.Part(text=block.text, thought_signature=None if text_signed else signature))
                text_signed = True
    return parts


def model_content(turn: Turn, images: ImagePartSource) -> types.Content:
    """The model's reply as it was sent, with images rehydrated as fileData parts."""
    if turn.steps:
        return types.Content(role="model", parts=parts_from_steps(turn, images))
    parts: list[types.Part] = []
    for entry in turn.content:
        part = types.Part.model_validate(entry.part)
        if entry.image is not None:
            part = images.image_part(image_ref(turn.images[entry.image]), thought_signature=part.thought_signature)
        parts.append(part)
    if not turn.content:
        # Written without stored content: fall back to what the turn shows.
        if turn.text:
            parts.append(types.Part(text=turn.text))
        # A masked edit's composite (images[0]) is not the model's: only its own outputs are replayed.
        made = turn.images[turn.region.model_image:] if turn.region is not None else turn.images
        parts.extend(images.image_part(image_ref(image)) for image in made)
    return types.Content(role="model", parts=parts)
