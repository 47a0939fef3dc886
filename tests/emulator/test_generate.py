"""generateContent through the real SDK: generation, sizes, models, text, usage, streaming."""

from __future__ import annotations

import base64
import json
import math

import pytest
import requests
from google import genai
from google.genai import errors, types

from devtools.gemini_emulator import read_provenance
from tests.emulator.helpers import image_config, image_parts, open_image, output_png, png_bytes

IMAGE_MODELS = ["gemini-2.5-flash-image", "gemini-3-pro-image-preview", "gemini-3.1-flash-image-preview"]
SIZES_1K = {
    "1:1": (1024, 1024),
    "2:3": (832, 1248),
    "3:2": (1248, 832),
    "3:4": (864, 1184),
    "4:3": (1184, 864),
    "4:5": (896, 1152),
    "5:4": (1152, 896),
    "9:16": (768, 1344),
    "16:9": (1344, 768),
    "21:9": (1536, 672),
}


@pytest.mark.parametrize("model", IMAGE_MODELS)
def test_text_to_image_is_a_1024_png_with_a_generation_chain(client: genai.Client, model: str) -> None:
    response = client.models.generate_content(model=model, contents="a lighthouse at dusk")
    data = output_png(response)
    image = open_image(data)
    assert image.format == "PNG"
    assert image.size == (1024, 1024)
    chain = read_provenance(data)
    assert len(chain) == 1 and chain[0].startswith("generate:")
    assert response.text and "Generated" in response.text
    assert response.model_version == model
    assert response.response_id


def test_generation_is_deterministic_in_the_prompt(client: genai.Client) -> None:
    model = "gemini-2.5-flash-image"
    first = output_png(client.models.generate_content(model=model, contents="a red kite"))
    again = output_png(client.models.generate_content(model=model, contents="a red kite"))
    other = output_png(client.models.generate_content(model=model, contents="a green kite"))
    assert first == again
    assert first != other
    assert read_provenance(first) != read_provenance(other)


@pytest.mark.parametrize(("ratio", "size"), SIZES_1K.items())
def test_each_aspect_ratio_has_its_documented_1k_size(client: genai.Client, ratio: str, size: tuple[int, int]) -> None:
    response = client.models.generate_content(
        model="gemini-2.5-flash-image", contents="a mountain", config=image_config(aspect_ratio=ratio)
    )
    assert open_image(output_png(response)).size == size


@pytest.mark.parametrize(("image_size", "factor"), [("1K", 1), ("2K", 2)])
def test_pro_image_size_scales_the_output(client: genai.Client, image_size: str, factor: int) -> None:
    response = client.models.generate_content(
        model="gemini-3-pro-image-preview",
        contents="a harbour",
        config=image_config(aspect_ratio="16:9", image_size=image_size),
    )
    assert open_image(output_png(response)).size == (1344 * factor, 768 * factor)


def test_4k_on_3_1_flash_quadruples_and_costs_2000_tokens(client: genai.Client) -> None:
    response = client.models.generate_content(
        model="gemini-3.1-flash-image-preview",
        contents="a field",
        config=types.GenerateContentConfig(
            response_modalities=["IMAGE"], image_config=types.ImageConfig(aspect_ratio="21:9", image_size="4K")
        ),
    )
    assert open_image(output_png(response)).size == (1536 * 4, 672 * 4)
    usage = response.usage_metadata
    assert usage is not None and usage.candidates_token_count == 2000


UNSUPPORTED_IMAGE_CONFIGS = [
    ("gemini-2.5-flash-image", {"image_size": "2K"}, "2K"),  # 2.5 flash takes 1K only, like the real API
    ("gemini-2.5-flash-image", {"aspect_ratio": "7:3"}, "7:3"),
    ("gemini-3-pro-image-preview", {"aspect_ratio": "7:3"}, "7:3"),
    ("gemini-3-pro-image-preview", {"image_size": "8K"}, "8K"),
    *((model, {"image_size": "1k"}, "1k") for model in IMAGE_MODELS),  # lowercase is rejected everywhere
]


