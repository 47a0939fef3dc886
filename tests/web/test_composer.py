"""The composer in a browser: images by picker, drop and paste, reordered and removed before
sending; aspect ratio per chat and per message; image only."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

from playwright.sync_api import expect

from devtools.stack import Stack
from tests.integration.helpers import model_calls, png_bytes
from tests.support.clients import AuthEmulator, GeminiControl
from tests.web.app import PASSWORD, WebApp, png_file

RED, GREEN, BLUE = (200, 40, 40), (40, 160, 60), (30, 60, 200)

# Drop and paste as the browser delivers them: events carrying File objects in a DataTransfer.
_DROP = """([target, b64]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
  const element = document.querySelector(target);
  for (const type of ['dragover', 'drop']) {
    element.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
  }
}"""
_PASTE = """([b64]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }));
  const paste = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
  document.activeElement.dispatchEvent(paste);
}"""


def _b64(color: tuple[int, int, int]) -> str:
    return base64.b64encode(png_bytes(color)).decode()


def test_images_by_picker_drop_and_paste_are_sent_in_the_order_shown(
        stack: Stack, open_app: Callable[..., WebApp]) -> None:
    user = AuthEmulator(stack).sign_up()
    app = open_app()
    app.sign_in(user.email or "", PASSWORD)
    chat_id = app.new_chat()
    app.attach(png_file("red.png", RED))
    app.page.evaluate(_DROP, [".chat-pane", _b64(GREEN)])
    app.message_box.focus()
    app.page.evaluate(_PASTE, [_b64(BLUE)])
    app.expect_uploaded()
    images = app.tray.get_by_role("img")
    expect(images).to_have_count(3)
    assert images.evaluate_all("images => images.map(i => i.alt)") == [
        "Attached image 1 (red.png)", "Attached image 2 (dropped.png)", "Attached image 3 (pasted.png)"]

    # Blue first (two moves, by keyboard), then red removed: blue, green.
    app.tray.get_by_role("button", name="Move image 3 earlier").press("Enter")
    expect(app.tray.get_by_role("button", name="Move image 2 earlier")).to_be_focused()
    app.page.keyboard.press("Enter")
    app.tray.get_by_role("button", name="Remove image 2").click()
    expect(images).to_have_count(2)
    app.screenshot("composer-attachments")

    app.type_and_send("combine them")
    app.expect_results(1)
    turns = user.rest("GET", f"/api/chat/sessions/{chat_id}").json()["turns"]
    sent = [a["sha256"] for a in turns[0]["attachments"]]
    assert sent == [hashlib.sha256(png_bytes(c)).hexdigest() for c in (BLUE, GREEN)]


def test_a_file_that_is_not_an_image_is_refused_before_sending(open_app: Callable[..., WebApp]) -> None:
    app = open_app()
    app.sign_up()
    app.new_chat()
    with app.page.expect_file_chooser() as chooser:
        app.page.get_by_role("button", name="Add images").click()
    chooser.value.set_files([{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}])
    expect(app.tray.get_by_text("Use a PNG, JPEG or WebP image.")).to_be_visible()
    app.type_and_send("edit")
    expect(app.page.get_by_text("Remove the images that could not be used first.")).to_be_visible()
    expect(app.turns("user")).to_have_count(0)
    app.tray.get_by_role("button", name="Remove image 1").click()
    expect(app.tray).to_be_hidden()


def test_aspect_ratio_per_chat_and_per_message_and_image_only(
        open_app: Callable[..., WebApp], gemini: GeminiControl) -> None:
    app = open_app()
    app.sign_up()
    app.new_chat("Wide", aspect="16:9")
    per_message = app.page.get_by_label("Aspect ratio for this message")
    expect(per_message.locator("option:checked")).to_have_text("Chat default (16:9)")
    app.type_and_send("a beach")
    app.expect_results(1)

    per_message.select_option("3:4")
    app.page.get_by_label("Image only").check()
    app.type_and_send("a tall tower")
    app.expect_results(2)

    app.page.get_by_label("Aspect ratio for this chat").select_option("1:1")
    expect(app.page.get_by_text("New images in this chat default to 1:1.")).to_be_visible()
    expect(per_message.locator("option").first).to_have_text("Chat default (1:1)")
    per_message.select_option("")
    app.page.get_by_label("Image only").uncheck()
    app.type_and_send("a square")
    app.expect_results(3)

    calls = model_calls(gemini.requests())
    assert [c["aspectRatio"] for c in calls] == ["16:9", "3:4", "1:1"]
    assert [c["responseModalities"] for c in calls] == [["TEXT", "IMAGE"], ["IMAGE"], ["TEXT", "IMAGE"]]
