"""Variations and region edits in a browser (issue 17): a message asks for 3 answers and the
answer switcher shows them; "Regenerate several" asks for 3 new answers at once; a region typed
as numbers (the keyboard way) edits only that part; a lasso drawn with the pointer, with and
without the whole image as context; a region on an attached image."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Locator, expect

from devtools.stack import Stack
from tests.integration.helpers import model_calls, provenance_of
from tests.support.clients import AuthEmulator, GeminiControl
from tests.web.app import PASSWORD, WebApp, png_file


def test_three_variations_then_a_region_edit(stack: Stack, open_app: Callable[..., WebApp]) -> None:
    user = AuthEmulator(stack).sign_up()
    app = open_app()
    app.sign_in(user.email or "", PASSWORD)
    chat_id = app.new_chat("Lighthouse")
    region = app.page.get_by_role("checkbox", name="Edit only a region")
    expect(region).to_be_disabled()  # no image to edit yet

    app.page.get_by_role("combobox", name="Answers to this message").select_option("3")
    app.send("draw a lighthouse", results=1)
    answers = app.switcher(app.turns("model").first, "Answer")
    expect(answers).to_contain_text("/ 3")
    body = user.rest("GET", f"/api/chat/sessions/{chat_id}", params={"all": "true"}).json()
    assert [t["role"] for t in body["turns"]] == ["user", "model", "model", "model"]

    expect(region).to_be_enabled()
    region.check()
    panel = app.page.get_by_role("group", name="Region to edit (image pixels)")
    expect(panel).to_be_visible()
    for name, value in (("X", "100"), ("Y", "200"), ("Width", "300"), ("Height", "150")):
        panel.get_by_role("spinbutton", name=name).fill(value)
    app.screenshot("region-edit")
    app.send("invert it", results=2)
    expect(app.conversation.get_by_text("Region edit (")).to_have_count(1)
    expect(region).not_to_be_checked()  # one message only
    turns = user.rest("GET", f"/api/chat/sessions/{chat_id}").json()["turns"]
    assert turns[-1]["region"]["maskKind"] == "rects" and len(turns[-1]["images"]) == 2
    app.assert_no_page_errors()


def test_regenerate_three_answers_at_once_then_pick_one(
        stack: Stack, open_app: Callable[..., WebApp], gemini: GeminiControl) -> None:
    user = AuthEmulator(stack).sign_up()
    app = open_app()
    app.sign_in(user.email or "", PASSWORD)
    chat_id = app.new_chat("Kites")
    app.send("draw a kite", results=1)
    calls_before = len(model_calls(gemini.requests()))

    answer = app.turns("model").first
    several = answer.get_by_role("button", name="Regenerate several")
    expect(several).to_have_attribute("aria-expanded", "false")
    several.click()
    choices = answer.get_by_role("group", name="Regenerate several answers")
    expect(choices.get_by_role("button", name="2 answers")).to_be_focused()
    app.page.keyboard.press("Escape")  # closes, back on the toggle
    expect(choices).to_be_hidden()
    expect(several).to_be_focused()
    app.page.keyboard.press("Enter")
    expect(several).to_have_attribute("aria-expanded", "true")
    app.screenshot("regenerate-several")
    choices.get_by_role("button", name="3 answers").click()

    answers = app.switcher(app.turns("model").first, "Answer")
    expect(answers).to_contain_text("/ 4")
    app.expect_results(1)
    # Three real model calls, one per seed: three different images of the same message.
    calls = model_calls(gemini.requests())[calls_before:]
    assert len(calls) == 3 and sorted(c["seed"] for c in calls) == [0, 1, 2]
    body = user.rest("GET", f"/api/chat/sessions/{chat_id}", params={"all": "true"}).json()
    assert [t["role"] for t in body["turns"]] == ["user", "model", "model", "model", "model"]

    # Picking another one with the switcher makes it the head (what the next message continues).
    shown = app.turns("model").first
    while not answers.get_by_role("button", name="Next answer").is_disabled():
        previous_id = shown.get_attribute("data-id")
        answers.get_by_role("button", name="Next answer").click()
        expect(shown).not_to_have_attribute("data-id", previous_id or "")
    expect(answers).to_contain_text("4 / 4")
    picked = shown.get_attribute("data-id")
    session = user.rest("GET", f"/api/chat/sessions/{chat_id}").json()["session"]
    assert session["headTurnId"] == picked
    app.assert_no_page_errors()


def _draw_lasso(app: WebApp, panel: Locator) -> None:
    """Drags a closed loop (about 40 pointer moves) around the middle of the image shown."""
    box = panel.get_by_role("img").bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    rx, ry = box["width"] / 4, box["height"] / 5
    points = [(cx + rx * math.cos(a / 40 * 2 * math.pi), cy + ry * math.sin(a / 40 * 2 * math.pi)) for a in range(41)]
    app.page.mouse.move(*points[0])
    app.page.mouse.down()
    for point in points[1:]:
        app.page.mouse.move(*point)
    app.page.mouse.up()
    expect(panel.get_by_role("status")).to_contain_text("Outline closed")


def _images_in_new_message(gemini: GeminiControl) -> list[dict[str, Any]]:
    """The image parts of the newest model call's new message."""
    parts: list[dict[str, Any]] = model_calls(gemini.requests())[-1]["contents"][-1]["parts"]
    return [p for p in parts if p["kind"] in ("inlineData", "fileData") and not p.get("thought")]