@pytest.mark.parametrize(("model", "config", "named"), UNSUPPORTED_IMAGE_CONFIGS)
def test_unsupported_image_config_is_400_invalid_argument(
    client: genai.Client, model: str, config: dict[str, str], named: str
) -> None:
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model=model, contents="a boat", config=image_config(**config))
    assert caught.value.code == 400
    assert caught.value.status == "INVALID_ARGUMENT"
    assert named in (caught.value.message or "")


def test_2_5_flash_accepts_an_explicit_1k(client: genai.Client) -> None:
    response = client.models.generate_content(
        model="gemini-2.5-flash-image", contents="a boat", config=image_config(image_size="1K")
    )
    assert open_image(output_png(response)).size == (1024, 1024)


def test_without_aspect_ratio_an_edit_keeps_the_input_ratio(client: genai.Client) -> None:
    wide = png_bytes((320, 180))  # 16:9
    response = client.models.generate_content(
        model="gemini-2.5-flash-image",
        contents=[types.Part.from_bytes(data=wide, mime_type="image/png"), "make it brighter"],
    )
    assert open_image(output_png(response)).size == (1344, 768)
    tall = png_bytes((300, 410))  # closest supported: 3:4
    response = client.models.generate_content(
        model="gemini-2.5-flash-image",
        contents=[types.Part.from_bytes(data=tall, mime_type="image/png"), "make it brighter"],
    )
    assert open_image(output_png(response)).size == (864, 1184)


def test_explicit_aspect_ratio_wins_over_the_input_ratio(client: genai.Client) -> None:
    response = client.models.generate_content(
        model="gemini-2.5-flash-image",
        contents=[types.Part.from_bytes(data=png_bytes((320, 180)), mime_type="image/png"), "darker"],
        config=image_config(aspect_ratio="9:16"),
    )
    assert open_image(output_png(response)).size == (768, 1344)


def test_unknown_model_is_404_not_found(client: genai.Client) -> None:
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model="gemini-9-ultra-image", contents="hi")
    assert caught.value.code == 404
    assert caught.value.status == "NOT_FOUND"
    assert "models/gemini-9-ultra-image" in (caught.value.message or "")
    assert "for API version v1," in (caught.value.message or "")  # SDK 3.x calls /v1/...


@pytest.mark.parametrize("version", ["v1", "v1beta", "v1alpha"])
@pytest.mark.parametrize("path", ["models/gemini-9-ultra-image:generateContent", "models/gemini-9-ultra-image"])
def test_unknown_model_404_names_the_request_path_version(emulator_url: str, version: str, path: str) -> None:
    url = f"{emulator_url}/{version}/{path}"
    body = {"contents": [{"parts": [{"text": "hi"}]}]}
    response = requests.post(url, json=body, timeout=30) if ":" in path else requests.get(url, timeout=30)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["status"] == "NOT_FOUND"
    assert f"models/gemini-9-ultra-image is not found for API version {version}," in error["message"]


def test_models_get_and_list(client: genai.Client) -> None:
    model = client.models.get(model="gemini-3-pro-image-preview")
    assert model.name == "models/gemini-3-pro-image-preview"
    names = {m.name for m in client.models.list()}
    assert names >= {
        "models/gemini-2.5-flash-image",
        "models/gemini-3-pro-image-preview",
        "models/gemini-3.1-flash-image-preview",
        "models/gemini-2.5-flash",
    }
    with pytest.raises(errors.ClientError) as caught:
        client.models.get(model="nope-model")
    assert caught.value.code == 404


