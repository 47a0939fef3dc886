"""Thought signatures on the 3.x image models: issued, demanded back exactly, absent on 2.5 flash."""

from __future__ import annotations

import io

import pytest
from google import genai
from google.genai import errors, types

from devtools.gemini_emulator import read_provenance
from tests.emulator.helpers import output_png, png_bytes
from tests.support.clients import GeminiControl as Control

PRO = "gemini-3-pro-image-preview"


def model_content(response: types.GenerateContentResponse) -> types.Content:
    assert response.candidates and response.candidates[0].content
    return response.candidates[0].content


@pytest.mark.parametrize("model", [PRO, "gemini-3.1-flash-image-preview"])
def test_3x_models_sign_the_first_text_part_and_every_image(client: genai.Client, model: str) -> None:
    parts = model_content(client.models.generate_content(model=model, contents="a barn")).parts or []
    assert [bool(p.text) for p in parts] == [True, False]
    assert all(p.thought_signature for p in parts)


def test_2_5_flash_returns_no_signatures_and_checks_none(client: genai.Client) -> None:
    model = "gemini-2.5-flash-image"
    first = client.models.generate_content(model=model, contents="a barn")
    content = model_content(first)
    assert all(p.thought_signature is None for p in content.parts or [])
    # History with an unsigned model image is fine on 2.5 flash.
    second = client.models.generate_content(
        model=model, contents=[types.Content(role="user", parts=[types.Part(text="a barn")]), content, "invert"]
    )
    assert read_provenance(output_png(second))[-1] == "invert"


def test_chat_round_trip_extends_the_first_outputs_chain(client: genai.Client, control: Control) -> None:
    chat = client.chats.create(model=PRO)
    first = chat.send_message("a sailing boat at sea")
    first_png = output_png(first)
    second = chat.send_message("make it warmer")
    second_png = output_png(second)
    assert read_provenance(second_png) == [*read_provenance(first_png), "warmer"]
    # The SDK sent the model turn back with its signatures.
    sent = control.requests("generateContent")[-1]
    assert sent["contentCount"] == 3
    model_turn = sent["contents"][1]
    assert model_turn["role"] == "model"
    assert [p["hasSignature"] for p in model_turn["parts"]] == [True, True]


def test_dropped_signature_is_400_with_its_position(client: genai.Client) -> None:
    first = client.models.generate_content(model=PRO, contents="a sailing boat")
    image = output_png(first)
    history = [
        types.Content(role="user", parts=[types.Part(text="a sailing boat")]),
        types.Content(
            role="model",
            parts=[types.Part(text=first.text), types.Part.from_bytes(data=image, mime_type="image/png")],
        ),
        types.Content(role="user", parts=[types.Part(text="make it warmer")]),
    ]
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model=PRO, contents=history)
    assert caught.value.code == 400
    assert caught.value.status == "INVALID_ARGUMENT"
    assert caught.value.message == ("Image part is missing a thought_signature in content position 2, part position 2.")


def test_signature_must_be_the_one_issued_for_that_image(client: genai.Client) -> None:
    first = model_content(client.models.generate_content(model=PRO, contents="a lake"))
    other = model_content(client.models.generate_content(model=PRO, contents="a river"))
    image_part = (first.parts or [])[1]
    foreign_signature = (other.parts or [])[1].thought_signature
    forged = types.Part(inline_data=image_part.inline_data, thought_signature=foreign_signature)
    contents = [
        types.Content(role="user", parts=[types.Part(text="a lake")]),
        types.Content(role="model", parts=[forged]),
        types.Content(role="user", parts=[types.Part(text="darker")]),
    ]
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model=PRO, contents=contents)
    assert caught.value.code == 400
    # The exact part with its own signature passes.
    contents[1] = types.Content(role="model", parts=[image_part])
    out = output_png(client.models.generate_content(model=PRO, contents=contents))
    assert read_provenance(out)[-1] == "darker"


def test_documented_dummy_signature_is_accepted(client: genai.Client) -> None:
    contents = [
        types.Content(role="user", parts=[types.Part(text="a lake")]),
        types.Content(
            role="model",
            parts=[
                types.Part(
                    inline_data=types.Blob(data=png_bytes(), mime_type="image/png"),
                    thought_signature=b"skip_thought_signature_validator",
                )
            ],
        ),
        types.Content(role="user", parts=[types.Part(text="grayscale")]),
    ]
    out = output_png(client.models.generate_content(model=PRO, contents=contents))
    assert read_provenance(out)[-1] == "grayscale"


def test_user_images_need_no_signature(client: genai.Client) -> None:
    response = client.models.generate_content(
        model=PRO, contents=[types.Part.from_bytes(data=png_bytes(), mime_type="image/png"), "invert"]
    )
    assert read_provenance(output_png(response))[-1] == "invert"


def test_a_signed_model_image_re_uploaded_as_file_data_is_accepted(client: genai.Client) -> None:
    first = client.models.generate_content(model=PRO, contents="a forest")
    content = model_content(first)
    image_part = (content.parts or [])[1]
    assert image_part.inline_data is not None and image_part.inline_data.data is not None
    uploaded = client.files.upload(file=io.BytesIO(image_part.inline_data.data), config={"mime_type": "image/png"})
    assert uploaded.uri
    as_file = types.Part(
        file_data=types.FileData(file_uri=uploaded.uri, mime_type="image/png"),
        thought_signature=image_part.thought_signature,
    )
    contents = [
        types.Content(role="user", parts=[types.Part(text="a forest")]),
        types.Content(role="model", parts=[(content.parts or [])[0], as_file]),
        types.Content(role="user", parts=[types.Part(text="sepia")]),
    ]
    out = output_png(client.models.generate_content(model=PRO, contents=contents))
    assert read_provenance(out) == [*read_provenance(image_part.inline_data.data), "sepia"]
    # Without its signature the fileData model image is refused like an inline one.
    contents[1] = types.Content(
        role="model", parts=[types.Part(file_data=types.FileData(file_uri=uploaded.uri, mime_type="image/png"))]
    )
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model=PRO, contents=contents)
    assert "content position 2, part position 1" in (caught.value.message or "")


def test_thoughts_when_asked_carry_no_signature(client: genai.Client) -> None:
    response = client.models.generate_content(
        model=PRO,
        contents="a hill",
        config=types.GenerateContentConfig(thinking_config=types.ThinkingConfig(include_thoughts=True)),
    )
    parts = model_content(response).parts or []
    summary, interim, text, image = parts
    assert summary.thought is True and summary.text and summary.thought_signature is None
    assert interim.thought is True and interim.inline_data is not None and interim.thought_signature is None
    assert text.thought_signature and image.thought_signature and not text.thought and not image.thought
    usage = response.usage_metadata
    assert usage is not None and usage.thoughts_token_count
