"""Live progress in a browser: blocked and failed turns say why inline and offer "Try again";
a busy chat (409) says so. Never a browser alert."""

from __future__ import annotations

import threading
from collections.abc import Callable

from playwright.sync_api import Dialog, expect

from devtools.stack import Stack
from tests.support.clients import AuthEmulator, GeminiControl
from tests.web.app import PASSWORD, WebApp


def _no_alerts(app: WebApp) -> list[str]:
    seen: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        seen.append(dialog.message)
        dialog.dismiss()

    app.page.on("dialog", on_dialog)
    return seen


def test_a_blocked_turn_shows_the_reason_inline_and_try_again_sends_it_again(
        open_app: Callable[..., WebApp]) -> None:
    app = open_app()
    alerts = _no_alerts(app)
    app.sign_up()
    app.new_chat()
    app.type_and_send("draw something scary [[blocked]]")
    blocked = app.turns("model", "blocked")
    expect(blocked).to_have_count(1)
    expect(blocked.get_by_text("No image this time.")).to_be_visible()
    expect(blocked).to_contain_text("safety")
    expect(app.results()).to_have_count(0)
    app.screenshot("blocked-turn")

    blocked.get_by_role("button", name="Try again").click()
    expect(app.turns("model", "blocked")).to_have_count(2)  # the marker blocks it again
    expect(app.turns("user")).to_have_count(2)
    expect(app.turns("user").nth(1)).to_contain_text("draw something scary")
    # The chat is still usable.
    app.type_and_send("draw a friendly cat")
    app.expect_results(1)
    assert alerts == []


def test_a_failed_turn_keeps_the_message_and_try_again_runs_it(
        open_app: Callable[..., WebApp], gemini: GeminiControl) -> None:
    app = open_app()
    alerts = _no_alerts(app)
    app.sign_up()
    app.new_chat()
    gemini.faults({"on": "generateContent", "status": 503, "times": 3})  # every retry of one send
    app.type_and_send("draw a lighthouse")
    failed = app.turns("user", "failed")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("Image generation failed. Please try again.")
    expect(app.unsent()).to_have_count(0)

    failed.get_by_role("button", name="Try again").click()
    app.expect_results(1)
    expect(app.turns("user", "complete")).to_contain_text("draw a lighthouse")
    assert alerts == []


def test_a_busy_chat_says_so_on_the_message_and_it_can_be_sent_when_free(
        stack: Stack, open_app: Callable[..., WebApp], gemini: GeminiControl) -> None:
    # The same person on another device starts a slow edit; this page sends meanwhile.
    user = AuthEmulator(stack).sign_up()
    app = open_app()
    app.sign_in(user.email or "", PASSWORD)
    chat_id = app.new_chat("Shared")
    gemini.config(latencyMs=2500)
    other_device = threading.Thread(target=user.rest, args=(
        "POST", f"/api/chat/sessions/{chat_id}/message"), kwargs={"json": {"text": "draw a fox"}})
    other_device.start()
    try:
        app.expect_working()  # the other device's pending turn, live through onSnapshot
        app.type_and_send("make it warmer")
        busy = app.unsent()
        expect(busy).to_contain_text("Busy. This session is busy with another message.")
        app.screenshot("busy")
    finally:
        other_device.join()
    gemini.config(latencyMs=0)
    app.expect_results(1)
    busy.get_by_role("button", name="Try again").click()
    app.expect_results(2)
    expect(app.unsent()).to_have_count(0)
    expect(app.messages()).to_have_text(["draw a fox", "make it warmer"])


def test_progress_shows_the_thoughts_and_cancel_stops_the_message(
        open_app: Callable[..., WebApp], gemini: GeminiControl) -> None:
    app = open_app()
    alerts = _no_alerts(app)
    app.sign_up()
    app.new_chat(model="gemini-3-pro-image-preview")
    # The model thinks at once, then takes 5 s between the parts of its answer.
    gemini.config(latencyMs=0, streamDelayMs=5000)
    try:
        app.type_and_send("draw a slow lighthouse")
        working = app.conversation.locator("li.working")
        expect(working).to_contain_text("Planning: draw a new image.")
        expect(working).to_contain_text("Thinking…")
        app.screenshot("thinking")
        expect(working.get_by_role("img", name="Preview of the image being drawn")).to_be_visible()
        expect(working).to_contain_text("Drawing…")
        app.conversation.get_by_role("button", name="Cancel this message").click()
        cancelled = app.turns("user", "cancelled")
        expect(cancelled).to_contain_text("Cancelled. You cancelled this message.")
        expect(cancelled).to_contain_text("draw a slow lighthouse")
        app.screenshot("cancelled-turn")
    finally:
        gemini.config(latencyMs=0, streamDelayMs=None)
    app.type_and_send("draw a quick boat")  # at once: the cancelled call is still at the model
    app.expect_results(1)
    expect(app.turns("user", "complete")).to_contain_text("draw a quick boat")
    expect(app.unsent()).to_have_count(0)
    assert alerts == []
