"""Edits change pixels visibly, in prompt order, on the right image, and provenance proves it."""

from __future__ import annotations

import hashlib
import io

import pytest
from google import genai
from google.genai import types
from PIL import Image, ImageStat

from devtools.gemini_emulator import read_provenance
from devtools.gemini_emulator.imaging import parse_operations
from tests.emulator.helpers import image_config, open_image, output_png, pattern_png, png_bytes

MODEL = "gemini-2.5-flash-image"
SQUARE = image_config(aspect_ratio="1:1")


def edit(client: genai.Client, source: bytes, prompt: str, config: types.GenerateContentConfig | None = None) -> bytes:
    response = client.models.generate_content(
        model=MODEL,
        contents=[types.Part.from_bytes(data=source, mime_type="image/png"), prompt],
        config=config or SQUARE,
    )
    return output_png(response)


def means(data: bytes) -> list[float]:
    return ImageStat.Stat(open_image(data).convert("RGB")).mean


@pytest.fixture(scope="module")
def photo(client: genai.Client) -> bytes:
    """A generated, colourful square picture to edit."""
    return output_png(client.models.generate_content(model=MODEL, contents="a colourful photo"))


def test_warmer_raises_red_relative_to_blue(client: genai.Client, photo: bytes) -> None:
    r0, _, b0 = means(photo)
    r1, _, b1 = means(edit(client, photo, "Make it warmer"))
    assert r1 / b1 > r0 / b0 * 1.2


def test_cooler_raises_blue_relative_to_red(client: genai.Client, photo: bytes) -> None:
    r0, _, b0 = means(photo)
    r1, _, b1 = means(edit(client, photo, "a cooler mood please"))
    assert b1 / r1 > b0 / r0 * 1.2


def test_grayscale_has_equal_channels(client: genai.Client, photo: bytes) -> None:
    image = open_image(edit(client, photo, "Black and white, please")).convert("RGB")
    for x in range(0, 1024, 37):
        for y in range(0, 1024, 41):
            r, g, b = image.getpixel((x, y))
            assert r == g == b


def test_sepia_is_brownish(client: genai.Client, photo: bytes) -> None:
    r, g, b = means(edit(client, photo, "sepia"))
    assert r > g > b


def test_invert_flips_every_value(client: genai.Client) -> None:
    source = png_bytes((64, 64), (200, 100, 30))
    assert open_image(edit(client, source, "INVERT the colours")).convert("RGB").getpixel((500, 500)) == (55, 155, 225)


def test_brighter_and_darker(client: genai.Client, photo: bytes) -> None:
    base = sum(means(photo))
    assert sum(means(edit(client, photo, "brighter"))) > base * 1.1
    assert sum(means(edit(client, photo, "darker"))) < base * 0.8


def halves_png() -> bytes:
    image = Image.new("RGB", (1024, 1024), (60, 60, 60))
    image.paste((190, 190, 190), (512, 0, 1024, 1024))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_blur_softens_an_edge(client: genai.Client) -> None:
    out = open_image(edit(client, halves_png(), "blur it")).convert("L")
    assert 60 < out.getpixel((508, 500)) < out.getpixel((516, 500)) < 190
    assert out.getpixel((100, 500)) == 60


def test_sharpen_overshoots_at_an_edge(client: genai.Client) -> None:
    out = open_image(edit(client, halves_png(), "sharpen it")).convert("L")
    assert out.getpixel((510, 500)) < 60
    assert out.getpixel((513, 500)) > 190
    assert out.getpixel((100, 500)) == 60


def test_flip_mirrors_left_and_right(client: genai.Client) -> None:
    source = pattern_png((128, 128))  # red left half, blue right half, green top-left corner
    out = open_image(edit(client, source, "mirror it")).convert("RGB")
    left, right = out.getpixel((100, 600)), out.getpixel((900, 600))
    assert left[2] > left[0] and right[0] > right[2]  # blue now on the left
    assert out.getpixel((1000, 20))[1] > 150  # green corner now top-right


def test_flip_vertically_moves_the_top_down(client: genai.Client) -> None:
    out = open_image(edit(client, pattern_png((128, 128)), "flip it vertically")).convert("RGB")
    assert out.getpixel((20, 1000))[1] > 150  # green corner now bottom-left
    assert out.getpixel((20, 20))[0] > 150  # top-left is red again


def test_rotate_turns_clockwise_and_swaps_the_ratio(client: genai.Client) -> None:
    wide = pattern_png((320, 180))  # 16:9
    response = client.models.generate_content(
        model=MODEL, contents=[types.Part.from_bytes(data=wide, mime_type="image/png"), "rotate"]
    )
    out = open_image(output_png(response)).convert("RGB")
    assert out.size == (768, 1344)  # now 9:16, without an explicit ratio
    assert out.getpixel((740, 20))[1] > 150  # top-left green corner went to the top-right
    assert read_provenance(output_png(response))[-1] == "rotate-90"


