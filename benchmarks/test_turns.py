"""Send-message speed and model cost on the full local stack (`make bench`).

The Gemini emulator answers at once (latencyMs 0), so these figures are the backend's own
overhead: Firestore, Storage, the Files API cache and history rebuilding. Cost figures (uploads
and bytes sent to the model per turn) go into each benchmark's extra_info.
"""

from __future__ import annotations

from typing import Any

from tests.integration.helpers import new_session, send, uploads_in
from tests.support.clients import ApiClient, GeminiControl

PROMPTS = ["a lighthouse at dusk", "make it warmer", "add a border", "blur it", "make it brighter",
           "rotate it", "sharpen it", "make it cooler", "invert it", "make it darker"]


def _send(user: ApiClient, session_id: str, text: str) -> dict[str, Any]:
    turn = send(user, session_id, text)
    assert turn["images"], turn  # a benchmark of turns that made no image would measure nothing
    return turn


def _last_seq(gemini: GeminiControl) -> int:
    return max((r["seq"] for r in gemini.requests()), default=0)


def _model_traffic(gemini: GeminiControl, after_seq: int) -> tuple[int, int]:
    """(Files API uploads, inline bytes) in the emulator's request log after entry `after_seq`."""
    log = [r for r in gemini.requests() if r["seq"] > after_seq]
    uploads = len(uploads_in(log))
    inline = sum(
        part.get("bytes") or 0
        for r in log
        for content in r.get("contents") or []
        for part in content.get("parts") or []
        if part.get("kind") == "inlineData"
    )
    return uploads, inline


def test_first_turn_text_to_image(benchmark: Any, user: ApiClient) -> None:
    def setup() -> tuple[tuple[str], dict[str, Any]]:
        return (new_session(user, title="bench"),), {}

    benchmark.pedantic(lambda sid: _send(user, sid, PROMPTS[0]), setup=setup, rounds=8)


def test_tenth_turn_with_nine_earlier_turns(benchmark: Any, user: ApiClient, gemini: GeminiControl) -> None:
    last_seq = 0
    rounds = iter(range(1000))

    def setup() -> tuple[tuple[str], dict[str, Any]]:
        nonlocal last_seq
        session_id = new_session(user, title="bench")
        # A different first prompt each round: new image bytes, so the Files API cache (shared
        # by every session) cannot serve this round from an earlier one.
        _send(user, session_id, f"{PROMPTS[0]}, take {next(rounds)}")
        for text in PROMPTS[1:9]:
            _send(user, session_id, text)
        last_seq = _last_seq(gemini)  # count only the measured turn's traffic
        return (session_id,), {}

    benchmark.pedantic(lambda sid: _send(user, sid, PROMPTS[9]), setup=setup, rounds=4)
    uploads, inline = _model_traffic(gemini, last_seq)
    benchmark.extra_info["files_api_uploads_in_turn_10"] = uploads
    benchmark.extra_info["inline_bytes_in_turn_10"] = inline
