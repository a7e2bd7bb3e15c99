"""The browser in a real Chromium against the real server: sort by due date, bulk-tag ten cards,
undo a bulk change, find and replace, change note type, card info panel, the edit dialog's focus,
the duplicate link's search, and errors replacing results."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.test_learner_journey import access_token, register, seed_cards

# Added in this order, so their due positions (new cards) are 1..12 in this order.
FRONTS = [f"word {n:02d}" for n in (7, 3, 11, 1, 9, 5, 12, 2, 8, 4, 10, 6)]
ROWS = "table.browse-table tbody tr"


def _column_texts(page: Page, index: int) -> list[str]:
    cells = page.locator(ROWS).locator(f"td:nth-child({index})")
    return [text.strip() for text in cells.all_inner_texts()]


def _api(page: Page, path: str) -> Any:
    answer = page.request.get(path, headers={"Authorization": f"Bearer {access_token(page)}"})
    assert answer.status == 200, answer.text()
    return answer.json()


def _open_browser(page: Page, columns: list[str], search: str) -> None:
    page.evaluate(
        "columns => localStorage.setItem('javumbo.browse.columns', JSON.stringify(columns))",
        columns,
    )
    page.goto(f"/browse?q={search}")


def test_sort_by_due_and_bulk_tag_ten_cards_then_undo(new_page: Callable[..., Any]) -> None:
    page = new_page()
    register(page, "browser.user", "correct horse battery")
    seed_cards(page, "Words", FRONTS)
    _open_browser(page, ["sort_field", "due"], "deck:Words")
    expect(page.locator(ROWS)).to_have_count(12)
    # Sorted by sort field first (the default), then by due: the order the cards were added.
    assert _column_texts(page, 2) == sorted(FRONTS)
    page.locator("thead").get_by_role("button", name="Due").click()
    expect(page.locator(ROWS).first).to_contain_text(FRONTS[0])
    assert _column_texts(page, 2) == FRONTS
    assert _column_texts(page, 3)[:2] == ["New #1", "New #2"]
    page.locator("thead").get_by_role("button", name="Due ▲").click()
    expect(page.locator(ROWS).first).to_contain_text(FRONTS[-1])
    assert _column_texts(page, 2) == FRONTS[::-1]

    rows = page.locator(ROWS)
    for k in range(10):
        rows.nth(k).get_by_role("checkbox").check()
    expect(page.get_by_text("10 selected")).to_be_visible()
    page.get_by_role("button", name="Add tags").click()
    dialog = page.get_by_role("dialog", name="Add Tags")
    dialog.get_by_label("Tags to add").fill("bulk::tagged")
    with page.expect_response(lambda r: r.url.endswith("/api/cards/tag")) as tagged:
        dialog.get_by_role("button", name="Add").click()
    assert tagged.value.status == 200
    expect(dialog).to_be_hidden()

    search = "/api/browse/rows?search=tag:bulk::tagged&columns=sort_field&sort=due&reverse=true"
    found = _api(page, search)
    assert [r["cells"]["sort_field"] for r in found["rows"]] == FRONTS[::-1][:10]

    # The bulk change is one undo step, named as Anki names it: it takes the tag off all ten.
    toolbar = page.get_by_role("toolbar", name="Selected rows")
    toolbar.get_by_role("button", name="Undo Update Tag").click()
    expect(page.get_by_role("status")).to_have_text("Undone: Update Tag")
    assert _api(page, search)["total"] == 0


def test_change_deck_of_ten_cards_and_undo_it(new_page: Callable[..., Any]) -> None:
    page = new_page()
    register(page, "mover.user", "correct horse battery")
    seed_cards(page, "Words", FRONTS[:10])
    seed_cards(page, "Archive", [])
    _open_browser(page, ["sort_field", "deck"], "deck:Words")
    expect(page.locator(ROWS)).to_have_count(10)
    page.get_by_label("Select all").check()
    with page.expect_response(lambda r: r.url.endswith("/api/cards/move")) as moved:
        page.get_by_label("Move selected cards to deck").select_option(label="Archive")
    assert moved.value.status == 200
    # As in Anki, the rows stay in view after the action, showing their new deck.
    expect(page.locator(ROWS).locator("td:nth-child(3)")).to_have_text(["Archive"] * 10)
    assert _api(page, "/api/browse/rows?search=deck:Archive")["total"] == 10

    page.get_by_role("button", name="Undo Change Deck").click()
    expect(page.get_by_role("status")).to_have_text("Undone: Change Deck")
    expect(page.locator(ROWS).locator("td:nth-child(3)")).to_have_text(["Words"] * 10)
    assert _api(page, "/api/browse/rows?search=deck:Words")["total"] == 10
    assert _api(page, "/api/browse/rows?search=deck:Archive")["total"] == 0


def test_find_and_replace_in_selected_notes(new_page: Callable[..., Any]) -> None:
    page = new_page()
    register(page, "replacer.user", "correct horse battery")
    seed_cards(page, "Verbs", ["hablar", "comer", "cantar"])
    _open_browser(page, ["sort_field"], "deck:Verbs")
    expect(page.locator(ROWS)).to_have_count(3)
    page.locator(ROWS).filter(has_text="cantar").get_by_role("checkbox").check()
    page.locator(ROWS).filter(has_text="hablar").get_by_role("checkbox").check()
    page.get_by_label("More actions").select_option(label="Find and replace…")
    dialog = page.get_by_role("dialog", name="Find and Replace")
    dialog.get_by_label("Find", exact=True).fill(r"(\w+)ar$")
    dialog.get_by_label("Replace with").fill("${1}é")
    dialog.get_by_label("In", exact=True).select_option("Front")
    dialog.get_by_label("Treat input as regular expression").check()
    dialog.get_by_role("button", name="OK").click()
    expect(page.get_by_role("status")).to_have_text("2 notes updated.")
    expect(page.locator(ROWS).locator("td:nth-child(2)")).to_have_text(["canté", "comer", "hablé"])
    # The back (also matched by the pattern) was not in the chosen field.
    backs = _api(page, "/api/browse/rows?search=deck:Verbs&columns=answer&sort=sort_field")
    assert "back of cantar" in backs["rows"][0]["cells"]["answer"]


def test_change_note_type_from_the_browser(new_page: Callable[..., Any]) -> None:
    page = new_page()
    register(page, "changer.user", "correct horse battery")
    seed_cards(page, "Pairs", ["uno", "dos"])
    _open_browser(page, ["sort_field", "notetype", "card_type"], "deck:Pairs")
    expect(page.locator(ROWS)).to_have_count(2)
    page.locator(ROWS).filter(has_text="uno").click()
    page.get_by_label("More actions").select_option(label="Change note type…")
    dialog = page.get_by_role("dialog", name="Change note type")
    expect(dialog).to_contain_text("Change note type of 1 note")
    dialog.get_by_label("New note type").select_option(label="Basic (and reversed card)")
    with page.expect_response(lambda r: r.url.endswith("/api/notes/change-notetype")) as changed:
        dialog.get_by_role("button", name="Change").click()
    assert changed.value.status == 200, changed.value.text()
    expect(dialog).to_be_hidden()
    expect(page.locator(ROWS)).to_have_count(3)
    uno = page.locator(ROWS).filter(has_text="uno")
    expect(uno.first.locator("td").nth(2)).to_have_text("Basic (and reversed card)")
    expect(uno).to_have_count(2)
    # Notes mode: one row per note, the card type column becomes the cards' count.
    page.get_by_role("group", name="Show").get_by_role("button", name="Notes").click()
    expect(page.locator(ROWS)).to_have_count(2)
    expect(page.locator("thead")).to_contain_text("Cards")


def test_card_info_panel_and_the_edit_dialog_focus(
    new_page: Callable[..., Any], screenshot: Callable[[Page, str], Any]
) -> None:
    page = new_page()
    register(page, "info.user", "correct horse battery")
    seed_cards(page, "Words", FRONTS[:3])
    _open_browser(page, ["sort_field", "due"], "deck:Words")
    expect(page.locator(ROWS)).to_have_count(3)
    ids = [r["id"] for r in _api(page, "/api/browse/rows?search=deck:Words")["rows"]]

    page.get_by_role("button", name="Card info").click()
    panel = page.get_by_label("Card info panel")
    expect(panel).to_contain_text(f"Card ID{ids[0]}")
    table = page.get_by_label("Rows", exact=True)
    table.focus()
    page.keyboard.press("ArrowDown")
    expect(panel).to_contain_text(f"Card ID{ids[1]}")
    expect(panel).to_contain_text("New #")
    screenshot(page, "browse-card-info")

    # Double-click opens the editor, which takes focus; Escape closes it and the table has it.
    page.locator(ROWS).nth(2).dblclick()
    editor = page.get_by_role("dialog", name="Edit note")
    expect(editor).to_be_visible()
    expect(editor.get_by_role("textbox", name="Front")).to_be_focused()
    page.keyboard.press("Escape")
    expect(editor).to_be_hidden()
    expect(table).to_be_focused()
    # Enter on the current row opens it again.
    page.keyboard.press("Enter")
    expect(editor.get_by_role("textbox", name="Front")).to_be_focused()
    page.keyboard.press("Escape")
    expect(editor).to_be_hidden()


def test_phone_width_card_info_sheet_and_duplicate_link(
    new_page: Callable[..., Any], console_errors: Any, screenshot: Callable[[Page, str], Any]
) -> None:
    console_errors.allow("status of 400")  # the bad search below, on purpose
    page = new_page(width=390, height=844)
    register(page, "phone.browser", "correct horse battery")
    seed_cards(page, "Words", ["perro", "gato"])
    notes = _api(page, "/api/browse/rows?search=deck:Words&mode=notes&sort=created")["rows"]
    nids = ",".join(str(r["id"]) for r in notes)
    page.goto(f"/browse?search=nid:{nids}")
    expect(page.get_by_label("Search")).to_have_value(f"nid:{nids}")
    expect(page.locator(ROWS)).to_have_count(2)
    screenshot(page, "browse-phone")
    page.get_by_role("button", name="Card info").click()
    sheet = page.get_by_label("Card info panel")
    expect(sheet).to_be_visible()
    box = sheet.bounding_box()
    assert box is not None and box["x"] == 0 and abs(box["width"] - 390) < 2
    assert box["y"] + box["height"] <= 844 + 1
    screenshot(page, "browse-phone-card-info")
    sheet.get_by_role("button", name="Close card info").click()
    expect(sheet).to_be_hidden()
    # A bad search's error replaces the rows; the next search's rows replace the error.
    page.get_by_label("Search").fill("deck:((")
    page.get_by_label("Search").press("Enter")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator(ROWS)).to_have_count(0)
    # On a phone the sidebar folds away above the table until asked for.
    sidebar = page.get_by_role("navigation", name="Browse sidebar")
    expect(sidebar.get_by_role("button", name="Words")).to_be_hidden()
    sidebar.get_by_role("button", name="Sidebar: saved searches, decks, tags…").click()
    sidebar.get_by_role("button", name="Words").click()
    expect(page.get_by_label("Search")).to_have_value('"deck:Words"')
    expect(page.locator(ROWS)).to_have_count(2)
    expect(page.get_by_role("alert")).to_have_count(0)


def test_reposition_set_due_mark_and_duplicates(new_page: Callable[..., Any]) -> None:
    page = new_page()
    register(page, "dialogs.user", "correct horse battery")
    seed_cards(page, "Animals", ["perro", "gato", "perro"])
    _open_browser(page, ["sort_field", "due"], "deck:Animals")
    page.locator("thead").get_by_role("button", name="Due").click()
    due = page.locator(ROWS).locator("td:nth-child(3)")
    expect(due).to_have_text(["New #1", "New #2", "New #3"])

    # Reposition the last new card to the front, shifting the others back (Anki's dialog).
    page.locator(ROWS).nth(2).click()
    page.get_by_label("Rows", exact=True).press("Control+Shift+S")
    dialog = page.get_by_role("dialog", name="Reposition New Cards")
    expect(dialog.get_by_label("Start position")).to_be_focused()
    dialog.get_by_label("Start position").fill("1")
    dialog.get_by_label("Shift position of existing cards").check()
    dialog.get_by_role("button", name="OK").click()
    expect(due).to_have_text(["New #2", "New #3", "New #1"])

    # Set the first card due today: it becomes a review card with a date.
    page.locator(ROWS).nth(0).click()
    page.get_by_label("More actions").select_option(label="Set due date…")
    dialog = page.get_by_role("dialog", name="Set Due Date")
    dialog.get_by_label("Show cards in how many days").fill("0")
    dialog.get_by_role("button", name="OK").click()
    expect(due.nth(0)).not_to_have_text("New #2")
    expect(due.nth(0)).not_to_be_empty()
    assert _api(page, "/api/browse/rows?search=deck:Animals is:due")["total"] == 1

    # Mark it (the row takes the marked colour), then undo the mark.
    page.get_by_role("button", name="Toggle mark").click()
    expect(page.locator(ROWS).nth(0)).to_have_attribute("data-colour", "marked")
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("status")).to_have_text("Undone: Toggle Mark")
    expect(page.locator(ROWS).nth(0)).not_to_have_attribute("data-colour", "marked")

    # Find duplicates of the Front field; a set runs its notes' search; tag them all.
    page.get_by_label("More actions").select_option(label="Find duplicates…")
    dialog = page.get_by_role("dialog", name="Find Duplicates")
    dialog.get_by_label("Search in").select_option("Front")
    dialog.get_by_role("button", name="Search").click()
    dialog.get_by_role("button", name="Tag Duplicates").click()
    expect(dialog.get_by_role("button", name="Tagged")).to_be_visible()
    dialog.get_by_role("button", name="2 notes: perro").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_label("Search")).to_have_value(re.compile(r"^nid:\d+,\d+$"))
    expect(page.locator(ROWS)).to_have_count(2)
    assert _api(page, "/api/browse/rows?search=tag:duplicate")["total"] == 2
