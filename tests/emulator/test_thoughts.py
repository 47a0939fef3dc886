"""Thoughts on the 3.x image models (generateContent): with `thinkingConfig.includeThoughts` a
summary text part and an interim preview image (both `thought: true`, unsigned), streamed first,
`streamDelayMs` apart."""

from __future__ import annotations

import time

import pytest
from google import genai
from google.genai import types

from devtools.gemini_emulator import read_provenance
from devtools.gemini_emulator.imaging import PREVIEW, PREVIEW_MAX_SIDE
from tests.emulator.helpers import open_image, output_png, png_bytes
from tests.support.clients import GeminiControl as Control

PRO = "gemini-3-pro-image-preview"
THOUGHTS = types.ThinkingConfig(include_thoughts=True)


def _parts(response: types.GenerateContentResponse) -> list[types.Part]:
    assert response.candidates and response.candidates[0].content
    return list(response.candidates[0].content.parts or [])


@pytest.mark.parametrize(("ratio", "preview_size"), [("1:1", (512, 512)), ("16:9", (512, 293))])
def test_thoughts_are_a_summary_and_a_small_preview_before_the_result(
    client: genai.Client, ratio: str, preview_size: tuple[int, int]
) -> None:
    config = types.GenerateContentConfig(thinking_config=THOUGHTS, image_config=types.ImageConfig(aspect_ratio=ratio))
    response = client.models.generate_content(model=PRO, contents="a castle", config=config)
    summary, interim, text, image = _parts(response)
    assert summary.thought and summary.text == "Planning: draw a new image."
    assert interim.thought and interim.inline_data is not None and interim.inline_data.data
    assert not interim.thought_signature and not summary.thought_signature
    assert text.thought_signature and image.thought_signature
    preview = interim.inline_data.data
    assert image.inline_data is not None and image.inline_data.data
    final = image.inline_data.data
    assert open_image(preview).size == preview_size and max(preview_size) <= PREVIEW_MAX_SIDE
    assert read_provenance(preview) == [*read_provenance(final), PREVIEW]  # marked as a preview
    usage = response.usage_metadata
    assert usage is not None and (usage.thoughts_token_count or 0) > 258


def test_an_edit_summary_names_the_operations(client: genai.Client) -> None:
    contents = [types.Part.from_bytes(data=png_bytes(), mime_type="image/png"), "make it warmer and blur it"]
    response = client.models.generate_content(
        model=PRO, contents=contents, config=types.GenerateContentConfig(thinking_config=THOUGHTS)
    )
    assert _parts(response)[0].text == "Planning: edit the latest image (warmer, blur)."


def test_no_thoughts_unless_asked_and_none_on_2_5_flash(client: genai.Client) -> None:
    assert not any(p.thought for p in _parts(client.models.generate_content(model=PRO, contents="a castle")))
    config = types.GenerateContentConfig(thinking_config=THOUGHTS)
    flash = client.models.generate_content(model="gemini-2.5-flash-image", contents="a castle", config=config)
    assert not any(p.thought for p in _parts(flash))


def test_text_only_output_thinks_without_a_preview(client: genai.Client) -> None:
    config = types.GenerateContentConfig(thinking_config=THOUGHTS, response_modalities=["TEXT"])
    parts = _parts(client.models.generate_content(model=PRO, contents="a castle", config=config))
    assert [(bool(p.thought), p.inline_data is not None) for p in parts] == [(True, False), (False, False)]


def test_the_next_turn_edits_the_final_image_not_the_preview(client: genai.Client) -> None:
    config = types.GenerateContentConfig(thinking_config=THOUGHTS)
    first = client.models.generate_content(model=PRO, contents="a castle", config=config)
    assert first.candidates and first.candidates[0].content
    history = [types.Content(role="user", parts=[types.Part(text="a castle")]), first.candidates[0].content]
    second = client.models.generate_content(model=PRO, contents=[*history, "grayscale"])
    chain = read_provenance(output_png(second))
    assert chain[-1] == "grayscale" and PREVIEW not in chain  # thought parts need no signature either


def test_streaming_sends_each_thought_first_then_text_then_the_image(client: genai.Client) -> None:
    chunks = list(
        client.models.generate_content_stream(
            model=PRO, contents="a castle", config=types.GenerateContentConfig(thinking_config=THOUGHTS)
        )
    )
    kinds = []
    for chunk in chunks:
        parts = _parts(chunk)
        kinds.append([("thought-" if p.thought else "") + ("text" if p.text else "image") for p in parts])
    assert kinds == [["thought-text"], ["thought-image"], ["text"], ["image"]]
    assert chunks[-1].candidates and chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP


def _stream_seconds(client: genai.Client) -> float:
    started = time.monotonic()
    list(
        client.models.generate_content_stream(
            model=PRO, contents="a castle", config=types.GenerateContentConfig(thinking_config=THOUGHTS)
        )
    )
    return time.monotonic() - started


def test_stream_delay_paces_the_chunks(client: genai.Client, control: Control) -> None:
    _stream_seconds(client)  # rendered once: the timings below measure the pacing only
    control.config(streamDelayMs=200)
    assert _stream_seconds(client) >= 0.6  # three gaps between four chunks
    control.config(streamDelayMs=None, latencyMs=400)  # default: a quarter of the latency
    assert _stream_seconds(client) >= 0.4 + 3 * 0.1
