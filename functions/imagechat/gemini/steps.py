"""Typed turns → the Interactions API's input steps: the request the model sees on that API.

The same exchanges as generateContent gets (history.py chose them), in the Interactions form:
per exchange a `user_input` step (its images in the order given, labelled as on generateContent,
then its text), the model's
`thought` step with its signature exactly as received, then its `model_output` (text, images);
then the new message. Images are Files API URIs from the same cache. An imported image is a
`user_input` of its image, as on generateContent.

A reply made by generateContent (stored as parts) is replayed as steps: the signature of an image
part becomes the thought step before the output holding that image (text parts before an image
ride in its output). Whether the real API accepts one API's signature on the other is not
documented; the emulator's are bound to the image and pass both ways.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any, Protocol

from google.genai import types

from imagechat.gemini.contents import Prompt, image_ref, labelled
from imagechat.gemini.files import ImageRef
from imagechat.store.documents import Attachment, CachedFile, Exchange, Turn

Step = dict[str, Any]


class ImageFiles(Protocol):
    """Where an image is in the Files API (gemini/files.FilesApiCache, which uploads it when needed)."""

    def image_file(self, ref: ImageRef) -> CachedFile: ...


def build(prompt: Prompt, files: ImageFiles) -> list[Step]:
    """Every input step of a stateless replay: the history, then the new message."""
    return [*history_steps(prompt.history, files), message_step(prompt, files)]


def message_step(prompt: Prompt, files: ImageFiles) -> Step:
    return user_input(prompt.attachments, prompt.text, files)


def history_steps(exchanges: Sequence[Exchange], files: ImageFiles) -> list[Step]:
    steps: list[Step] = []
    for user, model in exchanges:
        if user is None:  # an imported image: the model did not make it
            blocks = [_image(files, image_ref(image)) for image in model.images]
            if blocks:
                steps.append({"type": "user_input", "content": blocks})
            continue
        asked = user_input([a for a in user.attachments if not a.pinned], user.text, files)
        answer = reply_steps(model, files)
        if asked["content"] and any(s["type"] == "model_output" and s["content"] for s in answer):
            steps += [asked, *answer]
    return steps


def user_input(attachments: Sequence[Attachment], text: str, files: ImageFiles) -> Step:
    content: list[Step] = []
    for label, attachment in labelled(attachments):
        if label:
            content.append(_text(label))
        content.append(_image(files, image_ref(attachment)))
    if text:
        content.append({"type": "text", "text": text})
    return {"type": "user_input", "content": content}


def image_count(steps: Sequence[Step]) -> int:
    return sum(1 for step in steps for block in step.get("content") or [] if block.get("type") == "image")


def reply_steps(turn: Turn, files: ImageFiles) -> list[Step]:
    """The model's reply as steps: as received (Interactions), converted (generateContent), or
    from the turn's text and images when it was stored without them."""
    if turn.steps:
        out: list[Step] = []
        for step in turn.steps:
            if step.type == "thought":
                out.append({"type": "thought", "signature": step.signature} if step.signature else {"type": "thought"})
                continue
            blocks = [
                _image(files, image_ref(turn.images[b.image])) if b.image is not None else _text(b.text)
                for b in step.content
            ]
            out.append({"type": "model_output", "content": blocks})
        return out
    if turn.content:
        return _steps_from_parts(turn, files)
    blocks = ([{"type": "text", "text": turn.text}] if turn.text else []) + [
        _image(files, image_ref(image)) for image in turn.images
    ]
    return [{"type": "model_output", "content": blocks}]


def _steps_from_parts(turn: Turn, files: ImageFiles) -> list[Step]:
    """generateContent parts → thought + model_output steps, one pair per signed image (the text
    before an image goes with it; text after the last image joins the last output)."""
    groups: list[tuple[str | None, list[Step]]] = []
    pending: list[Step] = []
    pending_signature: str | None = None
    for entry in turn.content:
        part = types.Part.model_validate(entry.part)
        if part.thought:
            continue
        signature = base64.b64encode(part.thought_signature).decode("ascii") if part.thought_signature else None
        if entry.image is None:
            if part.text:
                pending.append({"type": "text", "text": part.text})
                pending_signature = pending_signature or signature
            continue
        pending.append(_image(files, image_ref(turn.images[entry.image])))
        groups.append((signature or pending_signature, pending))
        pending, pending_signature = [], None
    if pending:
        if groups:
            groups[-1][1].extend(pending)
        else:
            groups.append((pending_signature, pending))
    out: list[Step] = []
    for signature, blocks in groups:
        if signature:
            out.append({"type": "thought", "signature": signature})
        out.append({"type": "model_output", "content": blocks})
    return out


def _text(text: str) -> Step:
    return {"type": "text", "text": text}


def _image(files: ImageFiles, ref: ImageRef) -> Step:
    file = files.image_file(ref)
    return {"type": "image", "uri": file.uri, "mime_type": file.mime_type}