def test_a_lasso_region_with_and_without_context_then_a_region_on_an_attachment(
        stack: Stack, open_app: Callable[..., WebApp], gemini: GeminiControl) -> None:
    user = AuthEmulator(stack).sign_up()
    app = open_app()
    app.sign_in(user.email or "", PASSWORD)
    chat_id = app.new_chat("Lasso", region_context=True)  # the new chat dialog's checkbox
    app.send("draw a lighthouse", results=1)

    def region_turns() -> tuple[dict[str, Any], dict[str, Any]]:
        turns = user.rest("GET", f"/api/chat/sessions/{chat_id}").json()["turns"]
        return next(t for t in turns if t["id"] == turns[-1]["parentId"]), turns[-1]

    # A lasso on the current image, the whole image going along as context (the chat's setting).
    app.page.get_by_role("checkbox", name="Edit only a region").check()
    panel = app.page.get_by_role("group", name="Region to edit (image pixels)")
    panel.get_by_role("radio", name="Lasso").check()
    expect(panel.get_by_role("spinbutton", name="X")).to_be_hidden()  # the numbers are the rectangle's
    context = panel.get_by_label("Region edits: also show the model the whole image")
    expect(context).to_be_checked()
    _draw_lasso(app, panel)
    drawn = panel.get_by_role("textbox", name="Outline points").input_value().split()
    expect(panel.get_by_role("status")).to_have_text(f"Outline closed ({len(drawn)} points).")
    app.screenshot("region-lasso")
    app.send("invert it", results=2)
    expect(app.conversation.get_by_text("Region edit (")).to_have_count(1)
    sent, answer = region_turns()
    assert answer["region"]["maskKind"] == "polygons" and answer["region"]["context"] is True
    assert [a["role"] for a in sent["attachments"]] == ["context", "region"]
    crop = sent["attachments"][-1]
    with_context = _images_in_new_message(gemini)
    assert len(with_context) == 2  # the whole image, then the crop
    # The model edited the crop (its output's provenance starts from the crop's bytes), cut from the
    # 1024-px image around the lasso.
    assert provenance_of(answer["images"][1]) == [f"input:{crop['sha256'][:12]}", "invert"]
    assert crop["width"] * crop["height"] < 1024 * 1024

    # The setting turned off in the region panel (PATCH): the next lasso edit sends one image fewer.
    app.page.get_by_role("checkbox", name="Edit only a region").check()
    panel.get_by_role("radio", name="Lasso").check()
    context.uncheck()
    expect(panel.get_by_role("status")).to_have_text("Region edits in this chat now send only the part to edit.")
    _draw_lasso(app, panel)
    app.send("darker", results=3)
    expect(app.conversation.get_by_text("Region edit (")).to_have_count(2)
    sent, answer = region_turns()
    assert answer["region"]["maskKind"] == "polygons" and answer["region"]["context"] is False
    assert len(_images_in_new_message(gemini)) == len(with_context) - 1
    assert user.rest("GET", f"/api/chat/sessions/{chat_id}").json()["session"]["regionContext"] is False

    # A region on an attached image (typed, the keyboard way): the answer is that image, edited.
    app.attach(png_file("photo.png", (40, 160, 90), (320, 240)))
    app.page.get_by_role("checkbox", name="Edit only a region").check()
    panel.get_by_label("Region on").select_option(label="Attachment 1 (photo.png)")
    expect(panel.get_by_role("img")).to_have_attribute("alt", re.compile(r"^Attachment 1 \(photo\.png\)"))
    panel.get_by_role("radio", name="Rectangle").check()
    for name, value in (("X", "40"), ("Y", "30"), ("Width", "120"), ("Height", "90")):
        panel.get_by_role("spinbutton", name=name).fill(value)
    app.screenshot("region-attachment")
    app.send("invert", results=4)
    expect(app.conversation.get_by_text("Region edit (")).to_have_count(3)
    expect(app.turns("model").last.get_by_text(re.compile(r"px area of attachment 1\)$"))).to_be_visible()
    _, answer = region_turns()
    assert answer["region"]["attachment"] == 0 and answer["region"]["maskKind"] == "rects"
    assert (answer["images"][0]["width"], answer["images"][0]["height"]) == (320, 240)

    # A lasso typed as points (the keyboard way): a mistake is said, Enter applies without sending.
    app.page.get_by_role("checkbox", name="Edit only a region").check()
    panel.get_by_role("radio", name="Lasso").check()
    points = panel.get_by_role("textbox", name="Outline points")
    points.fill("40,30 200 120,200")
    points.press("Enter")
    expect(panel.get_by_role("status")).to_have_text(
        "Point 2 (“200”) is not x,y: two numbers with a comma between them.")
    expect(points).to_have_attribute("aria-invalid", "true")
    points.fill("40,30 200,40 120,200 600,10")
    points.press("Enter")
    expect(panel.get_by_role("status")).to_contain_text("Point 4 (600,10) is outside the image (320×240 pixels).")
    points.fill("40,30 200,40 120,200")
    points.press("Enter")
    expect(panel.get_by_role("status")).to_have_text("Outline closed (3 points).")
    expect(points).not_to_have_attribute("aria-invalid", "true")
    expect(app.turns("model")).to_have_count(4)  # Enter in the field sent nothing
    app.message_box.fill("blur it")
    with app.page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/message")) as sent_request:
        app.message_box.press("Enter")
    assert sent_request.value.post_data_json["mask"] == {"polygons": [[[40, 30], [200, 40], [120, 200]]]}
    app.expect_results(5)
    _, answer = region_turns()
    assert answer["region"]["maskKind"] == "polygons"
    app.assert_no_page_errors()
