"""Recording a sound from the microphone into a field, as Anki's Record Audio: Chromium's fake
microphone (a test tone, ``CHROMIUM_ARGS`` in conftest) is recorded, stored as the collection's
media under the name the field gets, and played back in review."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.test_editor import api_get, field, register


def test_record_a_sound_into_a_field_and_hear_it_in_review(
    new_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    page = new_page()
    register(page, "recording.learner")
    page.get_by_role("link", name="Add", exact=True).click()
    expect(page.get_by_role("heading", name="Add notes")).to_be_visible()
    page.get_by_label("Note type").select_option(label="Basic")
    field(page, "Front").fill("Say it: ")
    toolbar = page.get_by_role("toolbar", name="Front formatting")
    toolbar.get_by_role("button", name="Record audio").click()
    stop = toolbar.get_by_role("button", name="Stop recording")
    expect(stop).to_be_visible()
    screenshot(page, "record-audio-recording")
    with page.expect_response(lambda r: r.url.endswith("/api/media") and r.status == 201) as up:
        stop.click()
    stored = up.value.json()
    assert stored["kind"] == "audio" and re.fullmatch(
        r"recording-\d+\.(webm|ogg|m4a)", stored["name"]
    )
    expect(field(page, "Front")).to_contain_text(f"[sound:{stored['name']}]")
    field(page, "Back").fill("hello")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Added 1 note")).to_be_visible()

    note_id = api_get(page, "/api/cards?q=deck:Default")["cards"][0]["note_id"]
    assert api_get(page, f"/api/notes/{note_id}")["fields"] == [
        f"Say it: [sound:{stored['name']}]",
        "hello",
    ]
    page.get_by_role("link", name="Decks").click()
    page.get_by_role("link", name="Default", exact=True).click()
    question = page.frame_locator("iframe.card-frame--shown").locator("body")
    expect(question.locator("audio")).to_have_count(1)
    assert question.locator("audio").evaluate("a => a.src.startsWith('data:')")
