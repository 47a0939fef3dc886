"""The Interactions API through the SDK's `client.interactions`: create, get, delete, cancel, the
forms of `input`, options, the wire shapes and every error case."""

from __future__ import annotations

import base64
import io
import re

import pytest
import requests
from google import genai
from google.genai import _interactions, errors, types
from google.genai import interactions as itypes

from devtools.gemini_emulator import read_provenance
from devtools.gemini_emulator.imaging import sha12
from devtools.gemini_emulator.models import text_tokens
from tests.emulator.helpers import (
    image_block,
    interaction_png,
    open_image,
    pattern_png,
    png_bytes,
    user_input,
)
from tests.support.clients import GeminiControl as Control

PRO = "gemini-3-pro-image-preview"
FLASH = "gemini-2.5-flash-image"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _post(url: str, body: object, version: str = "v1") -> requests.Response:
    return requests.post(f"{url}/{version}/interactions", json=body, timeout=30)


# -- create ------------------------------------------------------------------------------------


def test_create_answers_the_model_steps_and_usage(iclient: genai.Client) -> None:
    interaction = iclient.interactions.create(model=PRO, input="a lighthouse at dusk")
    assert interaction.id and interaction.id.startswith("v1_")
    assert interaction.status == "completed"
    assert interaction.model == PRO
    assert interaction.created and TIMESTAMP.match(interaction.created)
    steps = interaction.steps or []
    assert [s.type for s in steps] == ["thought", "model_output"]  # create answers no user_input step
    thought, output = steps
    assert isinstance(thought, itypes.ThoughtStep) and isinstance(output, itypes.ModelOutputStep)
    assert thought.signature and not thought.summary
    text = "Generated a new image (generate:" + sha12(b"a lighthouse at dusk") + ")."
    assert interaction.output_text == text
    png = interaction_png(interaction)
    assert open_image(png).size == (1024, 1024)
    assert read_provenance(png) == ["generate:" + sha12(b"a lighthouse at dusk")]
    usage = interaction.usage
    assert usage is not None
    assert usage.total_input_tokens == 5 and usage.total_cached_tokens == 0
    assert usage.total_output_tokens == 1120 + text_tokens(text)
    assert usage.total_tokens == usage.total_input_tokens + usage.total_output_tokens
    modalities = {m.modality: m.tokens for m in usage.output_tokens_by_modality or []}
    assert modalities == {"text": text_tokens(text), "image": 1120}


def test_2_5_flash_image_has_no_thought_step(iclient: genai.Client) -> None:
    interaction = iclient.interactions.create(model=FLASH, input="a barn")
    assert [s.type for s in interaction.steps or []] == ["model_output"]
    assert interaction.usage is not None
    assert interaction.usage.total_output_tokens == 1290 + text_tokens(interaction.output_text or "")


def test_text_model_answers_text(iclient: genai.Client) -> None:
    interaction = iclient.interactions.create(model="gemini-2.5-flash", input="Summarise this sentence about harbours")
    assert interaction.output_text == "Summary: summarise, sentence, harbours."
    assert interaction.output_image is None


@pytest.mark.parametrize("version", ["v1", "v1beta", "v1alpha"])
def test_every_path_version_serves_create_and_get(iclient: genai.Client, version: str) -> None:
    created = iclient.interactions.create(model=FLASH, input="a barn", api_version=version)
    fetched = iclient.interactions.get(created.id or "", api_version=version)
    assert fetched.id == created.id and fetched.status == "completed"


def test_input_forms_all_become_one_user_input(iclient: genai.Client, emulator_url: str) -> None:
    image = png_bytes((40, 40))
    as_blocks = iclient.interactions.create(
        model=FLASH, input=[{"type": "text", "text": "invert it"}, image_block(image)]
    )
    as_step = iclient.interactions.create(model=FLASH, input=[user_input("invert it", image)])
    expected = [f"input:{sha12(image)}", "invert"]
    assert read_provenance(interaction_png(as_blocks)) == read_provenance(interaction_png(as_step)) == expected
    # A single content block (not in a list) is accepted too, on the raw wire.
    raw = _post(emulator_url, {"model": FLASH, "input": {"type": "text", "text": "a barn"}})
    assert raw.status_code == 200 and raw.json()["status"] == "completed"


def test_an_image_by_files_api_uri_is_edited(iclient: genai.Client, client: genai.Client) -> None:
    source = pattern_png()
    uploaded = client.files.upload(file=io.BytesIO(source), config=types.UploadFileConfig(mime_type="image/png"))
    interaction = iclient.interactions.create(
        model=PRO,
        input=[
            {"type": "text", "text": "flip it"},
            {"type": "image", "uri": uploaded.uri or "", "mime_type": "image/png"},
        ],
    )
    assert read_provenance(interaction_png(interaction)) == [f"input:{sha12(source)}", "flip-horizontal"]