def test_response_modalities_image_only_has_no_text(client: genai.Client) -> None:
    response = client.models.generate_content(
        model="gemini-3-pro-image-preview",
        contents="a cat",
        config=types.GenerateContentConfig(response_modalities=["IMAGE"]),
    )
    parts = response.candidates[0].content.parts  # type: ignore[index,union-attr]
    assert parts is not None and len(parts) == 1 and parts[0].inline_data is not None
    assert parts[0].thought_signature


def test_response_modalities_text_only_on_an_image_model_gives_text(client: genai.Client) -> None:
    response = client.models.generate_content(
        model="gemini-2.5-flash-image",
        contents="a cat",
        config=types.GenerateContentConfig(response_modalities=["TEXT"]),
    )
    assert response.text
    assert image_parts(response) == []


def test_text_model_answers_a_deterministic_summary(client: genai.Client) -> None:
    prompt = "Summarise the creative journey: warmer tones, then grayscale, then a wooden frame"
    first = client.models.generate_content(model="gemini-2.5-flash", contents=prompt)
    again = client.models.generate_content(model="gemini-2.5-flash", contents=prompt)
    assert first.text == again.text
    assert first.text is not None
    for word in ("warmer", "grayscale", "wooden", "frame"):
        assert word in first.text
    assert image_parts(first) == []
    usage = first.usage_metadata
    assert usage is not None and usage.prompt_token_count == math.ceil(len(prompt) / 4)


def test_text_model_refuses_image_output(client: genai.Client) -> None:
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(
            model="gemini-2.5-flash",
            contents="draw",
            config=types.GenerateContentConfig(response_modalities=["TEXT", "IMAGE"]),
        )
    assert caught.value.code == 400


def test_text_model_json_mode(client: genai.Client) -> None:
    response = client.models.generate_content(
        model="gemini-2.5-flash",
        contents="summarise: sunset beach warmer",
        config=types.GenerateContentConfig(response_mime_type="application/json"),
    )
    assert response.parsed is None  # no schema given; the text is JSON though
    assert json.loads(response.text or "")["keywords"] == ["summarise", "sunset", "beach", "warmer"]


def test_usage_metadata_follows_the_documented_figures(client: genai.Client) -> None:
    prompt = "make it warmer"  # 14 chars -> 4 tokens
    small = png_bytes((300, 200))  # <= 384 px: 258 tokens
    big = png_bytes((1600, 800))  # 3 x 2 tiles of 768: 6 * 258
    response = client.models.generate_content(
        model="gemini-2.5-flash-image",
        contents=[
            types.Part.from_bytes(data=small, mime_type="image/png"),
            types.Part.from_bytes(data=big, mime_type="image/png"),
            prompt,
        ],
    )
    usage = response.usage_metadata
    assert usage is not None
    text_out = math.ceil(len(response.text or "") / 4)
    assert usage.prompt_token_count == 4 + 258 + 6 * 258
    assert usage.candidates_token_count == 1290 + text_out
    assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count
    prompt_details = {d.modality.value: d.token_count for d in usage.prompt_tokens_details or [] if d.modality}
    assert prompt_details == {"TEXT": 4, "IMAGE": 7 * 258}
    out_details = {d.modality.value: d.token_count for d in usage.candidates_tokens_details or [] if d.modality}
    assert out_details == {"TEXT": text_out, "IMAGE": 1290}


def test_pro_output_tokens_at_1k(client: genai.Client) -> None:
    response = client.models.generate_content(
        model="gemini-3-pro-image-preview",
        contents="a tree",
        config=types.GenerateContentConfig(response_modalities=["IMAGE"]),
    )
    usage = response.usage_metadata
    assert usage is not None and usage.candidates_token_count == 1120
    assert usage.prompt_token_count == 2


def test_count_tokens(client: genai.Client) -> None:
    result = client.models.count_tokens(model="gemini-2.5-flash-image", contents="abcdefgh")
    assert result.total_tokens == 2


