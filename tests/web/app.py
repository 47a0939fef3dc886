"""The web app as a person uses it: a thin page object over Playwright, named for what people do."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

from devtools.stack import Stack
from tests.integration.helpers import png_bytes

PASSWORD = "correct horse battery staple"
_emails = itertools.count(1)


def new_email() -> str:
    return f"web{next(_emails)}@example.com"


def png_file(name: str, color: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> dict[str, Any]:
    """A file for `set_input_files`."""
    return {"name": name, "mimeType": "image/png", "buffer": png_bytes(color, size)}


class WebApp:
    def __init__(self, page: Page, stack: Stack, artifacts: Path) -> None:
        self.page = page
        self.stack = stack
        self.artifacts = artifacts
        self.page_errors: list[str] = []
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def assert_no_page_errors(self) -> None:
        assert not self.page_errors, f"uncaught errors in the page: {self.page_errors}"

    def screenshot(self, name: str) -> Path:
        path = self.artifacts / f"{name}.png"
        self.page.screenshot(path=path)
        return path

    # Signing in --------------------------------------------------------------------------
    def sign_up(self, email: str | None = None, password: str = PASSWORD) -> str:
        email = email or new_email()
        self._credentials(email, password)
        self.page.get_by_role("button", name="Create account").click()
        self.expect_signed_in()
        return email

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        self._credentials(email, password)
        self.page.get_by_role("button", name="Sign in", exact=True).click()
        self.expect_signed_in()

    def _credentials(self, email: str, password: str) -> None:
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)

    def expect_signed_in(self) -> None:
        expect(self.page.get_by_role("button", name="Sign out")).to_be_visible()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        expect(self.page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()

    # Chats -------------------------------------------------------------------------------
    @property
    def chat_list(self) -> Locator:
        return self.page.get_by_role("navigation", name="Chats")

    def chat_titles(self) -> Locator:
        return self.chat_list.locator(".session-item .title")

    def new_chat(self, title: str | None = None, *, model: str | None = None, size: str | None = None,
                 aspect: str | None = None, region_context: bool = False) -> str:
        """Creates a chat through the dialog; returns its id (from the URL)."""
        self.page.get_by_role("button", name="New chat", exact=True).first.click()
        dialog = self.page.get_by_role("dialog", name="New chat")
        if title:
            dialog.get_by_label("Title").fill(title)
        if model:
            dialog.get_by_label("Model", exact=True).select_option(model)
        if size:
            dialog.get_by_label("Image size").select_option(size)
        if aspect:
            dialog.get_by_label("Aspect ratio").select_option(aspect)
        if region_context:
            dialog.get_by_label("Region edits: also show the model the whole image").check()
        dialog.get_by_role("button", name="Create chat").click()
        self.page.wait_for_url(re.compile(r".*#/chat/[^/]+$"))
        expect(self.message_box).to_be_focused()
        return self.page.url.rsplit("/", 1)[1]

    # The open chat -----------------------------------------------------------------------
    @property
    def message_box(self) -> Locator:
        return self.page.get_by_role("textbox", name="Message")

    @property
    def conversation(self) -> Locator:
        return self.page.get_by_role("list", name="Conversation")

    def turns(self, role: str, status: str | None = None) -> Locator:
        """Turns stored in Firestore (shown through onSnapshot), not the page's own unsent bubbles."""
        selector = f".turn.{role}:not(.local)" + (f'[data-status="{status}"]' if status else "")
        return self.conversation.locator(selector)

    def messages(self) -> Locator:
        """The text of each stored user turn the chat shows (without its buttons)."""
        return self.turns("user").locator(".bubble .text")

    def unsent(self) -> Locator:
        """Sends the server has not stored (yet): the page's own bubbles."""
        return self.conversation.locator(".turn.local")

    def results(self) -> Locator:
        """Every result image of the conversation, oldest first."""
        return self.conversation.locator(".turn.model .results img")

    @property
    def tray(self) -> Locator:
        return self.page.get_by_role("list", name="Images to send, in order")

    def attach(self, *files: dict[str, Any]) -> None:
        """Through the "Add images" file picker; waits until every image is uploaded."""
        with self.page.expect_file_chooser() as chooser:
            self.page.get_by_role("button", name="Add images").click()
        chooser.value.set_files(list(files))  # type: ignore[arg-type]
        self.expect_uploaded()

    def expect_uploaded(self) -> None:
        expect(self.tray.get_by_text("Uploading…")).to_have_count(0)

    def type_and_send(self, text: str) -> None:
        self.message_box.fill(text)
        self.message_box.press("Enter")

    def expect_working(self) -> None:
        expect(self.conversation.get_by_role("status").filter(has_text="Working on your image")).to_be_visible()

    def expect_results(self, count: int) -> None:
        expect(self.results()).to_have_count(count, timeout=30_000)
        expect(self.conversation.get_by_role("status")).to_have_count(0)

    def send(self, text: str, *, results: int) -> None:
        """Sends and waits until the chat shows `results` result images (and nothing running)."""
        self.type_and_send(text)
        self.expect_results(results)

    def confirm(self, title: str, button: str) -> None:
        """Answers the app's own yes/no dialog."""
        dialog = self.page.get_by_role("dialog", name=title)
        dialog.get_by_role("button", name=button).click()
        expect(dialog).to_be_hidden()

    # The conversation tree ---------------------------------------------------------------
    def switcher(self, turn: Locator, noun: str) -> Locator:
        """The "‹ 2 / 3 ›" group of a turn: noun "Version" (a user turn) or "Answer" (a model turn)."""
        return turn.get_by_role("group", name=re.compile(rf"^{noun} \d+ of \d+$"))

    # Projects ----------------------------------------------------------------------------
    def create_project(self, answer: Locator, title: str | None = None) -> str:
        """"Create project" on a model turn, through its dialog; returns the project's URL once its page shows."""
        answer.get_by_role("button", name="Create project").click()
        dialog = self.page.get_by_role("dialog", name="Create project")
        if title:
            dialog.get_by_label("Title").fill(title)
        dialog.get_by_role("button", name="Create project").click()
        self.page.wait_for_url(re.compile(r".*#/projects/[^/]+/[^/]+$"), timeout=30_000)
        expect(self.project.get_by_role("heading", level=2)).to_be_visible()
        return self.page.url

    @property
    def project(self) -> Locator:
        """The project page shown (an article named by its title)."""
        return self.page.locator("article.project-page")

    def iterations(self) -> Locator:
        return self.project.get_by_role("region", name=re.compile(r"^Iteration \d+$"))

    def expect_image_loaded(self, image: Locator) -> None:
        expect(image).to_be_visible()
        image.evaluate("img => img.decode()")  # rejects when the bytes do not load
        assert image.evaluate("img => img.naturalWidth") > 0

    def open_projects(self) -> Locator:
        """The "Projects" link in the top bar; returns the list of the user's projects."""
        self.page.get_by_role("link", name="Projects").click()
        listing = self.page.get_by_role("list", name="Your projects")
        expect(listing).to_be_visible()
        return listing

    # The image library, presets, pinned references (issue 10) ------------------------------
    def open_library(self) -> Locator:
        """The "Library" link in the top bar; returns the grid of the user's images."""
        self.page.get_by_role("link", name="Library").click()
        grid = self.page.get_by_role("list", name="Your images")
        expect(grid).to_be_visible()
        return grid

    def upload_to_library(self, *files: dict[str, Any]) -> None:
        """On the Library screen: "Upload images"; waits until each shows in the grid."""
        grid = self.page.get_by_role("list", name="Your images")
        before = grid.locator(".library-item").count()
        with self.page.expect_file_chooser() as chooser:
            self.page.get_by_role("button", name="Upload images").click()
        chooser.value.set_files(list(files))  # type: ignore[arg-type]
        expect(grid.locator(".library-item")).to_have_count(before + len(files))

    def pick_from_library(self, dialog_name: str, names: list[str], confirm: str) -> None:
        """Ticks library images by name in the picker dialog (in that order) and confirms."""
        dialog = self.page.get_by_role("dialog", name=dialog_name)
        for name in names:
            dialog.get_by_label(name, exact=True).check()
        dialog.get_by_role("button", name=confirm, exact=True).click()
        expect(dialog).to_be_hidden()

    def library_item(self, name: str) -> Locator:
        return self.page.get_by_role("list", name="Your images").locator(".library-item").filter(
            has=self.page.get_by_text(name, exact=True))
