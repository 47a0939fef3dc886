"""The conversation as a tree in a browser: go back and branch, switch versions and answers,
regenerate, edit and resend, delete an exchange, start over; a busy chat says so on the turn."""

from __future__ import annotations

import threading
from collections.abc import Callable

from playwright.sync_api import expect

from devtools.stack import Stack
from tests.support.clients import AuthEmulator, GeminiControl
from tests.web.app import PASSWORD, WebApp, png_file


def test_go_back_branch_and_switch_between_the_versions(open_app: Callable[..., WebApp]) -> None:
    app = open_app()
    app.sign_up()
    app.new_chat("Kite")
    app.send("draw a red kite", results=1)
    app.send("make it blue", results=2)
    app.send("add a sun", results=3)
    expect(app.page.get_by_role("button", name="Go back to this")).to_have_count(2)  # not on the head

    app.turns("model").first.get_by_role("button", name="Go back to this").click()
    app.expect_results(1)
    expect(app.messages()).to_have_text(["draw a red kite"])
    later = app.page.get_by_role("button", name="Show later messages")
    expect(later).to_be_focused()
    later.click()  # and back: nothing was lost
    app.expect_results(3)
    app.turns("model").first.get_by_role("button", name="Go back to this").click()
    app.expect_results(1)

    app.send("make it green", results=2)  # a new branch from the first answer
    expect(app.messages()).to_have_text(["draw a red kite", "make it green"])
    versions = app.switcher(app.turns("user").nth(1), "Version")
    expect(versions).to_contain_text("2 / 2")
    expect(app.switcher(app.turns("user").first, "Version")).to_have_count(0)
    app.screenshot("tree")

    versions.get_by_role("button", name="Previous version").click()
    app.expect_results(3)  # the older branch, as far as it went
    expect(app.messages()).to_have_text(["draw a red kite", "make it blue", "add a sun"])
    versions = app.switcher(app.turns("user").nth(1), "Version")
    expect(versions).to_contain_text("1 / 2")
    expect(versions.get_by_role("button", name="Previous version")).to_be_disabled()
    # By keyboard: focus stays on the switcher, now on the way that is left.
    expect(versions.get_by_role("button", name="Next version")).to_be_focused()
    app.page.keyboard.press("Enter")
    app.expect_results(2)
    expect(app.messages()).to_have_text(["draw a red kite", "make it green"])


def test_regenerate_makes_a_second_answer_and_the_first_is_one_click_away(
        stack: Stack, open_app: Callable[..., WebApp], gemini: GeminiControl) -> None:
    user = AuthEmulator(stack).sign_up()
    app = open_app()
    app.sign_in(user.email or "", PASSWORD)
    chat_id = app.new_chat("Cat")
    app.send("draw a cat", results=1)
    first = app.results().first.get_attribute("src")

    app.turns("model").first.get_by_role("button", name="Regenerate", exact=True).click()
    answers = app.switcher(app.turns("model").first, "Answer")
    expect(answers).to_contain_text("2 / 2", timeout=30_000)
    app.expect_results(1)
    expect(app.messages()).to_have_text(["draw a cat"])  # the same message, another answer
    second = app.results().first.get_attribute("src")
    assert second != first

    answers.get_by_role("button", name="Previous answer").click()
    expect(answers).to_contain_text("1 / 2")
    expect(app.results().first).to_have_attribute("src", first or "")
    expect(app.turns("model").first.get_by_role("button", name="Go back to this")).to_have_count(0)  # the head

    # While another device's message runs, a regenerate is refused as busy, on the answer itself.
    gemini.config(latencyMs=2500)
    other_device = threading.Thread(target=user.rest, args=(
        "POST", f"/api/chat/sessions/{chat_id}/message"), kwargs={"json": {"text": "add a hat"}})
    other_device.start()
    try:
        app.expect_working()
        app.turns("model").first.get_by_role("button", name="Regenerate", exact=True).click()
        alert = app.turns("model").first.get_by_role("alert")
        expect(alert).to_contain_text("Busy. This session is busy with another message.")
        expect(alert.get_by_role("button", name="Dismiss")).to_be_focused()
    finally:
        other_device.join()
    gemini.config(latencyMs=0)
    app.expect_results(2)
    app.turns("model").first.get_by_role("button", name="Dismiss").click()
    expect(app.conversation.get_by_role("alert")).to_have_count(0)