def test_response_format_and_image_config_choose_the_size(iclient: genai.Client, emulator_url: str) -> None:
    by_format = iclient.interactions.create(
        model=PRO, input="a bay", response_format={"type": "image", "aspect_ratio": "16:9", "image_size": "2K"}
    )
    assert open_image(interaction_png(by_format)).size == (2688, 1536)
    # generation_config.image_config (deprecated in the SDK) is understood too.
    body = {"model": PRO, "input": "a bay", "generation_config": {"image_config": {"aspect_ratio": "9:16"}}}
    output = _post(emulator_url, body).json()["steps"][-1]["content"][-1]
    assert open_image(base64.b64decode(output["data"])).size == (768, 1344)
    as_list = iclient.interactions.create(
        model=PRO, input="a bay", response_format=[{"type": "text"}, {"type": "image", "aspect_ratio": "4:3"}]
    )
    assert open_image(interaction_png(as_list)).size == (1184, 864)


def test_response_modalities_image_only(iclient: genai.Client) -> None:
    interaction = iclient.interactions.create(model=PRO, input="a bay", response_modalities=["image"])
    output = (interaction.steps or [])[-1]
    assert [c.type for c in getattr(output, "content", [])] == ["image"]


def test_system_instruction_counts_as_input(iclient: genai.Client) -> None:
    plain = iclient.interactions.create(model=FLASH, input="a barn")
    instructed = iclient.interactions.create(model=FLASH, input="a barn", system_instruction="x" * 40)
    assert plain.usage and instructed.usage
    assert (instructed.usage.total_input_tokens or 0) - (plain.usage.total_input_tokens or 0) == 10


def test_thinking_summaries_auto_adds_the_summary_and_a_preview(iclient: genai.Client) -> None:
    interaction = iclient.interactions.create(
        model=PRO, input="a castle", generation_config={"thinking_summaries": "auto", "thinking_level": "high"}
    )
    thought = (interaction.steps or [])[0]
    summary = getattr(thought, "summary", None) or []
    assert [item.type for item in summary] == ["text", "image"]
    assert summary[0].text == "Planning: draw a new image."
    preview = base64.b64decode(summary[1].data)
    assert max(open_image(preview).size) <= 512
    assert read_provenance(preview)[-1] == "preview"
    assert interaction.usage is not None and (interaction.usage.total_thought_tokens or 0) > 258
    # The SDK's output_image is the model output's image, never the preview.
    assert read_provenance(interaction_png(interaction))[-1] != "preview"


# -- get, delete -------------------------------------------------------------------------------


def test_get_adds_the_user_input_steps_and_include_input(iclient: genai.Client) -> None:
    created = iclient.interactions.create(model=PRO, input="a lighthouse")
    fetched = iclient.interactions.get(created.id or "")
    assert [s.type for s in fetched.steps or []] == ["user_input", "thought", "model_output"]
    assert fetched.usage and created.usage and fetched.usage.total_tokens == created.usage.total_tokens
    assert fetched.input is None
    with_input = iclient.interactions.get(created.id or "", include_input=True)
    assert with_input.input is not None


def test_get_wire_path_and_form(emulator_url: str, iclient: genai.Client, control: Control) -> None:
    created = iclient.interactions.create(model=FLASH, input="a barn")
    iclient.interactions.get(created.id or "")
    entry = control.requests("interactions.get")[-1]
    assert entry["path"] == f"/v1/interactions/{created.id}" and entry["status"] == 200
    body = requests.get(f"{emulator_url}/v1beta/interactions/{created.id}?stream=false", timeout=10).json()
    assert set(body) >= {"id", "status", "model", "created", "updated", "steps", "usage"}
    assert body["steps"][0] == {"type": "user_input", "content": [{"type": "text", "text": "a barn"}]}


def test_delete_then_get_and_delete_are_404(iclient: genai.Client, emulator_url: str) -> None:
    created = iclient.interactions.create(model=FLASH, input="a barn")
    assert requests.delete(f"{emulator_url}/v1/interactions/{created.id}", timeout=10).json() == {}
    with pytest.raises(_interactions.NotFoundError) as caught:
        iclient.interactions.get(created.id or "")
    assert caught.value.status_code == 404
    with pytest.raises(_interactions.NotFoundError):
        iclient.interactions.delete(created.id or "")


def test_store_false_is_not_kept(iclient: genai.Client, control: Control) -> None:
    interaction = iclient.interactions.create(model=FLASH, input="a barn", store=False)
    assert interaction.status == "completed" and interaction.id
    assert [i["id"] for i in control.interactions()] == []
    with pytest.raises(_interactions.NotFoundError):
        iclient.interactions.get(interaction.id)


# -- errors ------------------------------------------------------------------------------------


def _error_of(response: requests.Response) -> dict[str, object]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert isinstance(body["error"]["code"], str)
    error: dict[str, object] = body["error"]
    return error


