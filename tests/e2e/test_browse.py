"""The browser in a real Chromium against the real server: sort by due date, then bulk-tag ten
cards chosen with their checkboxes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.test_learner_journey import access_token, register, seed_cards

# Added in this order, so their due positions (new cards) are 1..12 in this order.
FRONTS = [f"word {n:02d}" for n in (7, 3, 11, 1, 9, 5, 12, 2, 8, 4, 10, 6)]


def _column_texts(page: Page, index: int) -> list[str]:
    cells = page.locator("table.browse-table tbody tr").locator(f"td:nth-child({index})")
    return [text.strip() for text in cells.all_inner_texts()]


def test_sort_by_due_and_bulk_tag_ten_cards(new_page: Callable[..., Any]) -> None:
    page = new_page()
    register(page, "browser.user", "correct horse battery")
    seed_cards(page, "Words", FRONTS)
    columns = "JSON.stringify(['sort_field', 'due'])"
    page.evaluate(f"() => localStorage.setItem('javumbo.browse.columns', {columns})")
    page.goto("/browse?q=deck:Words")
    expect(page.locator("table.browse-table tbody tr")).to_have_count(12)
    # Sorted by sort field first (the default), then by due: the order the cards were added.
    assert _column_texts(page, 2) == sorted(FRONTS)
    page.locator("thead").get_by_role("button", name="Due").click()
    expect(page.locator("table.browse-table tbody tr").first).to_contain_text(FRONTS[0])
    assert _column_texts(page, 2) == FRONTS
    assert _column_texts(page, 3)[:2] == ["New #1", "New #2"]
    page.locator("thead").get_by_role("button", name="Due ▲").click()
    expect(page.locator("table.browse-table tbody tr").first).to_contain_text(FRONTS[-1])
    assert _column_texts(page, 2) == FRONTS[::-1]

    rows = page.locator("table.browse-table tbody tr")
    for k in range(10):
        rows.nth(k).get_by_role("checkbox").check()
    expect(page.get_by_text("10 selected")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept("bulk::tagged"))
    with page.expect_response(lambda r: r.url.endswith("/api/cards/tag")) as tagged:
        page.get_by_role("button", name="Add tags").click()
    assert tagged.value.status == 200

    headers = {"Authorization": f"Bearer {access_token(page)}"}
    found = page.request.get(
        "/api/browse/rows?search=tag:bulk::tagged&columns=sort_field&sort=due&reverse=true",
        headers=headers,
    )
    assert found.status == 200, found.text()
    assert [r["cells"]["sort_field"] for r in found.json()["rows"]] == FRONTS[::-1][:10]
