"""Text import and plain-text export in a real browser: a learner imports a small CSV with
Anki's header lines through the import dialog (preview of the first rows, separator changed and
back, field mapping changed, deck and tags chosen), reads the report, finds the notes in the
deck list and the browser, and exports the deck as Notes in Plain Text (without the guid
column); on a phone-sized screen the dialog fits and works from the keyboard, and a file that
is not text is told plainly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ConsoleErrors, png_bytes
from tests.e2e.test_editor import api_get, register

WORDS_CSV = (
    "#separator:comma\n"
    "#html:true\n"
    "#tags:lesson1\n"
    "#columns:Meaning,Word,Tags\n"
    "dog,hund,animal\n"
    "cat,<b>katze</b>,animal pet\n"
    '"bird, small",vogel,\n'
)


def make_deck(page: Page, name: str) -> None:
    expect(page.locator('[data-deck="Default"]')).to_be_visible()  # the list has loaded
    page.get_by_label("New deck name").fill(name)
    expect(page.get_by_label("New deck name")).to_have_value(name)
    page.get_by_role("button", name="Create deck").click()
    expect(page.locator(f'[data-deck="{name}"]')).to_be_visible()


def preview_cells(page: Page) -> list[list[str]]:
    rows = page.get_by_test_id("text-preview").locator("tbody tr")
    return [row.locator("td").all_inner_texts() for row in rows.all()]


def test_import_a_csv_with_the_dialog_then_export_plain_text(
    new_page: Callable[..., Page], screenshot: Callable[[Page, str], Path], tmp_path: Path
) -> None:
    words = tmp_path / "words.csv"
    words.write_text(WORDS_CSV, encoding="utf-8")
    page = new_page()
    register(page, "text.importer")
    make_deck(page, "Vocab")
    page.get_by_role("link", name="Import / Export").click()

    # --- choose the file: the dialog previews its first rows with Anki's starting choices
    page.get_by_label("Package file or text file").set_input_files(str(words))
    expect(page.get_by_test_id("text-preview")).to_be_visible()
    headers = page.get_by_test_id("text-preview").locator("thead th")
    expect(headers).to_have_text(["Meaning", "Word", "Tags"])
    assert preview_cells(page)[1] == ["cat", "katze", "animal pet"]  # HTML shown as text
    expect(page.get_by_label("Field separator")).to_have_value("comma")
    expect(page.get_by_label("Allow HTML in fields")).to_be_checked()

    # --- another separator re-reads the file (one column per row), and back again
    page.get_by_label("Field separator").select_option("semicolon")
    expect(page.get_by_test_id("text-preview").locator("tbody tr").first).to_contain_text(
        "dog,hund,animal"
    )
    page.get_by_label("Field separator").select_option("comma")
    expect(page.get_by_test_id("text-preview").get_by_text("vogel")).to_be_visible()

    # --- the mapping, deck, tags: Front <- Word, Back <- Meaning, tags <- Tags
    page.get_by_label("Column for Front").select_option(label="Column 2: Word")
    page.get_by_label("Column for Back").select_option(label="Column 1: Meaning")
    page.get_by_label("Column for tags").select_option(label="Column 3: Tags")
    page.get_by_label("Deck", exact=True).select_option(label="Vocab")
    page.get_by_label("Tags added to all notes").fill("german")
    expect(page.get_by_label("When a note is already there")).to_have_value("update")
    screenshot(page, "text-import-dialog")

    page.get_by_role("button", name="Import", exact=True).click()
    report = page.get_by_test_id("import-report")
    expect(report).to_be_visible(timeout=60_000)
    text_report = page.get_by_test_id("text-report")
    expect(text_report).to_contain_text("Rows of the file: 3")
    expect(text_report.locator(".report-row").filter(has_text="New")).to_contain_text("3")
    expect(report.locator(".report-row").filter(has_text="Notes added")).to_contain_text("3")
    screenshot(page, "text-import-report")

    # --- the notes are there: in the deck list, in the browser, with the chosen fields and tags
    cards = api_get(page, "/api/cards?q=deck:Vocab tag:german tag:lesson1")
    assert cards["total"] == 3
    page.get_by_role("link", name="Decks").click()
    expect(page.locator('[data-deck="Vocab"] .count--new')).to_have_text("3")
    page.goto("/browse?q=deck:Vocab")
    rows = page.locator("table.browse-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="vogel")).to_have_count(1)
    expect(rows.filter(has_text="katze")).to_have_count(1)

    # --- export the deck as Notes in Plain Text and read the file
    page.get_by_role("link", name="Import / Export").click()
    page.get_by_label("Deck to export").select_option(label="Vocab")
    page.get_by_label("Notes in Plain Text (.txt)").check()
    expect(page.get_by_label("Include scheduling (review history and due dates)")).to_have_count(0)
    page.get_by_label("Include unique identifier", exact=False).uncheck()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export .txt").click()
    assert download.value.suggested_filename.endswith(".txt")
    exported = tmp_path / "exported.txt"
    download.value.save_as(exported)
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert lines[:5] == [
        "#separator:tab",
        "#html:true",
        "#notetype column:1",
        "#deck column:2",
        "#tags column:5",
    ]
    notes = sorted(
        (cells[0], cells[1], cells[2], cells[3], frozenset(cells[4].split()))
        for cells in (line.split("\t") for line in lines[5:])
    )
    assert notes == [
        (
            "Basic",
            "Vocab",
            "<b>katze</b>",
            "cat",
            frozenset({"animal", "pet", "german", "lesson1"}),
        ),
        ("Basic", "Vocab", "hund", "dog", frozenset({"animal", "german", "lesson1"})),
        ("Basic", "Vocab", "vogel", "bird, small", frozenset({"german", "lesson1"})),
    ]


def test_text_import_on_a_phone_by_keyboard_and_a_file_that_is_not_text(
    new_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
    console_errors: ConsoleErrors,
    tmp_path: Path,
) -> None:
    console_errors.allow("status of 400")  # the refused preview of the picture below
    words = tmp_path / "phone.tsv"
    words.write_text("Haus\thouse\nBaum\ttree\n", encoding="utf-8")
    picture = tmp_path / "picture.csv"
    picture.write_bytes(png_bytes())
    page = new_page(width=390, height=844)
    register(page, "phone.importer")
    page.goto("/transfer")

    page.get_by_label("Package file or text file").set_input_files(str(picture))
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("not UTF-8 text")
    expect(page.get_by_role("button", name="Import", exact=True)).to_have_count(0)

    page.get_by_label("Package file or text file").set_input_files(str(words))
    expect(page.get_by_test_id("text-preview")).to_be_visible()
    expect(page.get_by_label("Field separator")).to_have_value("tab")
    fits = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(fits), "the import dialog is wider than the phone's screen"
    screenshot(page, "text-import-phone")

    # Front <- column 2 by the keyboard alone, then Back <- column 1, then Import with Enter
    front = page.get_by_label("Column for Front")
    front.focus()
    page.keyboard.press("ArrowDown")
    expect(front).to_have_value("2")
    page.keyboard.press("Tab")
    back = page.get_by_label("Column for Back")
    expect(back).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(back).to_have_value("1")
    page.get_by_role("button", name="Import", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("text-report")).to_contain_text("Rows of the file: 2")
    assert page.evaluate(fits)
    fronts = api_get(page, "/api/cards?q=house")
    assert fronts["total"] == 1
