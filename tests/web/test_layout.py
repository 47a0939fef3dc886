"""The app at a phone's width (375 px) and by keyboard alone."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.web.app import WebApp, png_file


def _no_horizontal_scroll(app: WebApp) -> None:
    assert app.page.evaluate("document.documentElement.scrollWidth") <= 375


def test_at_375_px_the_chats_are_a_drawer_and_nothing_scrolls_sideways(open_app: Callable[..., WebApp]) -> None:
    app = open_app(width=375, height=740)
    _no_horizontal_scroll(app)
    app.screenshot("mobile-sign-in")
    app.sign_up()
    toggle = app.page.get_by_role("button", name="Chats")
    app.new_chat("On the phone")
    expect(app.chat_list).to_be_hidden()  # the chat takes the screen
    app.attach(png_file("red.png", (200, 40, 40)))
    app.type_and_send("make it warmer")
    app.expect_results(1)
    _no_horizontal_scroll(app)
    app.screenshot("mobile-chat")

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(app.chat_list).to_be_visible()
    _no_horizontal_scroll(app)
    app.screenshot("mobile-chats")
    app.chat_list.get_by_role("link", name="On the phone").click()
    expect(app.chat_list).to_be_hidden()
    expect(app.page.get_by_role("heading", name="On the phone")).to_be_visible()


def test_keyboard_only_new_chat_send_and_open_a_result(open_app: Callable[..., WebApp]) -> None:
    app = open_app()
    app.sign_up()
    keyboard = app.page.keyboard
    app.page.get_by_role("button", name="New chat", exact=True).first.focus()
    keyboard.press("Enter")
    expect(app.page.get_by_role("dialog", name="New chat").get_by_label("Title")).to_be_focused()
    keyboard.type("Typed")
    keyboard.press("Enter")  # submits the dialog
    expect(app.message_box).to_be_focused()
    keyboard.type("draw a kite")
    keyboard.press("Shift+Enter")  # a new line, not a send
    keyboard.type("in the wind")
    expect(app.message_box).to_have_value("draw a kite\nin the wind")
    keyboard.press("Enter")
    app.expect_results(1)
    result = app.page.get_by_role("button", name="open full size")
    result.focus()
    # Focus is visible (the app's outline), not only present.
    assert result.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    keyboard.press("Enter")
    viewer = app.page.get_by_role("dialog", name="Image, full size")
    expect(viewer).to_be_visible()
    keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    expect(result).to_be_focused()
