"""What the history policy saves: prompt tokens per turn on a long branch (`make bench`).

"before" replays the newest 20 exchanges (the window before the tree: `historyTurns` 20, which
also keeps the first exchange); "after" is the deployment default (IMAGECHAT_HISTORY_WINDOW = 2:
the first exchange, the last two, and a text note of the rest). Both sessions get the same 60
messages; the figures are the model's own prompt token counts (the emulator counts like the API:
text tokens plus 258 per input image tile).
"""

from __future__ import annotations

from typing import Any

from tests.integration.helpers import new_session, send
from tests.support.clients import ApiClient

TURNS = 60
MEASURED = (2, 10, 30, 60)
EDITS = ["make it warmer", "add a border", "blur it", "make it brighter", "sharpen it", "make it cooler"]


def _prompt_tokens(user: ApiClient, session_id: str) -> dict[int, int]:
    tokens = {}
    for turn in range(1, TURNS + 1):
        text = "Draw a lighthouse at dusk" if turn == 1 else f"step {turn}: {EDITS[turn % len(EDITS)]}"
        answer = send(user, session_id, text)
        assert answer["status"] == "complete", answer
        if turn in MEASURED:
            tokens[turn] = answer["usage"]["promptTokens"]
    return tokens


def test_prompt_tokens_before_and_after_the_history_policy(benchmark: Any, user: ApiClient) -> None:
    before = _prompt_tokens(user, new_session(user, title="before", historyTurns=20))
    after_session = new_session(user, title="after")
    after: dict[int, int] = {}

    def run() -> None:
        after.update(_prompt_tokens(user, after_session))

    benchmark.pedantic(run, rounds=1, iterations=1)
    for turn in MEASURED:
        benchmark.extra_info[f"prompt_tokens_turn_{turn}_before"] = before[turn]
        benchmark.extra_info[f"prompt_tokens_turn_{turn}_after"] = after[turn]
    print("\nprompt tokens per turn (before → after): " + ", ".join(
        f"turn {t}: {before[t]} → {after[t]} ({before[t] / after[t]:.1f}×)" for t in MEASURED))
    # The policy's targets: flat from turn K+3 on (only the note of earlier instructions still
    # grows, by a few tokens per turn, up to its cap), and turn 60 within 4× turn 2.
    assert after[60] <= 1.15 * after[30], after
    assert after[60] <= 4 * after[2], after
