"""A learner flags and buries cards during review with Anki's keys, then undoes both with Z:
each undo names what it took back and the buried card comes back on screen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.test_learner_journey import card_id, wait_for_side

PASSWORD = "correct horse battery"


def _api(page: Page, method: str, path: str, token: str | None, body: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = page.request.fetch(path, method=method, data=body, headers=headers)
    assert response.ok, (path, response.status, response.text())
    return response.json() if response.text() else None


def _card_row(page: Page, token: str, cid: str) -> dict[str, Any]:
    rows = page.request.get(
        "/api/cards", params={"q": f"cid:{cid}"}, headers={"Authorization": f"Bearer {token}"}
    ).json()["cards"]
    assert len(rows) == 1
    row: dict[str, Any] = rows[0]
    return row


def test_flag_bury_and_undo_during_review(
    new_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    page = new_page(width=390, height=844)  # the phone layout
    _api(page, "POST", "/register", None, {"username": "flagger", "password": PASSWORD})
    login = _api(page, "POST", "/login", None, {"username": "flagger", "password": PASSWORD})
    token = login["access_token"]
    deck_id = _api(page, "POST", "/api/decks", token, {"name": "Verbs"})["id"]
    for front, back in (("hablar", "to speak"), ("comer", "to eat"), ("vivir", "to live")):
        _api(page, "POST", "/api/cards", token, {"deck_id": deck_id, "front": front, "back": back})

    page.goto("/")
    page.get_by_label("Username").fill("flagger")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.get_by_role("heading", name="Decks")).to_be_visible()
    page.locator('[data-deck="Verbs"]').get_by_role("link", name="Verbs").click()
    wait_for_side(page, "question")
    first = card_id(page)

    page.keyboard.press("Control+1")
    notice = page.get_by_test_id("review-notice")
    expect(notice).to_have_text("Flag 1 set")
    assert _card_row(page, token, first)["flags"] == 1

    page.keyboard.press("-")
    expect(notice).to_have_text("Card buried")
    expect(page.locator(".card-stage")).not_to_have_attribute("data-card-id", first)
    assert _card_row(page, token, first)["queue"] == -3

    # the same from the More menu on the phone: bury the second card's note
    second = card_id(page)
    page.get_by_role("button", name="More").click()
    screenshot(page, "30-review-more-menu-phone")
    page.get_by_role("menuitem", name="Bury note").click()
    expect(notice).to_have_text("Note buried")
    expect(page.locator(".card-stage")).not_to_have_attribute("data-card-id", second)

    page.keyboard.press("z")
    expect(notice).to_have_text("Undone: Bury Note")
    expect(page.locator(".card-stage")).to_have_attribute("data-card-id", second)
    page.keyboard.press("z")
    expect(notice).to_have_text("Undone: Bury Card")
    expect(page.locator(".card-stage")).to_have_attribute("data-card-id", first)
    assert _card_row(page, token, first)["queue"] == 0
    page.keyboard.press("Control+z")
    expect(notice).to_have_text("Undone: Flag Card")
    assert _card_row(page, token, first)["flags"] == 0
