"""Payloads: "small" flat PNGs for speed, "realistic" PNGs that weigh what the real API's do
(config `payload`, the CLI's `--payload`, GEMINI_EMULATOR_PAYLOAD, `make dev`'s default)."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
import requests
from google import genai
from google.genai import types
from PIL import Image, ImageChops, ImageStat

from devtools.gemini_emulator import imaging, read_provenance
from devtools.gemini_emulator.control import PAYLOAD_ENV
from devtools.gemini_emulator.generate import _render_uncached
from devtools.stack import Ports, Stack, free_port
from tests.emulator.helpers import EmulatorProcess, open_image, output_png, pattern_png
from tests.support.clients import GeminiControl as Control

PRO = "gemini-3-pro-image-preview"
MB = 1_000_000
# What the real API's PNGs weigh (issue 15): about 1-2 MB at 1K, 5-8 MB at 2K, 20+ MB at 4K.
REAL_SIZES = {"1K": (1 * MB, 2 * MB), "2K": (5 * MB, 8 * MB), "4K": (20 * MB, 30 * MB)}


def _generate(client: genai.Client, prompt: str, image_size: str = "1K", model: str = PRO) -> bytes:
    config = types.GenerateContentConfig(image_config=types.ImageConfig(image_size=image_size))
    return output_png(client.models.generate_content(model=model, contents=prompt, config=config))


def _edit(client: genai.Client, image: bytes, prompt: str) -> bytes:
    contents = [types.Part.from_bytes(data=image, mime_type="image/png"), prompt]
    return output_png(client.models.generate_content(model="gemini-2.5-flash-image", contents=contents))


def test_small_is_the_default_and_stays_small(client: genai.Client, control: Control) -> None:
    assert control.config()["payload"] == "small"
    png = _generate(client, "a lighthouse at dusk")
    assert open_image(png).size == (1024, 1024)
    assert len(png) < 100_000
    assert imaging.GRAIN_KEY not in open_image(png).info


@pytest.mark.parametrize("image_size", ["1K", "2K"])
def test_realistic_pngs_weigh_what_the_real_api_answers(
    client: genai.Client, control: Control, image_size: str
) -> None:
    control.config(payload="realistic")
    png = _generate(client, "a lighthouse at dusk", image_size)
    low, high = REAL_SIZES[image_size]
    assert low <= len(png) <= high, f"{image_size}: {len(png) / MB:.2f} MB"
    assert read_provenance(png) == ["generate:" + imaging.sha12(b"a lighthouse at dusk")]
    print(f"realistic {image_size}: {len(png) / MB:.2f} MB")


def test_realistic_4k_weighs_over_20_mb() -> None:
    """Rendered in process: the 30 MB of base64 a 4K answer is would only time the SDK's parsing."""
    started = time.monotonic()
    png, _, chain, preview = _render_uncached("a harbour", None, None, "4K", realistic=True)
    elapsed = time.monotonic() - started
    assert open_image(png).size == (4096, 4096) and chain == ["generate:" + imaging.sha12(b"a harbour")]
    assert REAL_SIZES["4K"][0] <= len(png) <= REAL_SIZES["4K"][1]
    assert max(open_image(preview).size) == imaging.PREVIEW_MAX_SIDE
    print(f"realistic 4K: {len(png) / MB:.2f} MB in {elapsed:.1f} s")


def test_realistic_outputs_are_deterministic_and_cached_per_payload(client: genai.Client, control: Control) -> None:
    small = _generate(client, "a red barn")
    control.config(payload="realistic")
    first = _generate(client, "a red barn")
    assert _generate(client, "a red barn") == first  # the same request, the same bytes
    assert first != small and len(first) > 10 * len(small)  # the payload is part of the cache key
    # Rendered afresh (no cache), the bytes are the same too.
    fresh = _render_uncached("a red barn", None, None, "1K", realistic=True)[0]
    assert fresh == first


def test_realistic_edits_keep_their_operations_provenance_and_size(client: genai.Client, control: Control) -> None:
    control.config(payload="realistic")
    image = _generate(client, "a lighthouse", model="gemini-2.5-flash-image")
    sizes = []
    for prompt in ["make it warmer", "grayscale", "blur it", "add a border"]:
        image = _edit(client, image, prompt)
        sizes.append(len(image))
    chain = read_provenance(image)
    assert chain[1:] == ["warmer", "grayscale", "blur", "border"]
    # The grain of each input is taken out before the edit, so it never piles up: sizes stay real.
    assert all(REAL_SIZES["1K"][0] <= size <= REAL_SIZES["1K"][1] for size in sizes), sizes
    # Grain is the same on R, G and B: a grayscale output stays exactly grayscale.
    red, green, blue = open_image(image).convert("RGB").split()
    assert red.tobytes() == green.tobytes() == blue.tobytes()


