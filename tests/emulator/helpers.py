"""Helpers shared by the emulator tests."""

from __future__ import annotations

import base64
import io
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from google.genai import types
from PIL import Image

from devtools.gemini_emulator.control import PAYLOAD_ENV

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 20
LISTENING_PREFIX = "gemini emulator listening on "


class EmulatorProcess:
    """A `python -m devtools.gemini_emulator` child process, started and waited for."""

    def __init__(self, port: int, *args: str, env: dict[str, str] | None = None) -> None:
        """`args`: more command-line options; `env`: variables on top of os.environ, from which
        GEMINI_EMULATOR_PAYLOAD is dropped (these tests choose the payload themselves)."""
        self.port = port
        env = {k: v for k, v in os.environ.items() if k != PAYLOAD_ENV} | {"PYTHONUNBUFFERED": "1"} | (env or {})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "devtools.gemini_emulator", "--host", "127.0.0.1", "--port", str(port), *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_listening(self, timeout: float = START_TIMEOUT_S) -> str:
        """The first output line, which must be the listening line; fails (never skips) otherwise."""
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            self.stop()
            pytest.fail(f"the Gemini emulator printed nothing within {timeout} s")
        if not line.startswith(LISTENING_PREFIX):
            self.stop()
            rest = []
            while not self.lines.empty():
                rest.append(self.lines.get())
            pytest.fail(f"unexpected emulator output: {line!r} {rest!r}")
        return line

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode


def png_bytes(size: tuple[int, int] = (64, 64), colour: tuple[int, int, int] = (120, 120, 120)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def pattern_png(size: tuple[int, int] = (96, 64)) -> bytes:
    """A picture whose halves and quarters differ, to tell flips and rotations apart."""
    image = Image.new("RGB", size, (200, 60, 40))
    w, h = size
    image.paste((40, 160, 220), (w // 2, 0, w, h))  # right half blue-ish
    image.paste((30, 200, 60), (0, 0, w // 4, h // 4))  # green top-left corner
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def image_parts(response: types.GenerateContentResponse) -> list[types.Part]:
    assert response.candidates, response
    content = response.candidates[0].content
    assert content is not None and content.parts, response
    return [p for p in content.parts if p.inline_data is not None]


def output_png(response: types.GenerateContentResponse) -> bytes:
    parts = image_parts(response)
    assert len(parts) == 1, parts
    data = parts[0].inline_data.data if parts[0].inline_data else None
    assert data is not None
    return data


def open_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def image_config(**kwargs: Any) -> types.GenerateContentConfig:
    return types.GenerateContentConfig(image_config=types.ImageConfig(**kwargs))


# -- the Interactions API -----------------------------------------------------------------------


def interaction_png(interaction: Any) -> bytes:
    """The output image of an Interaction (the SDK's `output_image`: the last model output's)."""
    image = interaction.output_image
    assert image is not None and image.data, interaction
    return base64.b64decode(image.data)


def image_block(data: bytes, mime_type: str = "image/png") -> dict[str, str]:
    return {"type": "image", "data": base64.b64encode(data).decode("ascii"), "mime_type": mime_type}


def user_input(text: str, *images: bytes) -> dict[str, Any]:
    """A user_input step: the text, then the images."""
    return {"type": "user_input", "content": [{"type": "text", "text": text}, *(image_block(i) for i in images)]}


def step_dicts(interaction: Any) -> list[dict[str, Any]]:
    """An Interaction's steps as JSON dicts (what a caller stores to replay them)."""
    return [step.model_dump(mode="json", exclude_none=True) for step in interaction.steps or []]
