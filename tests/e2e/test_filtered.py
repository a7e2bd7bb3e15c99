"""A learner raises today's new-card limit and previews new cards with custom study, studies
ahead with custom study, then builds a filtered deck from the deck menu, edits it through its
Options (filled with what was saved), rebuilds and empties it: the counts of the deck list
follow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.test_learner_journey import (
    access_token,
    card_id,
    register,
    seed_cards,
    wait_for_side,
)


def _open_menu(page: Page, deck: str) -> None:
    page.locator(f'[data-deck="{deck}"]').get_by_label(f"Actions for {deck}").click()


def test_custom_study_and_a_filtered_deck(
    new_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    page = new_page()
    register(page, "filtered.learner", "correct horse battery")
    seed_cards(page, "Italian", [f"parola {i}" for i in range(30)])
    page.reload()
    italian = page.locator('[data-deck="Italian"]')
    expect(italian.locator(".count--new")).to_have_text("20")

    _open_menu(page, "Italian")
    italian.get_by_role("button", name="Custom study").click()
    study = page.get_by_role("dialog", name="Custom study: Italian")
    study.get_by_label("Increase today's new card limit", exact=True).check()
    expect(study.get_by_test_id("custom-study-available")).to_have_text("Available new cards: 30")
    study.get_by_label("Increase today's new card limit by").fill("5")
    study.get_by_role("button", name="OK").click()
    expect(italian.locator(".count--new")).to_have_text("25")

    _open_menu(page, "Italian")
    italian.get_by_role("button", name="Custom study").click()
    study.get_by_label("Preview new cards", exact=True).check()
    study.get_by_label("Preview new cards added in the last").fill("1")
    screenshot(page, "custom-study")
    study.get_by_role("button", name="OK").click()
    session = page.locator('[data-deck="Custom Study Session"]')
    expect(session.locator(".count--review")).to_have_text("30")
    expect(italian.locator(".count--new")).to_have_text("0")

    _open_menu(page, "Custom Study Session")
    session.get_by_role("button", name="Empty").click()
    expect(italian.locator(".count--new")).to_have_text("25")

    _open_menu(page, "Italian")
    italian.get_by_role("button", name="Filtered deck").click()
    dialog = page.get_by_role("dialog", name="Filtered deck")
    expect(dialog.get_by_label("Search", exact=True)).to_have_value("deck:Italian is:due")
    dialog.get_by_label("Name").fill("Cram")
    dialog.get_by_label("Search", exact=True).fill("deck:Italian")
    dialog.get_by_label("Limit", exact=True).fill("10")
    dialog.get_by_label("Reschedule cards based on my answers in this deck").uncheck()
    dialog.get_by_label("Delay for Again").fill("30")
    dialog.get_by_role("button", name="Build").click()
    cram = page.locator('[data-deck="Cram"]')
    expect(cram.locator(".count--review")).to_have_text("10")

    # Options on the filtered deck: the dialog opens with what was saved; a second filter is
    # added and the deck rebuilt with it.
    _open_menu(page, "Cram")
    cram.get_by_role("button", name="Options").click()
    dialog = page.get_by_role("dialog", name="Filtered deck")
    expect(dialog.get_by_role("heading", name="Filtered deck: Cram")).to_be_visible()
    expect(dialog.get_by_label("Search", exact=True)).to_have_value("deck:Italian")
    expect(dialog.get_by_label("Limit", exact=True)).to_have_value("10")
    expect(dialog.get_by_label("Delay for Again")).to_have_value("30")
    dialog.get_by_label("Limit", exact=True).fill("4")
    dialog.get_by_label("Enable second filter").check()
    dialog.get_by_label("Search 2").fill('"deck:Italian" parola')
    dialog.get_by_label("Limit 2").fill("3")
    screenshot(page, "filtered-deck-options")
    dialog.get_by_role("button", name="Rebuild").click()
    expect(cram.locator(".count--review")).to_have_text("7")

    _open_menu(page, "Cram")
    cram.get_by_role("button", name="Empty").click()
    expect(cram.locator(".count--review")).to_have_text("0")
    _open_menu(page, "Cram")
    cram.get_by_role("button", name="Rebuild").click()
    expect(cram.locator(".count--review")).to_have_text("7")
    _open_menu(page, "Cram")
    cram.get_by_role("button", name="Empty").click()
    expect(cram.locator(".count--review")).to_have_text("0")
    expect(italian.locator(".count--new")).to_have_text("25")


def test_studying_ahead_with_custom_study_on_a_phone(
    new_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    page = new_page(width=390, height=844)
    register(page, "ahead.learner", "correct horse battery")
    deck_id = seed_cards(page, "Greek", [f"λέξη {i}" for i in range(6)])
    headers = {"Authorization": f"Bearer {access_token(page)}"}
    cards = page.request.get(
        "/api/cards", params={"deck_id": deck_id, "page_size": 50}, headers=headers
    ).json()["cards"]
    ahead = [c["card_id"] for c in cards[:4]]
    # four cards become reviews due in three days: nothing of them is due today
    moved = page.request.post(
        "/api/cards/set-due", data={"card_ids": ahead, "days": "3!"}, headers=headers
    )
    assert moved.ok, moved.text()
    page.reload()
    greek = page.locator('[data-deck="Greek"]')
    expect(greek.locator(".count--review")).to_have_text("0")

    # the filtered deck dialog fits a phone: its second filter and preview delays too
    _open_menu(page, "Greek")
    greek.get_by_role("button", name="Filtered deck").click()
    dialog = page.get_by_role("dialog", name="Filtered deck")
    dialog.get_by_label("Enable second filter").check()
    dialog.get_by_label("Reschedule cards based on my answers in this deck").uncheck()
    expect(dialog.get_by_label("Delay for Good")).to_have_value("0")
    screenshot(page, "filtered-deck-phone")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)

    _open_menu(page, "Greek")
    greek.get_by_role("button", name="Custom study").click()
    study = page.get_by_role("dialog", name="Custom study: Greek")
    study.get_by_label("Review ahead", exact=True).check()
    study.get_by_label("Review ahead by").fill("7")
    screenshot(page, "custom-study-review-ahead-phone")
    study.get_by_role("button", name="OK").click()
    session = page.locator('[data-deck="Custom Study Session"]')
    expect(session.locator(".count--review")).to_have_text("4")

    session.get_by_role("link", name="Custom Study Session").click()
    wait_for_side(page, "question")
    first = card_id(page)
    assert int(first) in ahead
    page.keyboard.press("Space")
    wait_for_side(page, "answer")
    page.keyboard.press("3")
    expect(page.locator(".card-stage")).not_to_have_attribute("data-card-id", first)
    expect(page.get_by_test_id("save-status")).to_have_text("Saved")
    page.locator(".review-head").get_by_role("link", name="Decks").click()
    expect(session.locator(".count--review")).to_have_text("3")

    # study by card state or tag: the deck's tags are offered to choose from
    new_cards = [c["card_id"] for c in cards[4:]]
    tagged = page.request.post(
        "/api/cards/tag", data={"card_ids": new_cards, "add": ["verbs"]}, headers=headers
    )
    assert tagged.ok, tagged.text()
    _open_menu(page, "Greek")
    greek.get_by_role("button", name="Custom study").click()
    study.get_by_label("Study by card state or tag", exact=True).check()
    study.get_by_role("combobox").select_option("New cards only")
    study.get_by_role("group", name="Require one or more of these tags:").get_by_label(
        "verbs"
    ).check()
    screenshot(page, "custom-study-tags-phone")
    study.get_by_role("button", name="OK").click()
    expect(session.locator(".count--new")).to_have_text("2")
    expect(session.locator(".count--review")).to_have_text("0")
