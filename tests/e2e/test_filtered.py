"""A learner raises today's new-card limit and previews new cards with custom study, then builds
a filtered deck from the deck menu and empties it: the counts of the deck list follow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.test_learner_journey import register, seed_cards


def test_custom_study_and_a_filtered_deck(
    new_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    page = new_page()
    register(page, "filtered.learner", "correct horse battery")
    seed_cards(page, "Italian", [f"parola {i}" for i in range(30)])
    page.reload()
    italian = page.locator('[data-deck="Italian"]')
    expect(italian.locator(".count--new")).to_have_text("20")

    italian.get_by_label("Actions for Italian").click()
    italian.get_by_role("button", name="Custom study").click()
    study = page.get_by_role("dialog", name="Custom study: Italian")
    study.get_by_label("Increase today's new card limit").check()
    study.get_by_label("Increase by").fill("5")
    study.get_by_role("button", name="OK").click()
    expect(italian.locator(".count--new")).to_have_text("25")

    italian.get_by_label("Actions for Italian").click()
    italian.get_by_role("button", name="Custom study").click()
    study.get_by_label("Preview new cards").check()
    study.get_by_label("Added in the last days").fill("1")
    screenshot(page, "custom-study")
    study.get_by_role("button", name="OK").click()
    session = page.locator('[data-deck="Custom Study Session"]')
    expect(session.locator(".count--review")).to_have_text("30")
    expect(italian.locator(".count--new")).to_have_text("0")

    session.get_by_label("Actions for Custom Study Session").click()
    session.get_by_role("button", name="Empty").click()
    expect(italian.locator(".count--new")).to_have_text("25")

    italian.get_by_label("Actions for Italian").click()
    italian.get_by_role("button", name="Filtered deck").click()
    dialog = page.get_by_role("dialog", name="Filtered deck")
    dialog.get_by_label("Name").fill("Cram")
    dialog.get_by_label("Search").fill("deck:Italian")
    dialog.get_by_label("Limit").fill("10")
    dialog.get_by_role("button", name="Build").click()
    cram = page.locator('[data-deck="Cram"]')
    expect(cram.locator(".count--new")).to_have_text("10")

    cram.get_by_label("Actions for Cram").click()
    cram.get_by_role("button", name="Empty").click()
    expect(cram.locator(".count--new")).to_have_text("0")
    expect(italian.locator(".count--new")).to_have_text("25")
