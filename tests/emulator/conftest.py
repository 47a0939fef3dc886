"""Fixtures for the Gemini emulator's own tests: one emulator process per session, reset per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google import genai
from google.genai import types

from devtools.stack import free_port
from tests.emulator.helpers import LISTENING_PREFIX, EmulatorProcess
from tests.support.clients import GeminiControl as Control


@pytest.fixture(scope="session")
def emulator_url() -> Iterator[str]:
    process = EmulatorProcess(free_port())
    line = process.wait_listening()
    url = line.removeprefix(LISTENING_PREFIX).strip()
    assert url == f"http://127.0.0.1:{process.port}"
    try:
        yield url
    finally:
        process.stop()


@pytest.fixture(scope="session")
def _session_control(emulator_url: str) -> Control:
    return Control(emulator_url)


@pytest.fixture(autouse=True)
def _reset_emulator(_session_control: Control) -> None:
    _session_control.reset()


@pytest.fixture
def control(_session_control: Control) -> Control:
    return _session_control


@pytest.fixture(scope="session")
def client(emulator_url: str) -> genai.Client:
    """The real SDK pointed at the emulator (kept for the session: a dropped client is closed)."""
    return genai.Client(api_key="test-key", http_options=types.HttpOptions(base_url=emulator_url))


@pytest.fixture(scope="session")
def iclient(emulator_url: str) -> genai.Client:
    """The real SDK for the Interactions API, without its default retries (5 attempts on 408, 409,
    429 and 5xx) so that an injected fault is seen once."""
    options = types.HttpOptions(base_url=emulator_url, retry_options=types.HttpRetryOptions(attempts=1))
    return genai.Client(api_key="test-key", http_options=options)
