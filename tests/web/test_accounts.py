"""Accounts in a browser: sign in and out, wrong passwords, password reset, and a guest ("try it")
who later saves their chats to an email account."""

from __future__ import annotations

from collections.abc import Callable

import requests
from playwright.sync_api import expect

from devtools.stack import Stack
from tests.web.app import PASSWORD, WebApp, new_email


def test_sign_out_and_back_in_with_a_wrong_password_first(open_app: Callable[..., WebApp]) -> None:
    app = open_app()
    email = app.sign_up()
    app.new_chat("Kept")
    app.sign_out()
    app.page.get_by_label("Email").fill(email)
    app.page.get_by_label("Password").fill("not the password")
    app.page.get_by_role("button", name="Sign in", exact=True).click()
    expect(app.page.get_by_role("alert")).to_have_text("That email and password do not match an account.")
    app.sign_in(email)
    expect(app.chat_titles()).to_have_text(["Kept"])


def test_password_reset_sends_a_reset_link(stack: Stack, open_app: Callable[..., WebApp]) -> None:
    app = open_app()
    email = app.sign_up()
    app.sign_out()
    app.page.get_by_role("button", name="Forgot your password?").click()
    expect(app.page.get_by_role("alert")).to_contain_text("Enter your email above")
    app.page.get_by_label("Email").fill(email)
    app.page.get_by_role("button", name="Forgot your password?").click()
    expect(app.page.get_by_role("status")).to_have_text(f"If {email} has an account, a reset link is on its way.")
    # The Auth emulator keeps the link it would have mailed.
    codes = requests.get(f"http://{stack.auth_host}/emulator/v1/projects/{stack.project_id}/oobCodes",
                         timeout=10).json()["oobCodes"]
    assert [(c["email"], c["requestType"]) for c in codes] == [(email, "PASSWORD_RESET")]


def test_a_guest_saves_their_chats_to_an_account_and_finds_them_after_signing_in(
        open_app: Callable[..., WebApp]) -> None:
    app = open_app()
    app.page.get_by_role("button", name="Try it without an account").click()
    app.expect_signed_in()
    expect(app.page.get_by_text("Guest", exact=True)).to_be_visible()
    app.new_chat("Guest chat")
    app.type_and_send("draw a sailboat")
    app.expect_results(1)

    app.page.get_by_role("button", name="Save your chats").click()
    dialog = app.page.get_by_role("dialog", name="Save your chats to an account")
    email = new_email()
    dialog.get_by_label("Email").fill(email)
    dialog.get_by_label("Password").fill(PASSWORD)
    app.screenshot("save-guest-chats")
    dialog.get_by_role("button", name="Create account").click()
    expect(dialog).to_be_hidden()
    expect(app.page.get_by_text(email)).to_be_visible()
    expect(app.page.get_by_role("button", name="Save your chats")).to_be_hidden()

    app.sign_out()  # an account signs out without the guest warning
    app.sign_in(email)
    expect(app.chat_titles()).to_have_text(["Guest chat"])
    app.chat_list.get_by_role("link", name="Guest chat").click()
    app.expect_results(1)


def test_a_guest_is_warned_before_signing_out(open_app: Callable[..., WebApp]) -> None:
    app = open_app()
    app.page.get_by_role("button", name="Try it without an account").click()
    app.page.get_by_role("button", name="Sign out").click()
    warning = app.page.get_by_role("dialog", name="Sign out of the guest session?")
    expect(warning).to_be_visible()
    warning.get_by_role("button", name="Cancel").click()
    app.expect_signed_in()
    app.page.get_by_role("button", name="Sign out").click()
    warning.get_by_role("button", name="Sign out and lose the chats").click()
    expect(app.page.get_by_role("button", name="Try it without an account")).to_be_visible()