def test_realistic_edits_still_show_the_operation(client: genai.Client, control: Control) -> None:
    control.config(payload="realistic")
    source = pattern_png((96, 64))
    flipped = open_image(_edit(client, source, "flip it")).convert("RGB")
    plain = open_image(_edit(client, source, "keep it as it is")).convert("RGB")
    assert flipped.size == plain.size == (1248, 832)
    # Left and right swap: the flipped left edge looks like the plain right edge (grain aside).
    def mean_of(image: Image.Image, box: tuple[int, int, int, int]) -> list[float]:
        return ImageStat.Stat(image.crop(box)).mean

    left, right = (0, 400, 200, 600), (1048, 400, 1248, 600)
    assert all(abs(a - b) < 6 for a, b in zip(mean_of(flipped, left), mean_of(plain, right), strict=True))
    assert abs(mean_of(plain, left)[2] - mean_of(plain, right)[2]) > 60  # red left, blue right


def test_grain_is_subtracted_exactly_before_an_edit() -> None:
    clean, chain = imaging.generate("a quiet lake", (256, 256))
    grained = imaging.encode_png(clean, chain, realistic=True)
    assert read_provenance(grained) == chain
    assert ImageChops.difference(open_image(grained).convert("RGB"), clean).getbbox() is not None
    restored = imaging.decode_image(grained)
    # Exact wherever the grain (at most +-35 levels) could not clip at 0 or 255.
    for before, after in zip(clean.get_flattened_data(), restored.get_flattened_data(), strict=True):
        if all(40 <= v <= 215 for v in before):
            assert before == after


def _config_of(url: str) -> dict[str, object]:
    reply: dict[str, object] = requests.get(f"{url}/_emulator/config", timeout=10).json()
    return reply


def test_cli_payload_env_and_reset(tmp_path: Path) -> None:
    by_env = EmulatorProcess(free_port(), env={PAYLOAD_ENV: "realistic"})
    by_flag = EmulatorProcess(free_port(), "--payload", "small", env={PAYLOAD_ENV: "realistic"})
    try:
        by_env.wait_listening()
        by_flag.wait_listening()
        env_url, flag_url = f"http://127.0.0.1:{by_env.port}", f"http://127.0.0.1:{by_flag.port}"
        assert _config_of(env_url)["payload"] == "realistic"
        assert _config_of(flag_url)["payload"] == "small"  # the flag wins over the environment
        control = Control(env_url)
        control.config(payload="small")
        control.reset()  # reset returns to the payload the process was started with
        assert _config_of(env_url)["payload"] == "realistic"
    finally:
        by_env.stop()
        by_flag.stop()
    bad = EmulatorProcess(free_port(), "--payload", "huge")
    assert bad.proc.wait(timeout=20) == 2  # argparse refuses it


def test_stack_passes_the_payload_to_the_emulator(tmp_path: Path) -> None:
    def gemini_argv(stack: Stack) -> list[str]:
        return next(s.argv for s in stack._plan() if s.name == "gemini")

    realistic = Stack(Ports.free(), tmp_path, use_real_gemini=False, gemini_payload="realistic")
    assert gemini_argv(realistic)[-2:] == ["--payload", "realistic"]
    default = Stack(Ports.free(), tmp_path, use_real_gemini=False)
    assert "--payload" not in gemini_argv(default)  # the emulator decides: GEMINI_EMULATOR_PAYLOAD, else small


def test_small_payload_outputs_keep_their_exact_pixels(client: genai.Client) -> None:
    """The small payload is unchanged: edits are exact, which the pixel tests rely on."""
    source = pattern_png((96, 64))
    inverted = open_image(_edit(client, source, "invert")).convert("RGB")
    plain = open_image(_edit(client, source, "restyle it")).convert("RGB")
    assert inverted.getpixel((5, 40)) == tuple(255 - v for v in plain.getpixel((5, 40)))  # type: ignore[union-attr]
    assert io.BytesIO(_edit(client, source, "invert")).getvalue() == _edit(client, source, "invert")
