"""The chat list in a browser: rename, delete with confirmation, newest first, more on scroll, and
one user's chats invisible to another."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from devtools.stack import Stack
from tests.integration.helpers import new_session
from tests.support.clients import ApiClient, AuthEmulator
from tests.web.app import PASSWORD, WebApp


def test_rename_then_delete_a_chat_after_confirming(open_app: Callable[..., WebApp]) -> None:
    app = open_app()
    app.sign_up()
    app.new_chat("First")
    app.new_chat("Second")
    expect(app.chat_titles()).to_have_text(["Second", "First"])

    app.chat_list.get_by_role("button", name="Rename “First”").click()
    title = app.chat_list.get_by_role("textbox", name="Chat title")
    expect(title).to_be_focused()
    title.fill("Beach at noon")
    title.press("Enter")
    # Renaming is activity: the chat moves to the top.
    expect(app.chat_titles()).to_have_text(["Beach at noon", "Second"])
    expect(app.chat_list.get_by_role("status")).to_have_text("Renamed to “Beach at noon”.")

    # Escape leaves the title as it was.
    app.chat_list.get_by_role("button", name="Rename “Second”").click()
    app.chat_list.get_by_role("textbox", name="Chat title").fill("Never mind")
    app.chat_list.get_by_role("textbox", name="Chat title").press("Escape")
    expect(app.chat_titles()).to_have_text(["Beach at noon", "Second"])

    # Delete asks first; Cancel keeps the chat.
    app.chat_list.get_by_role("button", name="Delete “Second”").click()
    confirm = app.page.get_by_role("dialog", name="Delete “Second”?")
    expect(confirm).to_be_visible()
    app.screenshot("delete-confirm")
    confirm.get_by_role("button", name="Cancel").click()
    expect(app.chat_titles()).to_have_text(["Beach at noon", "Second"])

    app.chat_list.get_by_role("button", name="Delete “Second”").click()
    confirm.get_by_role("button", name="Delete chat").click()
    expect(app.chat_titles()).to_have_text(["Beach at noon"])
    # Second was the open chat: the page no longer shows it.
    expect(app.page.get_by_role("heading", name="Pick a chat or start a new one")).to_be_visible()

    app.page.reload()
    expect(app.chat_titles()).to_have_text(["Beach at noon"])


def test_the_list_is_newest_first_and_loads_older_chats_on_scroll(
        stack: Stack, open_app: Callable[..., WebApp]) -> None:
    user = AuthEmulator(stack).sign_up()
    for number in range(1, 26):
        new_session(user, title=f"Chat {number:02d}")
    app = open_app(height=700)
    app.sign_in(user.email or "", PASSWORD)
    titles = app.chat_titles()
    expect(titles).to_have_count(20)  # one page
    expect(titles.first).to_have_text("Chat 25")
    app.chat_list.get_by_role("button", name="Load older chats").scroll_into_view_if_needed()
    expect(titles).to_have_count(25)
    expect(titles.last).to_have_text("Chat 01")
    expect(app.chat_list.get_by_role("button", name="Load older chats")).to_be_hidden()


def test_another_user_sees_none_of_the_first_users_chats(
        open_app: Callable[..., WebApp], make_user: Callable[..., ApiClient]) -> None:
    first = open_app()
    first.sign_up()
    chat_id = first.new_chat("Private")

    second = open_app()
    second.sign_up()
    expect(second.chat_list.get_by_text("No chats yet")).to_be_visible()
    # Even with the link, the other user's chat does not open (Firestore rules and the API).
    second.page.goto(f"/#/chat/{chat_id}")
    expect(second.page.get_by_role("heading", name="This chat is not here")).to_be_visible()
    expect(second.chat_titles()).to_have_count(0)
    expect(second.page.get_by_text("Private")).to_have_count(0)
