"""Interactions as server-sent events (create with `stream`, get with `stream=true`), background
interactions and cancel."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
import requests
from google import genai
from google.genai import _interactions
from google.genai import interactions as itypes

from devtools.gemini_emulator import read_provenance
from devtools.gemini_emulator.imaging import sha12
from tests.emulator.helpers import interaction_png
from tests.support.clients import GeminiControl as Control

PRO = "gemini-3-pro-image-preview"
FLASH = "gemini-2.5-flash-image"
THOUGHTS = {"thinking_summaries": "auto"}


def _shape(events: list[Any]) -> list[str]:
    out = []
    for event in events:
        delta = getattr(event, "delta", None)
        out.append(event.event_type + (f":{delta.type}" if delta is not None else ""))
    return out


def test_a_streamed_create_sends_steps_as_deltas(iclient: genai.Client) -> None:
    events = list(iclient.interactions.create(model=PRO, input="a castle", stream=True, generation_config=THOUGHTS))
    assert _shape(events) == [
        "interaction.created",
        "step.start",
        "step.delta:thought_summary",
        "step.delta:thought_summary",
        "step.delta:thought_signature",
        "step.stop",
        "step.start",
        "step.delta:text",
        "step.delta:image",
        "step.stop",
        "interaction.completed",
    ]
    created, completed = events[0], events[-1]
    assert created.interaction.status == "in_progress" and created.interaction.id == completed.interaction.id
    assert completed.interaction.status == "completed" and completed.interaction.usage is not None
    assert [int(e.event_id) for e in events] == list(range(1, len(events) + 1))
    image = next(e.delta for e in events if getattr(e, "delta", None) is not None and e.delta.type == "image")
    assert read_provenance(base64.b64decode(image.data)) == ["generate:" + sha12(b"a castle")]
    preview = events[3].delta.content
    assert preview.type == "image" and read_provenance(base64.b64decode(preview.data))[-1] == "preview"


def test_the_streamed_steps_are_the_stored_ones(iclient: genai.Client) -> None:
    events = list(iclient.interactions.create(model=PRO, input="a castle", stream=True))
    interaction_id = events[0].interaction.id
    stored = iclient.interactions.get(interaction_id)
    thought, output = (stored.steps or [])[1:]
    signature = next(e.delta.signature for e in events if _shape([e]) == ["step.delta:thought_signature"])
    assert isinstance(thought, itypes.ThoughtStep) and thought.signature == signature
    texts = [e.delta.text for e in events if _shape([e]) == ["step.delta:text"]]
    assert isinstance(output, itypes.ModelOutputStep)
    assert [getattr(c, "text", None) for c in output.content or []][:1] == texts


def test_the_wire_format_of_a_stream(emulator_url: str) -> None:
    response = requests.post(
        f"{emulator_url}/v1beta/interactions",
        json={"model": FLASH, "input": "a dog", "stream": True},
        headers={"Accept": "text/event-stream"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    blocks = [b for b in response.text.split("\n\n") if b]
    assert blocks[-1] == "data: [DONE]"
    first = blocks[0].split("\n")
    assert first[0] == "event: interaction.created" and first[1] == "id: 1" and first[2].startswith("data: {")
    assert json.loads(first[2].removeprefix("data: "))["event_type"] == "interaction.created"


def _seconds(iclient: genai.Client) -> float:
    started = time.monotonic()
    list(iclient.interactions.create(model=PRO, input="a castle", stream=True, generation_config=THOUGHTS))
    return time.monotonic() - started


def test_stream_delay_separates_the_deltas(iclient: genai.Client, control: Control) -> None:
    _seconds(iclient)  # rendered once: what follows measures the pacing
    control.config(streamDelayMs=150)
    assert _seconds(iclient) >= 4 * 0.15  # five deltas, four gaps


def test_get_streams_a_stored_interaction_and_resumes_after_an_event(iclient: genai.Client) -> None:
    created = iclient.interactions.create(model=FLASH, input="a castle")
    replayed = list(iclient.interactions.get(created.id or "", stream=True))
    assert _shape(replayed) == [
        "interaction.created", "step.start", "step.delta:text", "step.delta:image", "step.stop", "interaction.completed"
    ]
    resumed = list(iclient.interactions.get(created.id or "", stream=True, last_event_id="3"))
    assert [e.event_id for e in resumed] == ["4", "5", "6"]


def test_a_streamed_store_false_interaction_is_not_kept(iclient: genai.Client, control: Control) -> None:
    events = list(iclient.interactions.create(model=FLASH, input="a dog", stream=True, store=False))
    assert events[-1].interaction.status == "completed"
    assert control.interactions() == []


# -- background and cancel ---------------------------------------------------------------------


def _wait_for(iclient: genai.Client, interaction_id: str, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        interaction = iclient.interactions.get(interaction_id)
        if interaction.status != "in_progress":
            return interaction
        time.sleep(0.05)
    pytest.fail(f"{interaction_id} still in progress after {timeout} s")


def test_background_answers_at_once_and_get_shows_the_result(iclient: genai.Client, control: Control) -> None:
    control.config(latencyMs=1000)
    started = time.monotonic()
    created = iclient.interactions.create(model=FLASH, input="a lighthouse", background=True)
    assert time.monotonic() - started < 0.9  # not the 1 s the run takes
    assert created.status == "in_progress" and not created.steps
    assert iclient.interactions.get(created.id or "").status == "in_progress"
    done = _wait_for(iclient, created.id or "")
    assert done.status == "completed"
    assert read_provenance(interaction_png(done)) == ["generate:" + sha12(b"a lighthouse")]


def test_a_streamed_get_waits_for_a_background_interaction(iclient: genai.Client, control: Control) -> None:
    control.config(latencyMs=300)
    created = iclient.interactions.create(model=FLASH, input="a lighthouse", background=True)
    events = list(iclient.interactions.get(created.id or "", stream=True))
    assert events[-1].interaction.status == "completed"


def test_cancel_stops_a_background_interaction(iclient: genai.Client, control: Control) -> None:
    control.config(latencyMs=1200)
    created = iclient.interactions.create(model=FLASH, input="a lighthouse", background=True)
    cancelled = iclient.interactions.cancel(created.id or "")
    assert cancelled.status == "cancelled"
    time.sleep(1.3)  # the run would have finished by now: it records nothing
    after = iclient.interactions.get(created.id or "")
    assert after.status == "cancelled" and not any(s.type == "model_output" for s in after.steps or [])
    entry = control.requests("interactions.cancel")[-1]
    assert entry["interactionId"] == created.id and entry["status"] == 200


def test_cancel_of_a_finished_or_unknown_interaction_is_an_error(iclient: genai.Client) -> None:
    finished = iclient.interactions.create(model=FLASH, input="a lighthouse")
    with pytest.raises(_interactions.BadRequestError) as caught:
        iclient.interactions.cancel(finished.id or "")
    assert "only a background interaction in progress can be cancelled" in str(caught.value)
    with pytest.raises(_interactions.NotFoundError):
        iclient.interactions.cancel("v1_unknown")


def test_deleting_a_running_background_interaction_stops_it(iclient: genai.Client, control: Control) -> None:
    control.config(latencyMs=300)
    created = iclient.interactions.create(model=FLASH, input="a lighthouse", background=True)
    iclient.interactions.delete(created.id or "")
    time.sleep(0.4)
    assert control.interactions() == []
