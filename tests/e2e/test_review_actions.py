"""A learner flags and buries cards during review with Anki's keys, then undoes both with Z:
each undo names what it took back and the buried card comes back on screen. With the preset's
timer on, the answer timer counts on screen; a due date is set in Anki's syntax and undone."""

from __future__ import annotations

import re
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
    expect(page.get_by_role("img", name="Red flag")).to_be_visible()
    expect(page.locator(".card-stage")).to_have_attribute("data-flag", "1")
    screenshot(page, "29-review-flagged-phone")
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
    expect(page.get_by_role("img", name="Red flag")).to_have_count(0)
    assert _card_row(page, token, first)["flags"] == 0

    # suspending takes the card away; undo brings it back on screen, as in Anki
    page.keyboard.press("@")
    expect(notice).to_have_text("Card suspended")
    expect(page.locator(".card-stage")).not_to_have_attribute("data-card-id", first)
    assert _card_row(page, token, first)["queue"] == -1
    page.keyboard.press("z")
    expect(notice).to_have_text("Undone: Suspend Card")
    expect(page.locator(".card-stage")).to_have_attribute("data-card-id", first)
    assert _card_row(page, token, first)["queue"] == 0

    # the steps live on the server: a review page opened afresh undoes a burial, card on screen
    page.keyboard.press("-")
    expect(notice).to_have_text("Card buried")
    page.reload()
    wait_for_side(page, "question")
    expect(page.locator(".card-stage")).not_to_have_attribute("data-card-id", first)
    page.keyboard.press("z")
    expect(page.get_by_test_id("review-notice")).to_have_text("Undone: Bury Card")
    expect(page.locator(".card-stage")).to_have_attribute("data-card-id", first)


def test_timer_mark_and_set_due_date_during_review(
    new_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    page = new_page(width=390, height=844)
    _api(page, "POST", "/register", None, {"username": "timer", "password": PASSWORD})
    login = _api(page, "POST", "/login", None, {"username": "timer", "password": PASSWORD})
    token = login["access_token"]
    deck_id = _api(page, "POST", "/api/decks", token, {"name": "Clock"})["id"]
    for front in ("uno", "dos"):
        _api(page, "POST", "/api/cards", token, {"deck_id": deck_id, "front": front, "back": "x"})
    preset_id = _api(page, "GET", f"/api/decks/{deck_id}", token, None)["preset_id"]
    timer_on = {"show_timer": True, "cap_answer_time_to_secs": 20}
    _api(page, "PUT", f"/api/presets/{preset_id}", token, timer_on)

    page.goto("/")
    page.get_by_label("Username").fill("timer")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.locator('[data-deck="Clock"]').get_by_role("link", name="Clock").click()
    wait_for_side(page, "question")
    timer = page.get_by_role("timer", name="Answer timer")
    expect(timer).to_have_text(re.compile(r"^0:0[1-9]$"))
    first = card_id(page)

    page.keyboard.press("*")
    expect(page.get_by_role("img", name="Marked")).to_be_visible()
    screenshot(page, "31-review-marked-timer-phone")
    expect(page.get_by_test_id("review-notice")).to_have_text("Note marked")
    assert "marked" in _card_row(page, token, first)["tags"]

    page.get_by_role("button", name="More").click()
    page.get_by_role("menuitem", name="Set due date").click()
    dialog = page.get_by_role("dialog", name="Set Due Date")
    dialog.get_by_label("Show card in how many days?").fill("soon")
    dialog.get_by_role("button", name="OK").click()
    expect(dialog.get_by_role("alert")).to_be_visible()
    dialog.get_by_label("Show card in how many days?").fill("3-7!")
    screenshot(page, "31-review-set-due-date-phone")
    dialog.get_by_role("button", name="OK").click()
    expect(page.get_by_test_id("review-notice")).to_have_text("Due date set (3-7!)")
    expect(page.locator(".card-stage")).not_to_have_attribute("data-card-id", first)
    row = _card_row(page, token, first)
    assert (row["type"], row["queue"]) == (2, 2) and 3 <= row["ivl"] <= 7

    page.keyboard.press("z")
    expect(page.get_by_test_id("review-notice")).to_have_text("Undone: Set Due Date")
    expect(page.locator(".card-stage")).to_have_attribute("data-card-id", first)
    assert _card_row(page, token, first)["type"] == 0

    page.keyboard.press("Control+Alt+n")
    forget = page.get_by_role("dialog", name="Reset Card")
    expect(forget.get_by_label("Restore original position where possible")).to_be_checked()
    expect(forget.get_by_label("Reset repetition and lapse counts")).not_to_be_checked()
    forget.get_by_role("button", name="Cancel").click()
    expect(forget).to_have_count(0)
    expect(page.locator(".card-stage")).to_have_attribute("data-card-id", first)

    # deleting the note asks nothing, as in Anki: it is one undo away
    page.keyboard.press("Control+Delete")
    expect(page.get_by_test_id("review-notice")).to_have_text("Note deleted")
    expect(page.locator(".card-stage")).not_to_have_attribute("data-card-id", first)
    page.keyboard.press("z")
    expect(page.get_by_test_id("review-notice")).to_have_text("Undone: Delete Note")
    expect(page.locator(".card-stage")).to_have_attribute("data-card-id", first)
    assert _card_row(page, token, first)["type"] == 0

    # both cards buried: the finished screen says so and unburies them on request
    page.keyboard.press("-")
    expect(page.locator(".card-stage")).not_to_have_attribute("data-card-id", first)
    page.keyboard.press("-")
    expect(page.get_by_test_id("done-for-today")).to_be_visible()
    expect(page.get_by_test_id("buried-cards")).to_contain_text("shown tomorrow")
    page.get_by_role("button", name="unbury them").click()
    expect(page.locator(".card-stage")).to_be_visible()
    assert _card_row(page, token, first)["queue"] == 0


def test_auto_advance_follows_the_preset_once_turned_on(new_page: Callable[..., Page]) -> None:
    page = new_page()
    _api(page, "POST", "/register", None, {"username": "advance", "password": PASSWORD})
    login = _api(page, "POST", "/login", None, {"username": "advance", "password": PASSWORD})
    token = login["access_token"]
    deck_id = _api(page, "POST", "/api/decks", token, {"name": "Hands free"})["id"]
    for front in ("eins", "zwei"):
        _api(page, "POST", "/api/cards", token, {"deck_id": deck_id, "front": front, "back": "x"})
    preset_id = _api(page, "GET", f"/api/decks/{deck_id}", token, None)["preset_id"]
    advance = {"seconds_to_show_question": 1, "seconds_to_show_answer": 1, "answer_action": 2}
    _api(page, "PUT", f"/api/presets/{preset_id}", token, advance)

    page.goto("/")
    page.get_by_label("Username").fill("advance")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.locator('[data-deck="Hands free"]').get_by_role("link", name="Hands free").click()
    wait_for_side(page, "question")
    first = card_id(page)
    page.keyboard.press("Shift+A")
    expect(page.get_by_test_id("review-reminder")).to_have_text("Auto Advance enabled")
    # after a second the answer shows, after another the card is answered Good
    wait_for_side(page, "answer")
    expect(page.locator(".card-stage")).not_to_have_attribute("data-card-id", first)
    expect(page.get_by_test_id("save-status")).to_have_text("Saved")
    assert _card_row(page, token, first)["reps"] == 1
