"""Faults and refusals on the Interactions API: the same fault injection as generateContent (kinds
`interactions.create|get|delete|cancel`, `model`, `any`), answered with string codes; the SDK's
default retries; refusal markers."""

from __future__ import annotations

import time

import pytest
from google import genai
from google.genai import _interactions, errors

from devtools.gemini_emulator import read_provenance
from tests.emulator.helpers import interaction_png
from tests.support.clients import GeminiControl as Control

FLASH = "gemini-2.5-flash-image"


def _code(error: BaseException) -> str:
    body = getattr(error, "body", None)
    assert isinstance(body, dict), error
    code: str = body["error"]["code"]
    return code


@pytest.mark.parametrize(
    ("status", "exception", "code"),
    [
        (429, _interactions.RateLimitError, "rate_limit_exceeded"),
        (500, _interactions.InternalServerError, "api_error"),
        (503, _interactions.InternalServerError, "unavailable"),
        (504, _interactions.InternalServerError, "deadline_exceeded"),
        (403, _interactions.PermissionDeniedError, "permission_denied"),
        (409, _interactions.ConflictError, "aborted"),
    ],
)
def test_create_faults_raise_the_interactions_errors(
    iclient: genai.Client, control: Control, status: int, exception: type[Exception], code: str
) -> None:
    control.faults({"on": "interactions.create", "status": status})
    with pytest.raises(exception) as caught:
        iclient.interactions.create(model=FLASH, input="a barn")
    assert _code(caught.value) == code
    assert control.requests("interactions.create")[-1]["status"] == status
    assert iclient.interactions.create(model=FLASH, input="a barn").status == "completed"  # used up


def test_a_fault_may_name_its_code_and_message(iclient: genai.Client, control: Control) -> None:
    control.faults({"on": "interactions.create", "status": 429, "code": "quota_exceeded", "message": "daily quota"})
    with pytest.raises(_interactions.RateLimitError) as caught:
        iclient.interactions.create(model=FLASH, input="a barn")
    assert caught.value.body == {"error": {"code": "quota_exceeded", "message": "daily quota"}}


def test_the_sdk_retries_interactions_by_default(client: genai.Client, control: Control) -> None:
    """`client.interactions` retries 408/409/429/5xx five times unless told otherwise (the
    session's `client` has no retry options): one 503 costs a second create."""
    control.faults({"on": "interactions.create", "status": 503})
    interaction = client.interactions.create(model=FLASH, input="a barn")
    assert interaction.status == "completed"
    assert [e["status"] for e in control.requests("interactions.create")] == [503, 200]
    with pytest.raises(errors.APIError):  # generateContent does not retry by default: it raises
        control.faults({"on": "generateContent", "status": 503})
        client.models.generate_content(model=FLASH, contents="a barn")


@pytest.mark.parametrize("kind", ["interactions.get", "interactions.delete", "interactions.cancel"])
def test_faults_on_get_delete_and_cancel(iclient: genai.Client, control: Control, kind: str) -> None:
    created = iclient.interactions.create(model=FLASH, input="a barn")
    control.faults({"on": kind, "status": 400, "message": "nope"})
    call = {
        "interactions.get": iclient.interactions.get,
        "interactions.delete": iclient.interactions.delete,
        "interactions.cancel": iclient.interactions.cancel,
    }[kind]
    with pytest.raises(_interactions.BadRequestError) as caught:
        call(created.id or "")
    assert _code(caught.value) == "invalid_request" and "nope" in str(caught.value)


def test_model_and_any_faults_match_both_apis(iclient: genai.Client, client: genai.Client, control: Control) -> None:
    control.faults({"on": "model", "status": 400, "times": 2})
    with pytest.raises(_interactions.BadRequestError):
        iclient.interactions.create(model=FLASH, input="a barn")
    with pytest.raises(errors.ClientError):
        client.models.generate_content(model=FLASH, contents="a barn")
    control.faults({"on": "any", "status": 400})
    with pytest.raises(_interactions.BadRequestError):
        iclient.interactions.get("v1_anything")
    assert control.config()  # the control API itself is never faulted


