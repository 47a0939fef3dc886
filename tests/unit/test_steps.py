"""The Interactions API's side of the gateway without a server: typed turns → input steps, an
Interaction → ModelReply, replies of one API replayed on the other, and the API choice."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from google.genai import types

from imagechat import config
from imagechat.errors import Unavailable
from imagechat.gemini import steps
from imagechat.gemini.contents import Prompt, model_content
from imagechat.gemini.files import ImageRef
from imagechat.gemini.interaction_reply import parse_interaction
from imagechat.store.documents import (
    CachedFile,
    ContentPart,
    Exchange,
    OutputImage,
    ReplayStep,
    StepBlock,
    Turn,
)

SIG = b"emu1-signature-bytes"
SIG64 = base64.b64encode(SIG).decode()
PNG = b"\x89PNG\r\n\x1a\nfake"


class Files:
    """The Files API cache's `image_file` and `image_part`, without uploads."""

    def image_file(self, ref: ImageRef) -> CachedFile:
        return CachedFile(sha256=ref.sha256, name=f"files/{ref.sha256}", uri=f"https://f/{ref.sha256}",
                          mime_type=ref.mime_type, expires_at=datetime(2100, 1, 1, tzinfo=UTC))

    def image_part(self, ref: ImageRef, thought_signature: bytes | None = None) -> types.Part:
        return types.Part(file_data=types.FileData(file_uri=f"https://f/{ref.sha256}", mime_type=ref.mime_type),
                          thought_signature=thought_signature)


def _image(sha: str = "out1") -> OutputImage:
    return OutputImage(storage_path=f"p/{sha}", public_url="u", mime_type="image/png", width=8, height=8, sha256=sha)


def _user(text: str) -> Turn:
    return Turn(id="u1", role="user", index=0, status="complete", text=text)


def _generate_content_turn() -> Turn:
    text = types.Part(text="Here it is", thought_signature=b"text-sig").to_json_dict()
    image = types.Part(thought_signature=SIG).to_json_dict()
    return Turn(id="m1", role="model", index=1, status="complete", images=(_image(),),
                content=(ContentPart(part=text), ContentPart(part=image, image=0)))


def _interactions_turn() -> Turn:
    return Turn(id="m1", role="model", index=1, status="complete", images=(_image(),), api="interactions",
                steps=(ReplayStep(type="thought", signature=SIG64),
                       ReplayStep(type="model_output", content=(StepBlock(type="text", text="Here it is"),
                                                                StepBlock(type="image", image=0)))))


def test_a_replay_is_user_input_thought_output_then_the_new_message() -> None:
    prompt = Prompt(history=[Exchange(_user("Draw a barn"), _interactions_turn())], attachments=[], text="invert")
    assert steps.build(prompt, Files()) == [
        {"type": "user_input", "content": [{"type": "text", "text": "Draw a barn"}]},
        {"type": "thought", "signature": SIG64},
        {"type": "model_output", "content": [{"type": "text", "text": "Here it is"},
                                             {"type": "image", "uri": "https://f/out1", "mime_type": "image/png"}]},
        {"type": "user_input", "content": [{"type": "text", "text": "invert"}]},
    ]


def test_a_generate_content_reply_replays_as_steps_with_the_images_signature() -> None:
    replayed = steps.reply_steps(_generate_content_turn(), Files())
    assert [s["type"] for s in replayed] == ["thought", "model_output"]
    assert replayed[0]["signature"] == SIG64  # the image's, not the text's
    assert [b["type"] for b in replayed[1]["content"]] == ["text", "image"]


def test_an_interactions_reply_replays_as_parts_with_signatures_where_generate_content_puts_them() -> None:
    content = model_content(_interactions_turn(), Files())
    text, image = content.parts or []
    assert text.text == "Here it is" and text.thought_signature == SIG
    assert image.file_data is not None and image.thought_signature == SIG


def _interaction(status: str, steps_: list[Any] | None = None, code: str | None = None) -> Any:
    usage = SimpleNamespace(total_input_tokens=5, total_output_tokens=1120, total_thought_tokens=10, total_tokens=1135)
    errors = [SimpleNamespace(code=code, message="no")] if code else None
    return SimpleNamespace(status=status, steps=steps_ or [], usage=usage, errors=errors)


def test_an_interaction_becomes_a_reply_with_its_steps() -> None:
    thought = SimpleNamespace(type="thought", signature=SIG64)
    output = SimpleNamespace(type="model_output", content=[
        SimpleNamespace(type="text", text="Done."),
        SimpleNamespace(type="image", data=base64.b64encode(PNG).decode(), mime_type="image/png")])
    reply = parse_interaction(_interaction("completed", [thought, output]), image_only=False)
    assert not reply.blocked and reply.text == "Done." and reply.images[0].data == PNG
    assert reply.steps[0] == ReplayStep(type="thought", signature=SIG64)
    assert reply.steps[1].content == (StepBlock(type="text", text="Done."), StepBlock(type="image", image=0))
    assert (reply.usage.prompt_tokens, reply.usage.output_tokens, reply.usage.total_tokens) == (5, 1130, 1135)


@pytest.mark.parametrize(("code", "reason", "words"), [
    ("prohibited_content", "PROHIBITED_CONTENT", "safety filters"),
    ("image_safety", "IMAGE_SAFETY", "safety reasons"),
    ("no_image", "NO_IMAGE", "did not produce an image"),
])
def test_a_refused_interaction_is_a_blocked_reply(code: str, reason: str, words: str) -> None:
    reply = parse_interaction(_interaction("failed", code=code), image_only=False)
    assert reply.blocked and reply.finish_reason == reason and words in (reply.blocked_message or "")


def test_a_failed_interaction_that_is_no_refusal_is_unavailable() -> None:
    with pytest.raises(Unavailable):
        parse_interaction(_interaction("failed", code="api_error"), image_only=False)


def test_the_deployment_may_force_one_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMAGECHAT_MODEL_API", raising=False)
    assert config.model_api(config.DEFAULT_MODEL, config.load_settings()) == "generate_content"
    monkeypatch.setenv("IMAGECHAT_MODEL_API", "interactions")
    monkeypatch.setenv("IMAGECHAT_INTERACTIONS_STORE", "false")
    conf = config.load_settings()
    assert config.model_api(config.DEFAULT_MODEL, conf) == "interactions" and conf.interactions_store is False
    monkeypatch.setenv("IMAGECHAT_INTERACTIONS_STORE", "yes")
    assert config.load_settings().interactions_store is True
    monkeypatch.setenv("IMAGECHAT_MODEL_API", "streaming")
    with pytest.raises(ValueError, match="IMAGECHAT_MODEL_API"):
        config.load_settings()


def test_a_generate_content_turn_stores_no_interactions_fields() -> None:
    stored = _generate_content_turn().to_firestore()
    assert "steps" not in stored and "interaction" not in stored and "api" not in stored
    assert "steps" in _interactions_turn().to_firestore()
