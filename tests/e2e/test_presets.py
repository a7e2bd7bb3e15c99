"""A learner gives a deck its own preset, changes the preset's new-card limit, and sees the deck
list's counts follow; a "today only" limit then wins for today; a low review limit holds new
cards back until "new cards ignore review limit" is ticked; with FSRS on, the deck keeps its own
desired retention apart from its preset's (on a phone-sized screen)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.test_learner_journey import register, seed_cards


def test_a_preset_new_card_limit_changes_the_deck_counts(
    new_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    page = new_page(width=390, height=844)
    register(page, "preset.learner", "correct horse battery")
    seed_cards(page, "Italian", [f"parola {i}" for i in range(30)])
    seed_cards(page, "German", [f"Wort {i}" for i in range(30)])
    page.reload()
    italian = page.locator('[data-deck="Italian"]')
    german = page.locator('[data-deck="German"]')
    expect(italian.locator(".count--new")).to_have_text("20")
    # the empty Default deck is not listed while other decks exist, as in Anki
    expect(page.locator('[data-deck="Default"]')).to_have_count(0)

    italian.get_by_label("Actions for Italian").click()
    italian.get_by_role("link", name="Options").click()
    preset = page.get_by_label("Preset")
    expect(preset.locator("option:checked")).to_have_text("Default (used by 3 decks)")
    page.once("dialog", lambda prompt: prompt.accept("Gentle"))
    page.get_by_role("button", name="Add preset").click()
    expect(preset.locator("option:checked")).to_have_text("Gentle (used by 0 decks)")
    limits = page.get_by_role("group", name="Daily Limits")
    limits.get_by_label("New cards/day").fill("7")
    screenshot(page, "presets-phone")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(italian.locator(".count--new")).to_have_text("7")
    expect(german.locator(".count--new")).to_have_text("20")

    # the preset now names its deck; a today-only limit wins over it for today
    italian.get_by_label("Actions for Italian").click()
    italian.get_by_role("link", name="Options").click()
    expect(preset.locator("option:checked")).to_have_text("Gentle (used by 1 deck)")
    limits.get_by_role("tab", name="Today only").click()
    limits.get_by_label("New cards/day").fill("12")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(italian.locator(".count--new")).to_have_text("12")
    expect(german.locator(".count--new")).to_have_text("20")

    # new cards use up the review limit too, unless the collection lets them ignore it
    german.get_by_label("Actions for German").click()
    german.get_by_role("link", name="Options").click()
    expect(preset.locator("option:checked")).to_have_text("Default (used by 2 decks)")
    limits.get_by_label("Maximum reviews/day").fill("5")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(german.locator(".count--new")).to_have_text("5")
    german.get_by_label("Actions for German").click()
    german.get_by_role("link", name="Options").click()
    limits.get_by_label("New cards ignore review limit").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(german.locator(".count--new")).to_have_text("20")
    expect(italian.locator(".count--new")).to_have_text("12")

    # FSRS on, and a desired retention for this deck alone (Anki's "This deck" tab)
    italian.get_by_label("Actions for Italian").click()
    italian.get_by_role("link", name="Options").click()
    fsrs = page.get_by_role("group", name="FSRS")
    fsrs.get_by_role("checkbox", name="FSRS").check()
    fsrs.get_by_role("tab", name="This deck").click()
    fsrs.get_by_label("Desired retention", exact=True).fill("0.85")
    screenshot(page, "presets-fsrs-phone")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(italian.locator(".count--new")).to_have_text("12")
    italian.get_by_label("Actions for Italian").click()
    italian.get_by_role("link", name="Options").click()
    expect(fsrs.get_by_role("tab", name="This deck")).to_have_attribute("aria-selected", "true")
    expect(fsrs.get_by_label("Desired retention", exact=True)).to_have_value("0.85")
    fsrs.get_by_role("tab", name="Preset").click()
    expect(fsrs.get_by_label("Desired retention", exact=True)).to_have_value("0.9")