def test_a_stream_fault_before_and_mid_stream(iclient: genai.Client, control: Control) -> None:
    control.faults({"on": "interactions.create", "status": 503})
    with pytest.raises(_interactions.InternalServerError):
        list(iclient.interactions.create(model=FLASH, input="a barn", stream=True))
    control.faults({"on": "interactions.create", "status": 503, "midStream": True})
    assert iclient.interactions.create(model=FLASH, input="a barn").status == "completed"  # waits for a stream
    events = list(iclient.interactions.create(model=FLASH, input="a barn", stream=True))
    assert [e.event_type for e in events] == ["interaction.created", "step.start", "step.delta", "error"]
    error = events[-1].error
    assert error.code == "unavailable" and error.message
    stored = iclient.interactions.get(events[0].interaction.id)
    assert stored.status == "failed" and [s.type for s in stored.steps or []] == ["user_input"]
    assert [e.code for e in stored.errors or []] == ["unavailable"]
    replayed = list(iclient.interactions.get(events[0].interaction.id, stream=True))
    assert [e.event_type for e in replayed] == [e.event_type for e in events]


def test_a_fault_fails_a_background_interaction(iclient: genai.Client, control: Control) -> None:
    control.faults({"on": "interactions.create", "status": 429})
    created = iclient.interactions.create(model=FLASH, input="a barn", background=True)
    assert created.status == "in_progress"  # the fault belongs to the run, not to the create call
    deadline = time.monotonic() + 10
    while (fetched := iclient.interactions.get(created.id or "")).status == "in_progress":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert fetched.status == "failed"
    assert [(e.code, bool(e.message)) for e in fetched.errors or []] == [("rate_limit_exceeded", True)]


def test_latency_delays_a_create(iclient: genai.Client, control: Control) -> None:
    control.config(latencyMs=300)
    started = time.monotonic()
    iclient.interactions.create(model=FLASH, input="a barn")
    assert time.monotonic() - started >= 0.3


# -- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marker", "code"),
    [("[[blocked]]", "prohibited_content"), ("[[image-safety]]", "image_safety"), ("[[no-image]]", "no_image")],
)
def test_refusals_are_failed_interactions_with_a_code(iclient: genai.Client, marker: str, code: str) -> None:
    interaction = iclient.interactions.create(model=FLASH, input=f"a barn {marker}")
    assert interaction.status == "failed"
    assert not interaction.steps and interaction.output_image is None
    assert [e.code for e in interaction.errors or []] == [code]
    assert interaction.usage is not None and interaction.usage.total_output_tokens == 0
    events = list(iclient.interactions.create(model=FLASH, input=f"a barn {marker}", stream=True))
    assert [e.event_type for e in events] == ["interaction.created", "interaction.completed"]
    assert events[-1].interaction.status == "failed"


def test_markers_in_the_stored_chain_do_not_re_trigger(iclient: genai.Client) -> None:
    refused = iclient.interactions.create(model=FLASH, input="a barn [[image-safety]]")
    with pytest.raises(_interactions.BadRequestError):  # a failed interaction cannot be continued
        iclient.interactions.create(model=FLASH, input="again", previous_interaction_id=refused.id)
    first = iclient.interactions.create(model=FLASH, input="a barn")
    child = iclient.interactions.create(
        model=FLASH, input="now [[no-image]]", previous_interaction_id=first.id
    )
    grandchild_parent = iclient.interactions.create(model=FLASH, input="invert", previous_interaction_id=first.id)
    grandchild = iclient.interactions.create(model=FLASH, input="blur", previous_interaction_id=grandchild_parent.id)
    assert child.status == "failed" and read_provenance(interaction_png(grandchild))[1:] == ["invert", "blur"]
