"""Variations and region edits in a browser (issue 17): a message asks for 3 answers and the
answer switcher shows them; a region typed as numbers (the keyboard way) edits only that part."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from devtools.stack import Stack
from tests.support.clients import AuthEmulator
from tests.web.app import PASSWORD, WebApp


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
