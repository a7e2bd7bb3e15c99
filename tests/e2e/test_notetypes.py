"""A learner shapes note types on a phone-sized screen: renames a field of Basic (its notes keep
their text), adds a Cloze type and deletes it after being told how many notes go."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.test_learner_journey import access_token, register, seed_cards


def test_rename_a_field_and_add_then_delete_a_note_type(
    new_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    page = new_page(width=390, height=844)
    register(page, "notetype.learner", "correct horse battery")
    seed_cards(page, "Spanish", ["hola", "adiós", "gracias"])
    page.goto("/notetypes")
    basic = page.locator(".notetypes-list li").filter(
        has=page.get_by_role("button", name="Basic", exact=True)
    )
    expect(basic.get_by_text("3 notes")).to_be_visible()

    basic.get_by_role("button", name="Basic", exact=True).click()
    page.get_by_label("Field 1 name").fill("Question")
    expect(page.get_by_label("Front template")).to_have_value("{{Front}}")
    expect(
        page.frame_locator("iframe")
        .first.get_by_text("(Front)")
        .or_(page.frame_locator("iframe").first.get_by_text("hola"))
    ).to_be_visible()
    screenshot(page, "notetypes-phone")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Saved.")  # a rename syncs normally
    expect(page.get_by_label("Front template")).to_have_value("{{Question}}")
    headers = {"Authorization": f"Bearer {access_token(page)}"}
    listing = page.request.get("/api/notetypes", headers=headers).json()["notetypes"]
    assert next(nt for nt in listing if nt["name"] == "Basic")["fields"] == ["Question", "Back"]

    page.get_by_label("Add from").select_option(label="Add: Cloze")
    page.get_by_label("New note type name").fill("My cloze")
    page.get_by_role("button", name="Add note type").click()
    mine = page.locator(".notetypes-list li").filter(
        has=page.get_by_role("button", name="My cloze", exact=True)
    )
    expect(mine.get_by_text("0 notes")).to_be_visible()
    asked: list[str] = []

    def accept(dialog: object) -> None:
        asked.append(dialog.message)  # type: ignore[attr-defined]
        dialog.accept()  # type: ignore[attr-defined]

    page.once("dialog", accept)
    mine.get_by_role("button", name="Delete").click()
    expect(mine).to_have_count(0)
    assert "its 0 notes" in asked[0]
    expect(page.get_by_role("status")).to_contain_text("full sync")


def test_reposition_a_card_type_and_its_cards_follow(
    new_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    page = new_page()
    register(page, "reposition.learner", "correct horse battery")
    headers = {"Authorization": f"Bearer {access_token(page)}"}
    listing = page.request.get("/api/notetypes", headers=headers).json()["notetypes"]
    both = next(nt["id"] for nt in listing if nt["name"] == "Basic (and reversed card)")
    note = {"notetype_id": both, "deck_id": 1, "fields": ["perro", "dog"]}
    assert page.request.post("/api/notes", data=note, headers=headers).status == 201

    def card_templates() -> dict[int, str]:
        cards = page.request.get("/api/cards?q=perro", headers=headers).json()["cards"]
        nt = page.request.get(f"/api/notetypes/{both}", headers=headers).json()
        names = {t["ord"]: t["name"] for t in nt["templates"]}
        return {c["card_id"]: names[c["ord"]] for c in cards}

    before = card_templates()
    assert sorted(before.values()) == ["Card 1", "Card 2"]
    page.goto("/notetypes")
    page.get_by_role("button", name="Basic (and reversed card)", exact=True).click()
    page.get_by_role("button", name="Card 2", exact=True).click()
    page.get_by_label("Position").select_option("0")
    tabs = page.locator(".notetypes-template-tabs button")
    expect(tabs).to_have_text(["Card 2", "Card 1", "Add card type"])
    expect(page.get_by_label("Front template")).to_have_value("{{Back}}")
    expect(page.frame_locator('iframe[title="Preview front"]').get_by_text("dog")).to_be_visible()
    screenshot(page, "notetypes-reposition")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("full sync")
    assert "one-way full sync" in asked[0]  # asked before, as Anki asks
    saved = page.request.get(f"/api/notetypes/{both}", headers=headers).json()
    assert [(t["ord"], t["name"]) for t in saved["templates"]] == [(0, "Card 2"), (1, "Card 1")]
    assert card_templates() == before  # every card is still made by its own template