def test_border_frames_the_picture(client: genai.Client) -> None:
    out = open_image(edit(client, png_bytes((100, 100), (250, 250, 250)), "add a frame")).convert("RGB")
    assert out.getpixel((3, 3)) == (16, 16, 16)
    assert out.getpixel((512, 512)) == (250, 250, 250)


def test_several_operations_apply_in_prompt_order(client: genai.Client, photo: bytes) -> None:
    out = edit(client, photo, "First blur it, then make it grayscale and finally invert")
    chain = read_provenance(out)
    assert chain[-3:] == ["blur", "grayscale", "invert"]


def test_unknown_instruction_still_returns_a_valid_image(client: genai.Client, photo: bytes) -> None:
    response = client.models.generate_content(
        model=MODEL,
        contents=[types.Part.from_bytes(data=photo, mime_type="image/png"), "turn it into a watercolour"],
        config=SQUARE,
    )
    out = output_png(response)
    assert open_image(out).size == (1024, 1024)
    assert read_provenance(out) == [*read_provenance(photo), "restyle"]
    assert response.text == "Applied: restyle."


def test_edit_is_deterministic(client: genai.Client, photo: bytes) -> None:
    assert edit(client, photo, "warmer and blur") == edit(client, photo, "warmer and blur")


def test_a_seed_varies_the_output_deterministically(client: genai.Client, photo: bytes) -> None:
    def seeded(seed: int) -> bytes:
        return edit(client, photo, "warmer", types.GenerateContentConfig(
            image_config=types.ImageConfig(aspect_ratio="1:1"), seed=seed))

    plain, first, second = edit(client, photo, "warmer"), seeded(1), seeded(2)
    assert len({plain, first, second}) == 3  # each seed its own pixels
    assert seeded(1) == first  # and the same seed the same bytes
    assert read_provenance(first) == [*read_provenance(plain), "seed:1"]
    assert read_provenance(second)[-1] == "seed:2"


def test_input_without_chain_starts_an_input_chain(client: genai.Client) -> None:
    source = png_bytes((50, 50))
    chain = read_provenance(edit(client, source, "darker"))
    assert chain == [f"input:{hashlib.sha256(source).hexdigest()[:12]}", "darker"]


def test_jpeg_input_is_edited(client: genai.Client) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 80), (10, 200, 10)).save(buffer, format="JPEG")
    response = client.models.generate_content(
        model=MODEL,
        contents=[types.Part.from_bytes(data=buffer.getvalue(), mime_type="image/jpeg"), "grayscale"],
    )
    assert read_provenance(output_png(response))[-1] == "grayscale"


def test_newest_image_of_the_last_user_turn_is_edited(client: genai.Client) -> None:
    older, newer = png_bytes((40, 40), (1, 2, 3)), png_bytes((40, 40), (4, 5, 6))
    history_image = png_bytes((40, 40), (7, 8, 9))
    contents = [
        types.Content(role="user", parts=[types.Part.from_bytes(data=history_image, mime_type="image/png")]),
        types.Content(role="model", parts=[types.Part(text="ok")]),
        types.Content(
            role="user",
            parts=[
                types.Part.from_bytes(data=older, mime_type="image/png"),
                types.Part.from_bytes(data=newer, mime_type="image/png"),
                types.Part(text="darker"),
            ],
        ),
    ]
    out = output_png(client.models.generate_content(model=MODEL, contents=contents))
    assert read_provenance(out)[0] == f"input:{hashlib.sha256(newer).hexdigest()[:12]}"


def test_without_a_user_image_the_last_model_image_is_edited(client: genai.Client) -> None:
    chat = client.chats.create(model=MODEL)
    first = output_png(chat.send_message("a castle"))
    second = output_png(chat.send_message("now grayscale"))
    third = output_png(chat.send_message("and add a border"))
    assert read_provenance(second) == [*read_provenance(first), "grayscale"]
    assert read_provenance(third) == [*read_provenance(second), "border"]


def test_parse_operations_vocabulary() -> None:
    assert parse_operations("Make it warmer, then blur") == ["warmer", "blur"]
    assert parse_operations("greyscale") == ["grayscale"]
    assert parse_operations("flip it vertically") == ["flip-vertical"]
    assert parse_operations("turn it upside down") == ["flip-vertical"]
    assert parse_operations("flip it") == ["flip-horizontal"]
    assert parse_operations("rotate 180 degrees") == ["rotate-180"]
    assert parse_operations("rotate it to the left") == ["rotate-270"]
    assert parse_operations("Sepia with more contrast and a frame") == ["sepia", "contrast", "border"]
    assert parse_operations("a picture of a cat") == []