def test_streaming_sends_text_then_image(client: genai.Client) -> None:
    chunks = list(
        client.models.generate_content_stream(
            model="gemini-3-pro-image-preview",
            contents=[types.Part.from_bytes(data=png_bytes(), mime_type="image/png"), "invert it"],
        )
    )
    assert len(chunks) == 2
    first_parts = chunks[0].candidates[0].content.parts  # type: ignore[index,union-attr]
    assert first_parts is not None and first_parts[0].text == "Applied: invert."
    assert first_parts[0].thought_signature
    image = chunks[1].candidates[0].content.parts[0]  # type: ignore[index,union-attr]
    assert image.inline_data is not None and image.thought_signature
    assert read_provenance(image.inline_data.data or b"")[-1] == "invert"
    assert chunks[1].candidates[0].finish_reason == types.FinishReason.STOP  # type: ignore[index]
    assert chunks[1].usage_metadata is not None


def test_streaming_wire_format(emulator_url: str) -> None:
    response = requests.post(
        f"{emulator_url}/v1beta/models/gemini-2.5-flash-image:streamGenerateContent?alt=sse",
        json={"contents": [{"role": "user", "parts": [{"text": "a dog"}]}]},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    events = [e for e in response.text.split("\r\n\r\n") if e]
    assert len(events) == 2
    assert all(e.startswith("data: {") for e in events)
    array = requests.post(
        f"{emulator_url}/v1beta/models/gemini-2.5-flash-image:streamGenerateContent",
        json={"contents": [{"role": "user", "parts": [{"text": "a dog"}]}]},
        timeout=30,
    ).json()
    assert [json.loads(e.removeprefix("data: ")) | {"responseId": None} for e in events] == [
        c | {"responseId": None} for c in array
    ]


def test_raw_snake_case_and_url_safe_base64_are_accepted(emulator_url: str) -> None:
    data = png_bytes((40, 40), (250, 250, 250))
    encoded = base64.urlsafe_b64encode(data).decode().rstrip("=")
    body = {
        "contents": [
            {
                "role": "user",
                "parts": [{"inline_data": {"mime_type": "image/png", "data": encoded}}, {"text": "invert"}],
            }
        ],
        "generation_config": {"response_modalities": ["image"], "image_config": {"aspect_ratio": "4:3"}},
    }
    response = requests.post(
        f"{emulator_url}/v1alpha/models/gemini-2.5-flash-image:generateContent?key=whatever", json=body, timeout=30
    )
    assert response.status_code == 200, response.text
    parts = response.json()["candidates"][0]["content"]["parts"]
    assert len(parts) == 1
    out = base64.b64decode(parts[0]["inlineData"]["data"])
    image = open_image(out)
    assert image.size == (1184, 864)
    assert image.getpixel((10, 10)) == (5, 5, 5)


def test_invalid_base64_is_400(emulator_url: str) -> None:
    body = {"contents": [{"parts": [{"inlineData": {"mimeType": "image/png", "data": "!!!not base64"}}]}]}
    response = requests.post(f"{emulator_url}/v1/models/gemini-2.5-flash-image:generateContent", json=body, timeout=30)
    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_empty_contents_is_400(emulator_url: str) -> None:
    response = requests.post(
        f"{emulator_url}/v1/models/gemini-2.5-flash-image:generateContent", json={"contents": []}, timeout=30
    )
    assert response.status_code == 400
    assert set(response.json()["error"]) >= {"code", "message", "status"}


def test_3x_models_take_at_most_14_input_images(client: genai.Client) -> None:
    images: list[types.PartUnion] = [
        types.Part.from_bytes(data=png_bytes((8, 8), (i, i, i)), mime_type="image/png") for i in range(15)
    ]
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model="gemini-3-pro-image-preview", contents=[*images, "blend"])
    assert caught.value.code == 400
    response = client.models.generate_content(model="gemini-3-pro-image-preview", contents=[*images[1:], "blend"])
    assert read_provenance(output_png(response))[-1] == "restyle"
