"""The learner's account in a real browser: a page opened while logged out comes back after the
login, the password is changed, other logins end everywhere, and the account is deleted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.test_learner_journey import register

OLD = "correct horse battery"
NEW = "staple battery horse"


def log_in(page: Page, username: str, password: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.locator("form button[type=submit]").click()


def test_a_page_opened_while_logged_out_comes_back_after_login(
    new_page: Callable[..., Page],
) -> None:
    page = new_page()
    register(page, "returner", OLD)
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url("/login")

    page.goto("/browse?q=deck:Default")
    expect(page).to_have_url("/login")
    log_in(page, "returner", OLD)
    expect(page).to_have_url("/browse?q=deck:Default")
    expect(page.get_by_role("heading", name="Browse")).to_be_visible()
    expect(page.get_by_label("Search")).to_have_value("deck:Default")


def test_change_password_log_out_everywhere_and_delete_the_account(
    new_page: Callable[..., Page], screenshot: Callable[[Page, str], Path], console_errors: Any
) -> None:
    # Ended logins and a wrong password are refused by the server, as they should be.
    console_errors.allow("status of 401")
    console_errors.allow("status of 403")
    page = new_page()
    register(page, "closer", OLD)
    other = new_page()
    other.goto("/login")
    log_in(other, "closer", OLD)
    expect(other.get_by_role("heading", name="Decks")).to_be_visible()

    # Change the password: this login carries on, the other one ends.
    page.get_by_role("link", name="closer").click()
    expect(page.get_by_role("heading", name="Account", exact=True)).to_be_visible()
    page.get_by_label("Current password").fill(OLD)
    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("New password again").fill(NEW)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Password changed.")).to_be_visible()
    screenshot(page, "11-account")
    page.get_by_role("link", name="Decks").click()
    expect(page.get_by_role("heading", name="Decks")).to_be_visible()
    other.reload()
    expect(other).to_have_url("/login")

    # The new password logs in; then logging out everywhere ends this login too.
    other.goto("/login")
    log_in(other, "closer", NEW)
    expect(other.get_by_role("heading", name="Decks")).to_be_visible()
    other.on("dialog", lambda dialog: dialog.accept())
    other.goto("/account")
    other.get_by_role("button", name="Log out everywhere").click()
    expect(other).to_have_url("/login")
    page.reload()
    expect(page).to_have_url("/login")

    # Deleting the account takes the password; afterwards nobody logs in with it.
    log_in(page, "closer", NEW)
    expect(page.get_by_role("heading", name="Decks")).to_be_visible()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/account")
    form = page.get_by_role("form", name="Delete account")
    form.get_by_label("Password").fill("not the password")
    form.get_by_role("button", name="Delete my account").click()
    expect(form.get_by_role("alert")).to_be_visible()
    expect(page).to_have_url("/account")
    form.get_by_label("Password").fill(NEW)
    form.get_by_role("button", name="Delete my account").click()
    expect(page).to_have_url("/login")
    log_in(page, "closer", NEW)
    expect(page.get_by_role("alert")).to_contain_text("wrong username or password")