@pytest.mark.parametrize(
    ("body", "status", "code", "fragment"),
    [
        ({"model": "gemini-9-ultra", "input": "hi"}, 404, "model_not_found", "models/gemini-9-ultra is not found"),
        ({"input": "hi"}, 400, "invalid_request", "'model' is required"),
        ({"model": FLASH}, 400, "invalid_request", "'input' is required"),
        ({"model": FLASH, "input": "hi", "temperature": 1}, 400, "parameter_unknown", 'Unknown name "temperature"'),
        ({"model": FLASH, "input": [{"type": "video_call"}]}, 400, "invalid_request", "unknown content type"),
        ({"model": FLASH, "input": [{"type": "function_call"}]}, 400, "invalid_request", "not supported"),
        ({"model": FLASH, "input": "hi", "store": "yes"}, 400, "invalid_request", "TYPE_BOOL"),
        ({"model": FLASH, "input": "hi", "store": False, "previous_interaction_id": "v1_x"}, 400, "invalid_request",
         "cannot be used with 'store': false"),
        ({"model": FLASH, "input": "hi", "store": False, "background": True}, 400, "invalid_request",
         "requires 'store': true"),
        ({"model": FLASH, "input": "hi", "background": True, "stream": True}, 400, "invalid_request", "cannot both"),
        ({"model": FLASH, "input": "hi", "previous_interaction_id": "v1_gone"}, 404, "not_found", "v1_gone"),
        ({"model": PRO, "input": "hi", "response_format": {"type": "image", "image_size": "8K"}}, 400,
         "invalid_request", "Invalid image size"),
        ({"model": PRO, "input": "hi", "response_format": {"type": "image", "aspect_ratio": "2:1"}}, 400,
         "invalid_request", "Unsupported aspect ratio"),
        ({"model": FLASH, "input": "hi", "response_format": {"type": "image", "image_size": "2K"}}, 400,
         "invalid_request", "not supported for model"),
        ({"model": FLASH, "input": [{"type": "image", "data": "%%%", "mime_type": "image/png"}]}, 400,
         "invalid_request", "Base64 decoding failed"),
        ({"model": FLASH, "input": [{"type": "image", "uri": "files/nope", "mime_type": "image/png"}]}, 403,
         "permission_denied", "files/nope"[6:]),
        ({"model": FLASH, "input": "hi", "generation_config": {"thinking_level": "huge"}}, 400, "invalid_request",
         "thinking_level"),
        ({"model": "gemini-2.5-flash", "input": "hi", "response_modalities": ["image"]}, 400, "invalid_request",
         "Multi-modal output is not supported"),
    ],
)
def test_errors_have_a_string_code_and_the_status(
    emulator_url: str, control: Control, body: dict[str, object], status: int, code: str, fragment: str
) -> None:
    response = _post(emulator_url, body)
    assert response.status_code == status
    error = _error_of(response)
    assert error["code"] == code and fragment in str(error["message"])
    entry = control.requests("interactions.create")[-1]
    assert entry["status"] == status and fragment in entry["error"]


def test_sdk_raises_the_interactions_errors_not_genai_api_error(iclient: genai.Client) -> None:
    with pytest.raises(_interactions.BadRequestError) as caught:
        iclient.interactions.create(model=PRO, input="hi", response_format={"type": "image", "aspect_ratio": "2:1"})
    assert not isinstance(caught.value, errors.APIError)
    assert caught.value.status_code == 400
    assert isinstance(caught.value.body, dict) and caught.value.body["error"]["code"] == "invalid_request"
    with pytest.raises(_interactions.NotFoundError):
        iclient.interactions.create(model="gemini-9-ultra", input="hi")


def test_unknown_paths_and_methods_answer_in_the_interactions_form(emulator_url: str) -> None:
    response = requests.put(f"{emulator_url}/v1/interactions/v1_x", timeout=10)
    assert response.status_code == 404
    assert requests.post(f"{emulator_url}/v1/interactions", data=b"{", timeout=10).json()["error"]["code"] == (
        "invalid_request"
    )


# -- the request log ---------------------------------------------------------------------------


def test_request_log_describes_a_create(iclient: genai.Client, control: Control) -> None:
    image = png_bytes((48, 48))
    first = iclient.interactions.create(model=PRO, input=[user_input("invert it", image)])
    iclient.interactions.create(model=PRO, input="now blur it", previous_interaction_id=first.id)
    iclient.interactions.get(first.id or "")
    iclient.interactions.delete(first.id or "")
    kinds = [e["kind"] for e in control.requests()]
    assert kinds == ["interactions.create", "interactions.create", "interactions.get", "interactions.delete"]
    opening, chained = control.requests("interactions.create")
    assert opening["model"] == PRO and opening["store"] is True and opening["stream"] is False
    assert opening["previousInteractionId"] is None and opening["historySteps"] == 0
    assert opening["interactionId"] == first.id and opening["interactionStatus"] == "completed"
    assert opening["steps"] == [{"type": "user_input", "contentTypes": ["text", "image"]}]
    parts = opening["contents"][0]["parts"]
    assert parts[1]["kind"] == "inlineData" and parts[1]["bytes"] == len(image)
    assert parts[1]["provenance"] == []
    # A continuation sends only its new input: the stored chain is not on the wire.
    assert chained["previousInteractionId"] == first.id and chained["historySteps"] == 3
    assert [p["kind"] for c in chained["contents"] for p in c["parts"]] == ["text"]
