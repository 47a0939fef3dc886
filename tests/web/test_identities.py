"""The Identities screen (#/identities): reference photos, start and continue an identity chat, in a browser."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import expect

from tests.support.clients import ApiClient
from tests.web.app import WebApp, png_file


def test_identity_chat_start_continue_and_no_references(open_app: Callable[..., WebApp], admin: ApiClient) -> None:
    response = admin.rest("POST", "/api/v1/admin/identities/", json={
        "name": "The Artist", "description": "A painter in a sunlit studio", "default_image_size": "1K"})
    assert response.status_code == 200, response.text

    app = open_app(width=375, height=740)
    app.sign_up()
    page = app.page
    page.get_by_role("link", name="Identities").click()
    expect(page.get_by_role("heading", name="Identities")).to_be_visible()
    expect(page.get_by_role("radio", name="The Artist")).to_be_checked()
    expect(page.get_by_text("A painter in a sunlit studio")).to_be_visible()
    expect(page.get_by_text("No identity chat yet.")).to_be_visible()

    # Without photos, the server's own words.
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("alert")).to_contain_text(re.compile(r"^No reference images found for user "))

    # Upload a photo, start: an image and the chat's status.
    refs = page.get_by_role("list", name="Your reference photos")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Upload reference photo").click()
    chooser.value.set_files([png_file("me.png", (10, 120, 200))])  # type: ignore[arg-type]
    expect(refs.get_by_role("img", name="Reference photo 1")).to_be_visible()
    page.get_by_label("Additional prompt (optional)").fill("with a beret")
    page.get_by_role("button", name="Start").click()
    result = page.get_by_role("region", name="Result")
    image = result.get_by_role("img", name="You as The Artist")
    expect(image).to_be_visible(timeout=30_000)
    app.expect_image_loaded(image)
    first_src = image.get_attribute("src")
    expect(page.get_by_text("Active chat as The Artist.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # Continue: the next image.
    edit = page.get_by_label("Edit", exact=True)
    expect(edit).to_be_focused()
    edit.fill("make it warmer")
    edit.press("Enter")
    expect(image).not_to_have_attribute("src", first_src or "", timeout=30_000)
    app.expect_image_loaded(image)
    expect(edit).to_have_value("")
    app.screenshot("identities")

    # "Open in chat": the ordinary chat with both exchanges.
    href = result.get_by_role("link", name="Open in chat").get_attribute("href")
    assert href and re.fullmatch(r"#/chat/[^/]+", href)

    # Delete the photo: Start now answers "No reference images found…" again.
    refs.get_by_role("button", name="Delete reference photo 1").click()
    expect(refs.get_by_role("img")).to_have_count(0)
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("alert")).to_contain_text("No reference images found for user")
