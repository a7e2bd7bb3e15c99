"""Check Media in a real browser: a note that shows a file the collection does not have is
listed under missing files, its link opens the browser on that note, and Tag Missing tags it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.test_learner_journey import access_token, register


def test_missing_file_links_to_its_note_and_is_tagged(
    new_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    page = new_page()
    register(page, "media.checker", "correct horse battery")
    headers = {"Authorization": f"Bearer {access_token(page)}"}
    listing = page.request.get("/api/notetypes", headers=headers).json()["notetypes"]
    basic = next(nt["id"] for nt in listing if nt["name"] == "Basic")
    note = {"notetype_id": basic, "deck_id": 1, "fields": ['Map <img src="gone.png">', "Peru"]}
    created = page.request.post("/api/notes", data=note, headers=headers)
    assert created.status == 201, created.text()
    note_id = created.json()["id"]
    other = {"notetype_id": basic, "deck_id": 1, "fields": ["no picture", "here"]}
    assert page.request.post("/api/notes", data=other, headers=headers).status == 201

    page.get_by_role("link", name="Media", exact=True).click()
    missing = page.get_by_role("region", name="Missing files (1)")
    expect(missing.get_by_text("gone.png")).to_be_visible()
    expect(page.get_by_role("region", name="Unused files")).to_have_count(0)
    screenshot(page, "media-check-missing")
    missing.get_by_role("link", name="Notes using gone.png").click()
    expect(page).to_have_url(f"/browse?search=nid%3A{note_id}")
    expect(page.locator("table.browse-table tbody tr")).to_have_count(1)
    expect(page.locator("table.browse-table tbody tr").first).to_contain_text("Map")

    page.go_back()
    with page.expect_response(lambda r: r.url.endswith("/api/notes/tags") and r.ok):
        page.get_by_role("button", name="Tag missing").click()
    expect(page.locator(".media-check [role=status]")).to_have_text(
        'Tagged 1 note "missing-media".'
    )
    tagged = page.request.get(f"/api/notes/{note_id}", headers=headers).json()
    assert tagged["tags"] == ["missing-media"]
