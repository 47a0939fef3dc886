"""Quotas and costs in a real browser (issue 14): an answer shows what it cost, a send over the
user's daily limit is refused inline (its text kept, "Try again"), so is a new chat's first
message (the dialog again, its input kept), and the Usage page shows what is left and spent."""

from __future__ import annotations

import re
from collections.abc import Callable

import requests
from playwright.sync_api import expect

from tests.support.clients import FAKE_API_KEY, ApiClient
from tests.web.app import PASSWORD, WebApp


def uid_of(app: WebApp, email: str) -> str:
    """The uid of the person signed up in the page (their password, through the Auth emulator)."""
    response = requests.post(
        f"http://{app.stack.auth_host}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword",
        params={"key": FAKE_API_KEY}, json={"email": email, "password": PASSWORD, "returnSecureToken": True},
        timeout=10)
    assert response.status_code == 200, response.text
    uid: str = response.json()["localId"]
    return uid


def test_an_answer_shows_its_cost_a_refusal_shows_inline_and_usage_shows_what_is_left(
        open_app: Callable[..., WebApp], make_user: Callable[..., ApiClient]) -> None:
    app = open_app()
    uid = uid_of(app, app.sign_up())
    admin = make_user(admin=True)
    limited = admin.rest("PATCH", f"/api/admin/users/{uid}/limits", json={"turnsPerDay": 1})
    assert limited.status_code == 200, limited.text

    app.new_chat("Quota")
    app.send("Draw a red square", results=1)
    expect(app.turns("model", "complete").locator(".cost")).to_have_text(re.compile(r"^\$0\.0\d{3}$"))

    app.type_and_send("make it blue")
    refused = app.unsent()
    expect(refused).to_have_count(1)
    expect(refused.get_by_text("Over your limit.")).to_be_visible()
    expect(refused.get_by_text(re.compile(r"Daily limit reached; it resets at \d{4}-\d{2}-\d{2} 00:00 UTC\."))) \
        .to_be_visible()
    expect(refused.get_by_text("make it blue")).to_be_visible()  # the input is kept, to send again later
    expect(refused.get_by_role("button", name="Try again")).to_be_visible()
    expect(app.turns("user")).to_have_count(1)  # nothing stored for the refused send

    # A new chat with a first message: refused before anything is made; the dialog keeps the input.
    app.page.get_by_role("button", name="New chat", exact=True).first.click()
    dialog = app.page.get_by_role("dialog", name="New chat")
    dialog.get_by_role("textbox", name="First message").fill("Draw a cat")
    dialog.get_by_role("button", name="Create chat").click()
    expect(dialog.get_by_role("alert")).to_have_text(re.compile(r"^Daily limit reached; it resets at .* UTC\.$"))
    expect(dialog.get_by_role("textbox", name="First message")).to_have_value("Draw a cat")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(app.chat_titles()).to_have_text(["Quota"])

    app.page.get_by_role("link", name="Usage").click()
    summary = app.page.get_by_role("definition")
    expect(app.page.get_by_role("heading", name="Usage")).to_be_visible()
    expect(summary.and_(app.page.locator("[data-usage=today]"))).to_have_text("0 of 1 (resets at 00:00 UTC)")
    expect(summary.and_(app.page.locator("[data-usage=cost-today]"))).to_have_text(re.compile(r"^\$0\.0\d{3}$"))
    rows = app.page.get_by_role("table", name="Usage by day").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").first).to_have_text("1")
    app.screenshot("usage")
