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


def _layout(app: WebApp) -> dict[str, float]:
    """How much of the conversation shows, where Send is, and how far the page itself scrolls."""
    sizes: dict[str, float] = app.page.evaluate("""() => {
        const log = document.querySelector('[aria-label="Conversation"]').getBoundingClientRect();
        const send = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Send')
            .getBoundingClientRect();
        return {conversation: Math.min(log.bottom, innerHeight) - Math.max(log.top, 0),
                sendBottom: send.bottom, pageScroll: document.documentElement.scrollHeight - innerHeight};
    }""")
    return sizes


def test_the_region_panel_leaves_room_for_the_conversation(open_app: Callable[..., WebApp]) -> None:
    """The open region panel makes the composer tall: the composer scrolls within half the chat
    (its text and Send staying in view) instead of squeezing the conversation or scrolling the page."""
    app = open_app(width=1200, height=820)
    app.sign_up()
    app.new_chat("Roomy")
    app.send("draw a harbour", results=1)
    app.page.get_by_role("checkbox", name="Edit only a region").check()
    panel = app.page.get_by_role("group", name="Region to edit (image pixels)")
    expect(panel.get_by_role("img")).to_be_in_viewport()  # the panel scrolled into the composer's view
    for width, height, share in ((1200, 820, 0.3), (375, 740, 0.2)):
        app.page.set_viewport_size({"width": width, "height": height})
        for shape in ("Lasso", "Rectangle"):
            panel.get_by_role("radio", name=shape).check()
            sizes = _layout(app)
            assert sizes["pageScroll"] <= 1, sizes
            assert sizes["conversation"] >= share * height, sizes
            assert sizes["sendBottom"] <= height, sizes
        app.screenshot(f"region-panel-{width}")
