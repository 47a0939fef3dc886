"""The image library, Open in Chat, stateless edits, pinned references, presets and a new chat
with its first message (issue 10), in a browser, through what a person sees."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import expect

from tests.web.app import WebApp, png_file

RED, GREEN = (200, 40, 40), (40, 160, 60)
WARMER = "Make the lighting warmer, like golden-hour sunlight, keeping everything else unchanged."


def test_library_picker_open_in_chat_and_a_stateless_edit(open_app: Callable[..., WebApp]) -> None:
    app = open_app()
    app.sign_up()
    grid = app.open_library()
    expect(grid).to_contain_text("No images yet.")
    app.upload_to_library(png_file("red.png", RED), png_file("green.png", GREEN))
    expect(grid.locator(".library-item .name")).to_have_text(["green.png", "red.png"])  # newest first

    # Rename, by keyboard.
    app.library_item("red.png").get_by_role("button", name="Rename red.png").click()
    box = app.page.get_by_label("New name for red.png")
    expect(box).to_be_focused()
    box.fill("Red square")
    box.press("Enter")
    expect(app.library_item("Red square")).to_have_count(1)
    expect(app.library_item("Red square").get_by_role("img", name="Red square")).to_be_visible()
    app.screenshot("library")

    # Delete one (confirmed).
    app.library_item("green.png").get_by_role("button", name="Delete green.png").click()
    app.confirm("Delete this image?", "Delete image")
    expect(grid.locator(".library-item")).to_have_count(1)

    # "Add from library" in the composer: the pick sits in the tray, then goes with the message.
    app.new_chat("Picked")
    app.page.get_by_role("button", name="Add from library").click()
    app.pick_from_library("Add from library", ["Red square"], "Add")
    expect(app.tray.get_by_role("img")).to_have_attribute("alt", "Attached image 1 (Red square)")
    app.send("make it blue", results=1)
    expect(app.turns("user").first.get_by_role("img", name="Attached image 1")).to_be_visible()

    # "Save to library" on the answer.
    app.turns("model").first.get_by_role("button", name="Save to library").click()
    expect(app.page.get_by_role("status").filter(has_text="Saved to your library")).to_be_visible()

    # Open in Chat from the library: the imported image first, then an edit of it.
    grid = app.open_library()
    expect(grid.locator(".library-item")).to_have_count(2)
    app.library_item("Red square").get_by_role("button", name="Open in new chat").click()
    app.page.wait_for_url(re.compile(r".*#/chat/[^/]+$"))
    first = app.turns("model").first
    expect(first).to_contain_text("Imported image")
    expect(first.get_by_role("button", name=re.compile("^Regenerate"))).to_have_count(0)
    app.expect_results(1)
    app.send("add a hat", results=2)
    expect(app.messages()).to_have_text(["add a hat"])
    expect(app.conversation.locator(".turn").first).to_contain_text("Imported image")

    # A stateless edit: only the current image; both its turns carry the tag.
    app.page.get_by_label("Edit only the current image (no history)").check()
    app.send("make it brighter", results=3)
    expect(app.messages()).to_have_text(["add a hat", "make it brighter"])
    expect(app.turns("user").last.get_by_text("stateless", exact=True)).to_be_visible()
    expect(app.turns("model").last.get_by_text("stateless", exact=True)).to_be_visible()
    expect(app.turns("user").first.get_by_text("stateless", exact=True)).to_have_count(0)

    # "Open in new chat" on an answer's image starts another chat from it.
    chat_url = app.page.url
    app.turns("model").last.get_by_role("button", name="Open in new chat").click()
    expect(app.page).not_to_have_url(chat_url)
    expect(app.turns("model").first).to_contain_text("Imported image")
    app.expect_results(1)


def test_pinned_reference_preset_and_a_new_chat_with_its_first_message(open_app: Callable[..., WebApp]) -> None:
    app = open_app(width=375, height=740)
    app.sign_up()
    app.open_library()
    app.upload_to_library(png_file("base.png", GREEN))
    assert app.page.evaluate("document.documentElement.scrollWidth") <= 375

    app.page.get_by_role("button", name="Chats").click()  # at phone width, the list is behind "Chats"
    app.new_chat("Pinned")
    pins_button = app.page.get_by_role("button", name="Pinned references")
    pins_button.click()
    expect(pins_button).to_have_attribute("aria-expanded", "true")
    app.page.get_by_role("button", name="Pin from library").click()
    app.pick_from_library("Pin from library", ["base.png"], "Pin")
    pins = app.page.get_by_role("list", name="Pinned references")
    expect(pins.get_by_role("img")).to_have_count(1)
    expect(app.page.get_by_role("button", name="Pinned references (1)")).to_be_visible()

    # A preset: its chip, removable; its text comes first in the message.
    app.page.get_by_role("button", name="Presets").click()
    menu = app.page.get_by_role("dialog", name="Presets")
    menu.get_by_role("button", name="Studio portrait").click()
    expect(menu).to_be_hidden()
    app.page.get_by_role("button", name="Remove preset Studio portrait").click()
    expect(app.page.get_by_role("button", name="Remove preset Studio portrait")).to_have_count(0)
    app.page.get_by_role("button", name="Presets").click()
    menu.get_by_role("button", name="Warmer light").click()
    expect(app.page.get_by_role("button", name="Remove preset Warmer light")).to_be_visible()
    app.send("and add a cat", results=1)
    expect(app.messages()).to_have_text([f"{WARMER}\n\nand add a cat"])
    sent = app.turns("user").first.get_by_role("img")
    expect(sent).to_have_count(1)
    expect(sent.first).to_have_attribute("alt", "Pinned reference 1")  # the pin goes first
    expect(app.page.get_by_role("button", name="Remove preset Warmer light")).to_have_count(0)
    assert app.page.evaluate("document.documentElement.scrollWidth") <= 375

    # "Save as preset" of the current text, then delete it.
    app.message_box.fill("pixel art style")
    app.page.get_by_role("button", name="Presets").click()
    menu.get_by_label("Preset name").fill("Pixel")
    menu.get_by_role("button", name="Save as preset").click()
    expect(menu.get_by_role("button", name="Pixel", exact=True)).to_be_visible()
    menu.get_by_role("button", name="Delete preset Pixel").click()
    expect(menu.get_by_role("button", name="Pixel", exact=True)).to_have_count(0)
    menu.get_by_role("button", name="Close").click()
    app.message_box.fill("")

    # Remove the pin.
    pins.get_by_role("button", name="Remove pinned reference 1").click()
    expect(pins.get_by_role("img")).to_have_count(0)

    # A new chat with its first message: created and sent in one go.
    app.page.get_by_role("button", name="Chats").click()
    expect(app.chat_list).to_be_visible()
    app.page.get_by_role("button", name="New chat", exact=True).first.click()
    dialog = app.page.get_by_role("dialog", name="New chat")
    dialog.get_by_label("Title").fill("Lighthouse")
    dialog.get_by_label("First message", exact=True).fill("draw a lighthouse")
    dialog.get_by_label("Images for the first message").set_input_files([png_file("sky.png", RED)])
    dialog.get_by_role("button", name="Create chat").click()
    app.page.wait_for_url(re.compile(r".*#/chat/[^/]+$"), timeout=30_000)
    expect(app.page.get_by_role("heading", name="Lighthouse")).to_be_visible()
    app.expect_results(1)
    expect(app.messages()).to_have_text(["draw a lighthouse"])
    expect(app.turns("user").first.get_by_role("img", name="Attached image 1")).to_be_visible()
