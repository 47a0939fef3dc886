"""Projects in a browser (seed 003, issue 13): "Create project" on an answer, the project's page
(hero, summary, iterations), publishing it to a signed-out visitor, unpublishing, the Projects
list, delete."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import expect

from tests.support.clients import GeminiControl
from tests.web.app import WebApp

PRIVATE = "This project is private or does not exist."


def test_create_publish_unpublish_and_delete_a_project(open_app: Callable[..., WebApp]) -> None:
    app = open_app()
    app.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    app.sign_up()
    app.new_chat("Kite")
    app.send("draw a red kite", results=1)
    app.send("make it blue", results=2)
    expect(app.turns("model").get_by_role("button", name="Create project")).to_have_count(2)

    app.turns("model").last.get_by_role("button", name="Create project").click()
    dialog = app.page.get_by_role("dialog", name="Create project")
    expect(dialog.get_by_label("Title")).to_be_focused()
    expect(dialog.get_by_label("Title")).to_have_attribute("placeholder", "Nano Banana Creation: Draw a red kite")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()

    url = app.create_project(app.turns("model").last, "Blue kite")
    assert re.search(r"#/projects/[^/]+/blue-kite$", url)
    page = app.project
    expect(page.get_by_role("heading", name="Blue kite", level=2)).to_be_visible()
    app.expect_image_loaded(page.get_by_role("region", name="The Final Result").get_by_role("img"))
    journey = page.get_by_role("region", name="Creative Journey")
    expect(journey.locator("p.summary").first).not_to_be_empty()
    iterations = app.iterations()
    expect(iterations).to_have_count(2)
    expect(iterations.get_by_role("heading")).to_have_text(["Iteration 1", "Iteration 2"])
    expect(iterations.locator("blockquote")).to_have_text(["draw a red kite", "make it blue"])
    for image in iterations.get_by_role("img").all():
        app.expect_image_loaded(image)
    expect(page.get_by_text("Private: only you can see this page.")).to_be_visible()
    expect(page.get_by_role("button", name="Copy link")).to_have_count(0)

    # Rename, then publish and copy the link.
    page.get_by_role("button", name="Rename").click()
    page.get_by_label("Project title").fill("Blue kite, final")
    page.get_by_label("Project title").press("Enter")
    expect(page.get_by_role("heading", name="Blue kite, final", level=2)).to_be_visible()
    public = page.get_by_role("switch", name="Public")
    public.check()
    expect(page.get_by_role("status")).to_have_text("The project is public.")
    expect(public).to_be_checked()
    expect(public).to_be_focused()
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("status")).to_have_text("Link copied.")
    assert app.page.evaluate("navigator.clipboard.readText()") == url
    expect(page.get_by_label("Public link")).to_have_value(url)
    app.screenshot("project")

    # A signed-out visitor, at phone width, reads it.
    visitor = open_app(width=375, height=740)
    visitor.page.goto(url)
    visitor.page.reload()  # opened fresh from the link
    expect(visitor.project.get_by_role("heading", name="Blue kite, final", level=2)).to_be_visible()
    visitor.expect_image_loaded(visitor.project.get_by_role("region", name="The Final Result").get_by_role("img"))
    expect(visitor.iterations().locator("blockquote")).to_have_text(["draw a red kite", "make it blue"])
    expect(visitor.project.get_by_role("switch")).to_have_count(0)  # read-only
    expect(visitor.project.get_by_role("button", name="Delete")).to_have_count(0)
    expect(visitor.page.get_by_role("link", name="Sign in")).to_be_visible()
    assert visitor.page.evaluate("document.documentElement.scrollWidth") <= 375
    visitor.screenshot("project-public-mobile")

    # Private again: the visitor's link stops working.
    public.uncheck()
    expect(page.get_by_role("status")).to_have_text("The project is private.")
    visitor.page.reload()
    expect(visitor.page.get_by_role("heading", name=PRIVATE)).to_be_visible()

    # The Projects list links to it; delete it from its page.
    listing = app.open_projects()
    expect(listing.get_by_role("link")).to_have_count(1)
    listing.get_by_role("link", name=re.compile("Blue kite, final")).click()
    expect(page.get_by_role("heading", name="Blue kite, final", level=2)).to_be_visible()
    page.get_by_role("button", name="Delete").click()
    app.confirm("Delete this project?", "Delete project")
    expect(app.page).not_to_have_url(re.compile("#/projects"))
    expect(app.chat_list.get_by_text("Deleted the project “Blue kite, final”.")).to_be_visible()
    listing = app.open_projects()
    expect(listing.get_by_role("link")).to_have_count(0)
    expect(listing).to_contain_text("No projects yet.")
    app.page.goto(url)
    expect(app.page.get_by_role("heading", name=PRIVATE)).to_be_visible()


def test_a_project_without_a_title_and_with_the_fallback_summary(
        open_app: Callable[..., WebApp], gemini: GeminiControl) -> None:
    app = open_app(width=375, height=740)
    app.sign_up()
    app.new_chat("Boat")
    app.send("draw a sailboat at dawn", results=1)
    gemini.faults({"on": "generateContent", "status": 503, "times": 10})  # the summary's text model fails
    app.create_project(app.turns("model").last)  # no title: the server's default
    expect(app.project.get_by_role("heading", level=2)).to_have_text("Nano Banana Creation: Draw a sailboat at dawn")
    expect(app.project.get_by_text("Fallback summary")).to_be_visible()
    summary = 'Made in one step from the request "draw a sailboat at dawn".'
    expect(app.project.locator("p.summary")).to_have_text(summary)
    expect(app.iterations()).to_have_count(1)
    assert app.page.evaluate("document.documentElement.scrollWidth") <= 375