def test_edit_the_first_message_and_send_it_as_a_new_branch(open_app: Callable[..., WebApp]) -> None:
    app = open_app()
    app.sign_up()
    app.new_chat("Warm")
    app.attach(png_file("red.png", (200, 40, 40)))
    app.send("make it warmer", results=1)
    app.send("now make it cooler", results=2)
    banner = app.page.get_by_text("Editing: branching from here")

    app.message_box.fill("a draft")
    app.turns("user").first.get_by_role("button", name="Edit").click()
    expect(banner).to_be_visible()
    expect(app.message_box).to_be_focused()
    expect(app.message_box).to_have_value("make it warmer")
    expect(app.tray.get_by_role("img")).to_have_count(1)  # the stored copy of the photo
    app.page.get_by_role("button", name="Cancel editing").click()
    expect(banner).to_be_hidden()
    expect(app.message_box).to_have_value("a draft")  # the draft comes back
    expect(app.tray).to_be_hidden()

    app.turns("user").first.get_by_role("button", name="Edit").click()
    app.send("make it much warmer", results=1)
    expect(banner).to_be_hidden()
    expect(app.message_box).to_have_value("a draft")
    expect(app.messages()).to_have_text(["make it much warmer"])
    expect(app.turns("user").first.get_by_role("img", name="Attached image 1")).to_be_visible()
    versions = app.switcher(app.turns("user").first, "Version")
    expect(versions).to_contain_text("2 / 2")
    versions.get_by_role("button", name="Previous version").click()
    app.expect_results(2)
    expect(app.messages()).to_have_text(["make it warmer", "now make it cooler"])


def test_delete_a_middle_exchange_and_keep_going(open_app: Callable[..., WebApp]) -> None:
    app = open_app()
    app.sign_up()
    app.new_chat("Boat")
    app.send("draw a boat", results=1)
    app.send("add a sail", results=2)
    app.send("add a flag", results=3)

    app.turns("user").nth(1).get_by_role("button", name="Delete").click()
    app.confirm("Delete this message?", "Delete message")
    app.expect_results(1)  # the exchange and everything after it
    expect(app.messages()).to_have_text(["draw a boat"])
    expect(app.page.get_by_role("button", name="Show later messages")).to_have_count(0)
    app.send("add a red sail", results=2)
    expect(app.messages()).to_have_text(["draw a boat", "add a red sail"])
    expect(app.switcher(app.turns("user").nth(1), "Version")).to_have_count(0)  # nothing else left there


def test_start_over_at_375_px_and_come_back(open_app: Callable[..., WebApp]) -> None:
    app = open_app(width=375, height=740)
    app.sign_up()
    app.new_chat("Fresh")
    app.send("draw a tree", results=1)
    app.send("make it autumn", results=2)

    start_over = app.page.get_by_role("button", name="Start over")
    start_over.click()
    app.confirm("Start over?", "Start over")
    app.expect_results(0)
    expect(start_over).to_be_disabled()
    expect(app.page.get_by_role("button", name="Show the earlier conversation")).to_be_focused()
    assert app.page.evaluate("document.documentElement.scrollWidth") <= 375

    app.send("draw a house", results=1)
    expect(app.messages()).to_have_text(["draw a house"])
    versions = app.switcher(app.turns("user").first, "Version")
    expect(versions).to_contain_text("2 / 2")
    assert app.page.evaluate("document.documentElement.scrollWidth") <= 375
    app.screenshot("tree-mobile")
    versions.get_by_role("button", name="Previous version").click()
    app.expect_results(2)
    expect(app.messages()).to_have_text(["draw a tree", "make it autumn"])
