"""A person's main path through the app in a real browser: sign up, start a chat, upload a photo,
edit it twice (seeing each message pending first), look at a result full size."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.support.clients import GeminiControl
from tests.web.app import WebApp, png_file


def test_sign_up_upload_and_two_edits_each_seen_pending_first(
        open_app: Callable[..., WebApp], gemini: GeminiControl) -> None:
    app = open_app()
    app.screenshot("sign-in")
    app.sign_up()
    expect(app.chat_list.get_by_text("No chats yet")).to_be_visible()
    app.new_chat("Red square")
    expect(app.page.get_by_role("heading", name="Red square")).to_be_visible()
    expect(app.chat_titles()).to_have_text(["Red square"])

    # The model is slowed down so that the pending state is there to be seen.
    gemini.config(latencyMs=1500)
    app.attach(png_file("red.png", (200, 40, 40)))
    expect(app.tray.get_by_role("img", name="Attached image 1 (red.png)")).to_be_visible()
    app.type_and_send("make it warmer")
    expect(app.tray).to_be_hidden()
    expect(app.message_box).to_have_value("")
    app.expect_working()
    # The user's turn, from Firestore (onSnapshot), while the model still runs.
    pending = app.turns("user", "pending")
    expect(pending).to_have_count(1)
    expect(pending.get_by_text("make it warmer")).to_be_visible()
    expect(pending.get_by_text("Sent")).to_be_visible()
    expect(app.unsent()).to_have_count(0)
    app.screenshot("chat-pending")
    app.expect_results(1)
    expect(app.turns("user", "complete")).to_have_count(1)
    expect(app.turns("user").get_by_role("img", name="Attached image 1")).to_be_visible()

    app.type_and_send("now make it cooler")
    app.expect_working()
    app.expect_results(2)
    expect(app.results().nth(0)).to_have_attribute("alt", "Result 1 for “make it warmer”")
    expect(app.results().nth(1)).to_have_attribute("alt", "Result 1 for “now make it cooler”")
    # Thumbnails really load (Storage download-token URLs), not just their elements.
    loaded = app.results().evaluate_all("images => images.map(i => i.complete && i.naturalWidth > 0)")
    assert loaded == [True, True]
    expect(app.chat_list.get_by_text("2 edits")).to_be_visible()
    app.screenshot("chat")

    # Full size, from the thumbnail, and back with Escape.
    app.page.get_by_role("button", name="Result 1 for “now make it cooler”: open full size").click()
    viewer = app.page.get_by_role("dialog", name="Image, full size")
    expect(viewer).to_be_visible()
    full = viewer.get_by_role("img", name="Result 1 for “now make it cooler”")
    expect(full).to_be_visible()
    assert full.evaluate("i => i.complete && i.naturalWidth") > 256  # not the thumbnail
    expect(viewer.get_by_text("1024 × 1024 px")).to_be_visible()
    app.screenshot("image-viewer")
    # The local storage emulator sends no CORS headers, so Download opens the original instead of
    # saving a blob (a bucket with CORS set up saves it).
    with app.page.expect_popup() as popup:
        viewer.get_by_role("button", name="Download").click()
    assert popup.value.url == full.get_attribute("src")
    popup.value.close()
    app.page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
