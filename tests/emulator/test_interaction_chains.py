"""Interactions in a row: stored chains by `previous_interaction_id` (branches, expiry, retention),
stateless replays of steps with their thought signatures checked, and provenance that follows
both — and generateContent — the same way."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from google import genai
from google.genai import _interactions, types

from devtools.gemini_emulator import read_provenance
from devtools.gemini_emulator.imaging import sha12
from tests.emulator.helpers import interaction_png, output_png, png_bytes, step_dicts, user_input
from tests.support.clients import GeminiControl as Control

PRO = "gemini-3-pro-image-preview"
FLASH = "gemini-2.5-flash-image"


def _chain(interaction: Any) -> list[str]:
    return read_provenance(interaction_png(interaction))


def test_a_five_turn_stored_chain_extends_the_provenance_each_turn(iclient: genai.Client, control: Control) -> None:
    turn = iclient.interactions.create(model=PRO, input="a lighthouse at dusk")
    expected = ["generate:" + sha12(b"a lighthouse at dusk")]
    cached = [0]
    turns = [("make it warmer", "warmer"), ("now blur it", "blur"), ("invert", "invert"), ("add a frame", "border")]
    for prompt, op in turns:
        turn = iclient.interactions.create(model=PRO, input=prompt, previous_interaction_id=turn.id)
        expected.append(op)
        assert _chain(turn) == expected
        assert turn.usage is not None
        cached.append(turn.usage.total_cached_tokens or 0)
    assert cached == sorted(cached) and cached[1] > 0  # the stored chain is the cached part of the input
    stored = {i["id"]: i for i in control.interactions()}
    assert stored[turn.id or ""]["historySteps"] == 4 * 3  # user_input, thought, model_output per earlier turn


def test_several_children_may_continue_one_parent(iclient: genai.Client) -> None:
    parent = iclient.interactions.create(model=FLASH, input="a red barn")
    gray = iclient.interactions.create(model=FLASH, input="grayscale", previous_interaction_id=parent.id)
    flipped = iclient.interactions.create(model=FLASH, input="flip it", previous_interaction_id=parent.id)
    root = "generate:" + sha12(b"a red barn")
    assert _chain(gray) == [root, "grayscale"]
    assert _chain(flipped) == [root, "flip-horizontal"]
    deeper = iclient.interactions.create(model=FLASH, input="invert", previous_interaction_id=gray.id)
    assert _chain(deeper) == [root, "grayscale", "invert"]


def test_the_newest_image_of_the_new_input_wins_over_the_chain(iclient: genai.Client) -> None:
    parent = iclient.interactions.create(model=FLASH, input="a red barn")
    upload = png_bytes((30, 30), (10, 200, 10))
    child = iclient.interactions.create(
        model=FLASH, input=[user_input("invert", upload)], previous_interaction_id=parent.id
    )
    assert _chain(child) == [f"input:{sha12(upload)}", "invert"]


def test_a_stored_chain_and_its_stateless_replay_give_the_same_bytes(iclient: genai.Client) -> None:
    first = iclient.interactions.create(model=PRO, input="a quiet harbour")
    stored = iclient.interactions.create(model=PRO, input="make it cooler", previous_interaction_id=first.id)
    history = [user_input("a quiet harbour"), *step_dicts(first)]
    replayed = iclient.interactions.create(model=PRO, input=[*history, user_input("make it cooler")], store=False)
    assert interaction_png(replayed) == interaction_png(stored)
    assert replayed.usage and replayed.usage.total_cached_tokens == 0  # nothing kept server-side


def test_a_stored_interactions_get_steps_replay_it(iclient: genai.Client) -> None:
    first = iclient.interactions.create(model=PRO, input="a quiet harbour")
    fetched = iclient.interactions.get(first.id or "")  # user_input, thought, model_output
    replay = [*step_dicts(fetched), user_input("grayscale")]
    replayed = iclient.interactions.create(model=PRO, input=replay, store=False)
    assert _chain(replayed) == ["generate:" + sha12(b"a quiet harbour"), "grayscale"]


def test_another_model_or_an_unfinished_parent_cannot_be_continued(iclient: genai.Client, control: Control) -> None:
    parent = iclient.interactions.create(model=FLASH, input="a red barn")
    with pytest.raises(_interactions.BadRequestError) as caught:
        iclient.interactions.create(model=PRO, input="invert", previous_interaction_id=parent.id)
    assert "cannot be continued with gemini-3-pro-image-preview" in str(caught.value)
    control.config(latencyMs=3000)  # the background run keeps the latency it started with (reset cancels it)
    running = iclient.interactions.create(model=FLASH, input="a barn", background=True)
    control.config(latencyMs=0)
    with pytest.raises(_interactions.BadRequestError) as caught:
        iclient.interactions.create(model=FLASH, input="invert", previous_interaction_id=running.id)
    assert "is in_progress" in str(caught.value)


# -- thought signatures on replay --------------------------------------------------------------


def _replay_with(first: Any, edit: Any) -> list[dict[str, Any]]:
    steps = step_dicts(first)
    return [user_input("a castle"), *edit(steps), user_input("grayscale")]


def test_a_replay_without_the_thought_step_is_400_with_its_position(iclient: genai.Client) -> None:
    first = iclient.interactions.create(model=PRO, input="a castle")
    with pytest.raises(_interactions.BadRequestError) as caught:
        iclient.interactions.create(
            model=PRO, input=_replay_with(first, lambda s: [x for x in s if x["type"] != "thought"]), store=False
        )
    assert "missing a thought signature" in str(caught.value)
    assert "step position 2, content position 2" in str(caught.value)
    assert isinstance(caught.value.body, dict) and caught.value.body["error"]["code"] == "invalid_request"


def test_a_signature_issued_for_another_image_is_corrupted(iclient: genai.Client) -> None:
    first = iclient.interactions.create(model=PRO, input="a castle")
    other = iclient.interactions.create(model=PRO, input="a windmill")
    foreign = step_dicts(other)[0]["signature"]

    def swap(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**s, "signature": foreign} if s["type"] == "thought" else s for s in steps]

    with pytest.raises(_interactions.BadRequestError) as caught:
        iclient.interactions.create(model=PRO, input=_replay_with(first, swap), store=False)
    assert "Corrupted thought signature." in str(caught.value)


def test_the_documented_dummy_signature_is_accepted(iclient: genai.Client) -> None:
    first = iclient.interactions.create(model=PRO, input="a castle")
    dummy = base64.b64encode(b"skip_thought_signature_validator").decode()

    def dummied(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**s, "signature": dummy} if s["type"] == "thought" else s for s in steps]

    replayed = iclient.interactions.create(model=PRO, input=_replay_with(first, dummied), store=False)
    assert _chain(replayed)[-1] == "grayscale"


def test_user_images_and_2_5_flash_need_no_thought_step(iclient: genai.Client) -> None:
    flash = iclient.interactions.create(model=FLASH, input="a castle")
    assert [s["type"] for s in step_dicts(flash)] == ["model_output"]
    again = iclient.interactions.create(
        model=FLASH, input=[user_input("a castle"), *step_dicts(flash), user_input("invert")], store=False
    )
    assert _chain(again)[-1] == "invert"
    with_upload = iclient.interactions.create(model=PRO, input=[user_input("invert", png_bytes())], store=False)
    assert _chain(with_upload)[-1] == "invert"


# -- provenance across both APIs ---------------------------------------------------------------


def test_provenance_follows_images_between_the_two_apis(client: genai.Client, iclient: genai.Client) -> None:
    by_generate_content = output_png(client.models.generate_content(model=FLASH, contents="a mill"))
    edited = iclient.interactions.create(model=FLASH, input=[user_input("sepia", by_generate_content)])
    assert _chain(edited) == ["generate:" + sha12(b"a mill"), "sepia"]
    back = client.models.generate_content(
        model=FLASH,
        contents=[types.Part.from_bytes(data=interaction_png(edited), mime_type="image/png"), "rotate it"],
    )
    assert read_provenance(output_png(back)) == ["generate:" + sha12(b"a mill"), "sepia", "rotate-90"]


def test_the_same_turns_give_the_same_bytes_on_both_apis(client: genai.Client, iclient: genai.Client) -> None:
    gc = output_png(client.models.generate_content(model=FLASH, contents="a mill"))
    assert interaction_png(iclient.interactions.create(model=FLASH, input="a mill")) == gc


# -- retention and expiry ----------------------------------------------------------------------


def test_an_expired_interaction_is_404_for_get_and_continuation(iclient: genai.Client, control: Control) -> None:
    parent = iclient.interactions.create(model=FLASH, input="a red barn")
    kept = iclient.interactions.create(model=FLASH, input="a blue barn")
    assert control.expire_interactions(parent.id) == 1
    assert control.expire_interactions(parent.id) == 0
    with pytest.raises(_interactions.NotFoundError) as caught:
        iclient.interactions.create(model=FLASH, input="invert", previous_interaction_id=parent.id)
    assert isinstance(caught.value.body, dict) and caught.value.body["error"]["code"] == "not_found"
    with pytest.raises(_interactions.NotFoundError):
        iclient.interactions.get(parent.id or "")
    assert iclient.interactions.get(kept.id or "").status == "completed"
    assert control.expire_interactions() == 1
    assert control.interactions() == []


def test_a_child_outlives_its_expired_parent(iclient: genai.Client, control: Control) -> None:
    parent = iclient.interactions.create(model=FLASH, input="a red barn")
    child = iclient.interactions.create(model=FLASH, input="invert", previous_interaction_id=parent.id)
    control.expire_interactions(parent.id)
    grandchild = iclient.interactions.create(model=FLASH, input="blur", previous_interaction_id=child.id)
    assert _chain(grandchild)[1:] == ["invert", "blur"]


def test_retention_follows_interaction_ttl_seconds(iclient: genai.Client, control: Control) -> None:
    control.config(interactionTtlSeconds=2)
    short = iclient.interactions.create(model=FLASH, input="a red barn")
    stored = control.interactions()[0]
    assert stored["id"] == short.id
    time.sleep(2.05)
    with pytest.raises(_interactions.NotFoundError):
        iclient.interactions.get(short.id or "")
    control.reset()  # back to the default retention: 55 days
    assert control.config()["interactionTtlSeconds"] == 55 * 24 * 3600
