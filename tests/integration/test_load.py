"""Load (issue 14): a burst of sends to one session, and many sessions chatting at once.

test_contention.py already proves that 60 sends released together on a busy CPU are one turn and
59 busy answers; here the burst is 20 sends with 20 request ids, and what is checked is what the
burst leaves behind: exactly the winner's exchange stored, and the refused request ids not
poisoned (a refused send retried later runs normally). Then 50 sessions of 5 turns each run in
parallel: every turn completes and every session keeps its own order (indexes, parent links,
and the provenance chain of its images: each turn edited the image of the turn before it).

The figures (wall time, counts) are printed for the README's "Reliability and security" section
(`-s` shows them); no wall-clock bound is asserted.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from typing import Any

from tests.integration.helpers import model_calls, new_session, provenance_of, send
from tests.integration.test_contention import BUSY, _all_at_once
from tests.support.clients import ApiClient, GeminiControl

BURST = 20


def test_a_burst_of_sends_to_one_session_stores_one_exchange(user: ApiClient, gemini: GeminiControl) -> None:
    session_id = new_session(user)
    gemini.config(latencyMs=1000)  # the winner holds the session while the others arrive
    path = f"/api/chat/sessions/{session_id}/message"
    started = time.monotonic()
    responses = _all_at_once(
        BURST, lambda i: user.rest("POST", path, json={"text": f"Draw fox {i}", "requestId": f"burst-{i}"})
    )
    wall_s = time.monotonic() - started

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: BURST - 1}, statuses
    assert all(r.json()["error"] == BUSY for r in responses if r.status_code == 409)
    assert len(model_calls(gemini.requests())) == 1
    winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
    answer = responses[winner].json()["turn"]

    turns = user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"]
    assert [(t["index"], t["role"], t["status"]) for t in turns] == [(0, "user", "complete"), (1, "model", "complete")]
    assert turns[0]["text"] == f"Draw fox {winner}" and turns[1] == answer
    print(f"\nburst: {BURST} sends in {wall_s:.2f} s -> {statuses[200]} turn, {statuses[409]} busy (409), "
          f"{len(model_calls(gemini.requests()))} model call")

    # A refused request id was not used up: sent again, it runs as a new message.
    gemini.config(latencyMs=0)
    loser = (winner + 1) % BURST
    again = send(user, session_id, f"Draw fox {loser}", requestId=f"burst-{loser}")
    assert again["status"] == "complete" and again["index"] == 3
    turns = user.rest("GET", f"/api/chat/sessions/{session_id}").json()["turns"]
    assert [t["parentId"] for t in turns] == [None, turns[0]["id"], turns[1]["id"], turns[2]["id"]]
    assert len(model_calls(gemini.requests())) == 2


SESSIONS = 50
TURNS_PER_SESSION = 5
EDITS = ["make it warmer", "now grayscale", "add a blur", "flip it"]


def _chat(client: ApiClient, number: int) -> tuple[str, list[dict[str, Any]], list[float]]:
    """One user's conversation: a session, then its turns one after the other (as a client does)."""
    session_id = new_session(client, title=f"load {number}")
    answers, seconds = [], []
    for prompt in [f"Draw lighthouse {number}", *EDITS][:TURNS_PER_SESSION]:
        started = time.monotonic()
        answers.append(send(client, session_id, prompt))
        seconds.append(time.monotonic() - started)
    return session_id, answers, seconds


def test_many_sessions_in_parallel_keep_their_own_order(
    make_user: Callable[..., ApiClient], gemini: GeminiControl
) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:  # one user per session, as many people chatting
        users = list(pool.map(lambda _: make_user(), range(SESSIONS)))
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
        chats = list(pool.map(lambda n: _chat(users[n], n), range(SESSIONS)))
    wall_s = time.monotonic() - started

    turn_seconds = sorted(s for _, _, seconds in chats for s in seconds)
    assert len(turn_seconds) == SESSIONS * TURNS_PER_SESSION
    assert len(model_calls(gemini.requests())) == SESSIONS * TURNS_PER_SESSION

    def check(number: int) -> None:
        session_id, answers, _ = chats[number]
        user = users[number]
        assert all(a["status"] == "complete" and len(a["images"]) == 1 for a in answers)
        body = user.rest("GET", f"/api/chat/sessions/{session_id}").json()
        turns = body["turns"]
        assert [t["index"] for t in turns] == list(range(2 * TURNS_PER_SESSION))
        assert [t["role"] for t in turns] == ["user", "model"] * TURNS_PER_SESSION
        assert all(t["status"] == "complete" for t in turns)
        assert [t["parentId"] for t in turns] == [None, *(t["id"] for t in turns[:-1])]
        assert [t["id"] for t in turns[1::2]] == [a["id"] for a in answers]
        assert body["session"]["headTurnId"] == answers[-1]["id"]
        # Each image is an edit of the one before it, from this session's own first image.
        chains = [provenance_of(a["images"][0]) for a in answers]
        prompt_hash = hashlib.sha256(f"Draw lighthouse {number}".encode()).hexdigest()[:12]
        assert chains[0] == [f"generate:{prompt_hash}"], chains[0]
        for earlier, later in pairwise(chains):
            assert len(later) > len(earlier) and later[: len(earlier)] == earlier, (earlier, later)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(check, range(SESSIONS)))

    def percentile(p: float) -> float:
        return turn_seconds[min(len(turn_seconds) - 1, int(p * len(turn_seconds)))]

    print(f"\nparallel sessions: {SESSIONS} sessions x {TURNS_PER_SESSION} turns = {len(turn_seconds)} turns "
          f"in {wall_s:.1f} s ({len(turn_seconds) / wall_s:.1f} turns/s); per turn p50 {percentile(0.5):.2f} s, "
          f"p95 {percentile(0.95):.2f} s, max {turn_seconds[-1]:.2f} s; all complete, order intact")
