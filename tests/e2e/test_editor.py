"""The note editor in a real browser: a card with bold text, an uploaded picture, an uploaded
sound and a formula, made without typing HTML, previewed, reviewed as the learner sees it
(picture and formula drawn in the card frame), then edited; the stored fields are Anki's HTML."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import png_bytes, wav_bytes


def register(page: Page, username: str) -> None:
    page.goto("/")
    page.get_by_role("tab", name="Create account").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse battery")
    page.locator("form button[type=submit]").click()
    expect(page.get_by_role("heading", name="Decks")).to_be_visible()


def api_get(page: Page, path: str) -> Any:
    """A GET of the API with the page's own login."""
    text: str = page.evaluate(
        """async (path) => {
            const token = JSON.parse(localStorage.getItem('javumbo.auth')).access_token;
            const r = await fetch(path, {headers: {Authorization: `Bearer ${token}`}});
            return await r.text();
        }""",
        path,
    )
    return json.loads(text)


def field(page: Page, name: str) -> Any:
    return page.get_by_role("textbox", name=name, exact=True)


def frame_body(page: Page, title: str) -> Any:
    return page.frame_locator(f'iframe[title="{title}"]').locator("body")


def test_make_review_and_edit_a_rich_card(
    new_page: Callable[..., Page], screenshot: Callable[[Page, str], Path], tmp_path: Path
) -> None:
    picture = tmp_path / "map.png"
    picture.write_bytes(png_bytes())
    sound = tmp_path / "word.wav"
    sound.write_bytes(wav_bytes())

    page = new_page()
    register(page, "editor.user")
    page.get_by_label("New deck name").fill("Science")
    page.get_by_role("button", name="Create deck").click()
    expect(page.locator('[data-deck="Science"]')).to_be_visible()

    page.get_by_role("link", name="Add").click()
    expect(page.get_by_role("heading", name="Add notes")).to_be_visible()
    page.get_by_label("Deck", exact=True).select_option(label="Science")
    page.get_by_label("Note type").select_option(label="Basic")

    # Front: bold with Ctrl+B, then a picture through the attach button.
    front = field(page, "Front")
    front.click()
    page.keyboard.type("Water is ")
    page.keyboard.press("Control+b")
    page.keyboard.type("H2O")
    page.keyboard.press("Control+b")
    page.keyboard.type(" ")
    with page.expect_response(lambda r: r.url.endswith("/api/media") and r.status == 201):
        page.get_by_label("Front file").set_input_files(str(picture))
    expect(front.locator("img.rich-field__image")).to_have_attribute(
        "src", re.compile("^data:image/png")
    )

    # Back: a sound and a formula, typed as text.
    back = field(page, "Back")
    with page.expect_response(lambda r: r.url.endswith("/api/media") and r.status == 201):
        page.get_by_label("Back file").set_input_files(str(sound))
    expect(back).to_contain_text("[sound:word.wav]")
    back.click()
    page.keyboard.press("End")
    page.keyboard.type(" energy \\(E=mc^2\\)")
    page.get_by_label("Tags").fill("physics")

    page.get_by_role("button", name="Preview").click()
    expect(frame_body(page, "Card 1 front").locator("b")).to_have_text("H2O")
    expect(frame_body(page, "Card 1 front").locator("img")).to_have_attribute(
        "src", re.compile("^data:image/png")
    )
    screenshot(page, "editor-01-add-with-preview")
    page.get_by_role("button", name="Show back").click()
    expect(frame_body(page, "Card 1 back").locator("mjx-container svg")).to_be_visible()

    field(page, "Back").click()
    page.keyboard.press("Control+Enter")
    expect(page.get_by_text("Added 1 note")).to_be_visible()

    note_id = api_get(page, "/api/cards?q=deck:Science")["cards"][0]["note_id"]
    note = api_get(page, f"/api/notes/{note_id}")
    assert note["fields"] == [
        'Water is <b>H2O</b> <img src="map.png">',
        "[sound:word.wav] energy \\(E=mc^2\\)",
    ]
    assert note["tags"] == ["physics"]

    # Review: the picture and the formula are drawn inside the card frame.
    page.get_by_role("link", name="Decks").click()
    page.get_by_role("link", name="Science").click()
    question = page.frame_locator("iframe.card-frame--shown").locator("body")
    expect(question.locator("b")).to_have_text("H2O")
    expect(question.locator("img")).to_have_attribute("src", re.compile("^data:image/png"))
    screenshot(page, "editor-02-review-question")
    page.get_by_role("button", name="Show answer").click()
    answer = page.frame_locator("iframe.card-frame--shown").locator("body")
    expect(answer.locator("mjx-container svg")).to_be_visible()
    expect(answer.locator("audio")).to_have_count(1)
    screenshot(page, "editor-03-review-answer")

    # Edit in the browser: only the edited field changes; the other keeps its HTML exactly.
    page.get_by_role("link", name="Browse").click()
    page.get_by_label("Search", exact=True).fill("deck:Science")
    page.get_by_label("Search", exact=True).press("Enter")
    page.get_by_text("Water is H2O").first.dblclick()
    dialog = page.get_by_role("dialog", name="Edit note")
    back = dialog.get_by_role("textbox", name="Back", exact=True)
    back.click()
    page.keyboard.press("End")
    page.keyboard.press("Control+i")
    page.keyboard.type(" (Einstein)")
    screenshot(page, "editor-04-edit-dialog")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    edited = api_get(page, f"/api/notes/{note_id}")
    assert edited["fields"] == [
        'Water is <b>H2O</b> <img src="map.png">',
        "[sound:word.wav] energy \\(E=mc^2\\)<i> (Einstein)</i>",
    ]
