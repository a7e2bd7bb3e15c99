"""A learner's first hour, scripted end to end in a real Chromium against the real server: a new
account makes a deck of 20 notes of three note types (Basic, Basic and reversed, Cloze) with a
pasted picture, an attached sound, bold text, formulas and tags picked by completion, all
without typing HTML; the page and the API agree on what was made; a few cards are studied with
the picture and the formula drawn; the Add screen then starts on the deck last studied; Check
Media finds and deletes the one picture no card uses; and the collection exported as .apkg is
judged by real Anki (check_database clean, every file a note names is in the package)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import FileChooser, Locator, Page, expect

from tests.e2e.conftest import png_bytes, wav_bytes
from tests.e2e.test_editor import field, register
from tests.e2e.test_learner_journey import access_token

pytestmark = pytest.mark.slow

BASIC = "Basic"
REVERSED = "Basic (and reversed card)"
CLOZE = "Cloze"

# Plain notes typed with fill(); the rich ones are typed key by key below.
MORE_BASIC = [
    ("Organelle that makes ATP", "mitochondrion"),
    ("Gas plants take in", "carbon dioxide"),
    ("Gas plants give off", "oxygen"),
    ("Molecule that carries genes", "DNA"),
    ("Green pigment of leaves", "chlorophyll"),
    ("Process plants use to make sugar", "photosynthesis"),
]
MORE_REVERSED = [
    ("xylem", "carries water up the plant"),
    ("phloem", "carries sugars around the plant"),
    ("root hair", "takes up water and minerals"),
    ("guard cell", "opens and closes a stoma"),
]
MORE_CLOZE = [
    "Cells are the smallest unit of life",
    "Ribosomes make proteins",
    "The cell membrane controls what enters the cell",
    "Plant cells have a wall made of cellulose",
    "Vacuoles store water",
]


def api(page: Page, method: str, path: str, **body: Any) -> Any:
    """The API with the page's own login."""
    headers = {"Authorization": f"Bearer {access_token(page)}"}
    response = page.request.fetch(path, method=method, headers=headers, data=body if body else None)
    assert response.ok, (path, response.status, response.text())
    return response.json()


def paste_file(target: Locator, name: str, mime: str, data: bytes) -> None:
    """A paste of a file into ``target``, as the browser fires it for a copied picture."""
    target.evaluate(
        """(el, [name, mime, b64]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const data = new DataTransfer();
            data.items.add(new File([bytes], name, { type: mime }));
            el.focus();
            el.dispatchEvent(new ClipboardEvent('paste', {
                clipboardData: data, bubbles: true, cancelable: true,
            }));
        }""",
        [name, mime, base64.b64encode(data).decode()],
    )


def deck_ids(nodes: list[dict[str, Any]]) -> dict[str, int]:
    """Deck name -> id over the whole deck tree."""
    found: dict[str, int] = {}
    for node in nodes:
        found[node["name"]] = node["id"]
        found.update(deck_ids(node["children"]))
    return found


def added_badge(page: Page, count: int) -> None:
    noun = "note" if count == 1 else "notes"
    expect(page.locator(".page-head [role=status]")).to_have_text(f"Added {count} {noun}")


def choose_tag(page: Page, typed: str, key: str, completed: str) -> None:
    """Types the start of a tag, sees the completion offered, and takes it with ``key``."""
    tags = page.get_by_label("Tags", exact=True)
    tags.press_sequentially(typed)
    expect(page.get_by_role("option", name=completed, exact=True)).to_be_visible()
    tags.press(key)
    expect(tags).to_have_value(re.compile(re.escape(completed) + " $"))


def add_plain(page: Page, count: int, values: dict[str, str]) -> None:
    for name, value in values.items():
        field(page, name).fill(value)
    page.get_by_role("button", name="Add", exact=True).click()
    added_badge(page, count)


def select_last_word_and_cloze(page: Page, text_field: Locator, *, by_button: bool) -> None:
    """Hides the last word: Anki's Ctrl+Shift+C, or the toolbar's [...] as on a phone."""
    text_field.click()
    page.keyboard.press("End")
    page.keyboard.press("Control+Shift+ArrowLeft")
    if by_button:
        toolbar = page.get_by_role("toolbar", name="Text formatting")
        toolbar.get_by_role("button", name="Cloze deletion").click()
    else:
        page.keyboard.press("Control+Shift+C")


def anki_judges_the_export(package: Path, work: Path) -> dict[str, Any]:
    """Real Anki imports the package into a new collection: Check Database finds nothing to
    fix, its media check finds nothing missing or unused, and every file a note names is
    there. Returns the notes as Anki sees them (first field -> fields, tags, note type)."""
    from anki.collection import Collection as AnkiCollection
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    work.mkdir(parents=True, exist_ok=True)
    col = AnkiCollection(str(work / "collection.anki2"))
    try:
        col.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=str(package),
                options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True),
            )
        )
        assert list(col._backend.check_database()) == []
        checked = col.media.check()
        assert (list(checked.missing), list(checked.unused)) == ([], [])
        media_dir = Path(col.media.dir())
        notes: dict[str, Any] = {}
        for nid in col.find_notes(""):
            note = col.get_note(nid)
            notetype = note.note_type()
            assert notetype is not None
            for name in col.media.files_in_str(notetype["id"], "\x1f".join(note.fields)):
                assert (media_dir / name).is_file(), f"{name} is not in the package"
            notes[note.fields[0]] = {
                "fields": list(note.fields),
                "tags": sorted(note.tags),
                # a new collection has its own stock types: Anki names ours "Basic+" etc.
                "notetype": str(notetype["name"]).rstrip("+"),
                "cards": len(note.card_ids()),
                "decks": sorted({col.decks.name(card.did) for card in note.cards()}),
            }
        return {"notes": notes, "media": sorted(p.name for p in media_dir.iterdir())}
    finally:
        col.close()


def test_a_learners_first_hour(
    new_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
    anki_validate: Callable[..., tuple[int, dict[str, Any]]],
    tmp_path: Path,
) -> None:
    sound = tmp_path / "heart.wav"
    sound.write_bytes(wav_bytes())
    mistake = tmp_path / "mistake.png"
    mistake.write_bytes(png_bytes(120, 80))
    picture = png_bytes()

    page = new_page()
    register(page, "first.hour")

    # --- a deck and a subdeck for cells
    page.get_by_label("New deck name").fill("Biology::Cells")
    page.get_by_role("button", name="Create deck").click()
    expect(page.locator('[data-deck="Biology::Cells"]')).to_be_visible()
    decks = deck_ids(api(page, "GET", "/api/decks")["decks"])
    biology, cells = decks["Biology"], decks["Biology::Cells"]

    page.get_by_role("link", name="Add", exact=True).click()
    expect(page.get_by_role("heading", name="Add notes")).to_be_visible()
    deck_select = page.get_by_label("Deck", exact=True)
    deck_select.select_option(label="Biology")  # at once: the pick must stay the deck used
    page.get_by_label("Note type").select_option(label=BASIC)

    # --- note 1 (Basic): bold by Ctrl+B, a pasted picture, an attached sound, a formula
    front = field(page, "Front")
    front.click()
    page.keyboard.type("Water is ")
    page.keyboard.press("Control+b")
    page.keyboard.type("H2O")
    page.keyboard.press("Control+b")
    page.keyboard.type(" ")
    with page.expect_response(lambda r: r.url.endswith("/api/media") and r.status == 201) as up:
        paste_file(front, "image.png", "image/png", picture)
    image_name = up.value.json()["name"]
    expect(front.locator("img.rich-field__image")).to_have_attribute(
        "src", re.compile("^data:image/png")
    )
    back = field(page, "Back")
    with page.expect_response(lambda r: r.url.endswith("/api/media") and r.status == 201):
        page.get_by_label("Back file").set_input_files(str(sound))
    expect(back).to_contain_text("[sound:heart.wav]")
    back.click()
    page.keyboard.press("End")
    page.keyboard.type(" energy \\(E=mc^2\\)")
    page.get_by_label("Tags", exact=True).press_sequentially("biology::chemistry first-hour")
    screenshot(page, "first-hour-01-rich-note")
    back.press("Control+Enter")
    added_badge(page, 1)

    # --- note 2: the same picture pasted again is the same file (Anki's naming)
    field(page, "Front").fill("Drawn again: ")
    with page.expect_response(lambda r: r.url.endswith("/api/media") and r.status == 201) as up:
        paste_file(field(page, "Front"), "image.png", "image/png", picture)
    assert up.value.json()["name"] == image_name
    expect(field(page, "Front").locator("img.rich-field__image")).to_be_visible()
    field(page, "Back").fill("a drop of water")
    page.get_by_role("button", name="Add", exact=True).click()
    added_badge(page, 2)

    # --- note 3: a picture attached by mistake (F3, Anki's attach key), then replaced by text
    # (its file goes unused). The page intercepts file choosers from here on: Playwright turns
    # interception on asynchronously when a listener appears, and a chooser opened before that
    # lands is cancelled unseen, so it must be on before F3 rather than raced by it.
    chosen: list[FileChooser] = []

    def note_chooser(opened: FileChooser) -> None:
        chosen.append(opened)

    page.on("filechooser", note_chooser)
    field(page, "Back").click()
    expect(field(page, "Back")).to_be_focused()  # F3 goes to the field that has the focus
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("F3")
    with page.expect_response(lambda r: r.url.endswith("/api/media") and r.status == 201):
        chooser.value.set_files(str(mistake))
    assert chosen == [chooser.value]  # one key press, one chooser
    page.remove_listener("filechooser", note_chooser)
    expect(field(page, "Back").locator("img.rich-field__image")).to_be_visible()
    add_plain(page, 3, {"Front": MORE_BASIC[0][0], "Back": MORE_BASIC[0][1]})
    expect(field(page, "Back")).to_have_text("")
    for n, (asked, told) in enumerate(MORE_BASIC[1:], start=4):
        add_plain(page, n, {"Front": asked, "Back": told})

    # --- notes 9-13 (Basic and reversed): new tags, one picked by completion
    page.get_by_label("Note type").select_option(label=REVERSED)
    tags = page.get_by_label("Tags", exact=True)
    tags.fill("")
    tags.press_sequentially("biology::plants ")
    choose_tag(page, "fir", "Tab", "first-hour")
    front = field(page, "Front")
    front.click()
    page.keyboard.type("The ")
    page.keyboard.press("Control+b")
    page.keyboard.type("stomata")
    page.keyboard.press("Control+b")
    page.keyboard.type(" of a leaf")
    field(page, "Back").click()
    page.keyboard.type("let gases in and out")
    page.get_by_role("button", name="Add", exact=True).click()
    added_badge(page, 9)
    field(page, "Front").fill("kinetic energy")
    field(page, "Back").fill("\\frac{1}{2}mv^2")
    field(page, "Back").click()
    page.keyboard.press("End")
    page.keyboard.press("Shift+Home")
    page.get_by_role("toolbar", name="Back formatting").get_by_role(
        "button", name="Formula"
    ).click()
    expect(field(page, "Back")).to_have_text("\\(\\frac{1}{2}mv^2\\)")
    page.get_by_role("button", name="Add", exact=True).click()
    added_badge(page, 10)
    for n, (asked, told) in enumerate(MORE_REVERSED, start=11):
        add_plain(page, n, {"Front": asked, "Back": told})
    assert n == 14

    # --- notes 15-20 (Cloze) in the subdeck: Ctrl+Shift+C, tags completed from a `::` level
    deck_select.select_option(label="Biology › Cells")
    page.get_by_label("Note type").select_option(label=CLOZE)
    tags.fill("")
    choose_tag(page, "chem", "Tab", "biology::chemistry")
    choose_tag(page, "fir", "Enter", "first-hour")
    tags.press_sequentially("cells")
    text = field(page, "Text")
    text.click()
    page.keyboard.type("The ")
    page.keyboard.press("Control+Shift+C")  # nothing selected: {{c1::}} with the caret inside
    page.keyboard.type("nucleus")
    page.keyboard.press("End")
    page.keyboard.type(" holds the DNA")
    page.keyboard.press("Control+Shift+ArrowLeft")
    page.keyboard.press("Control+Shift+C")  # the next number
    expect(text).to_have_text("The {{c1::nucleus}} holds the {{c2::DNA}}")
    page.get_by_role("button", name="Preview").click()
    cloze_front = page.frame_locator('iframe[title="Cloze 2 front"]').locator("body")
    expect(cloze_front).to_contain_text("The nucleus holds the [...]")
    screenshot(page, "first-hour-02-cloze-preview")
    page.get_by_role("button", name="Hide preview").click()
    text.press("Control+Enter")
    added_badge(page, 15)
    for n, sentence in enumerate(MORE_CLOZE, start=16):
        text.fill(sentence)
        select_last_word_and_cloze(page, text, by_button=n % 2 == 0)
        expect(text).to_have_text(re.compile(r"\{\{c1::\w+\}\}$"))
        page.get_by_role("button", name="Add", exact=True).click()
        added_badge(page, n)
    assert n == 20

    # --- what was made, in the page and in the API
    page.get_by_role("link", name="Browse added notes").click()
    expect(page.get_by_label("Search", exact=True)).to_have_value(
        re.compile(r"^nid:\d+(,\d+){19}$")
    )
    expect(page.get_by_text("27 cards", exact=True)).to_be_visible()
    screenshot(page, "first-hour-03-browse")
    listed = api(page, "GET", "/api/cards?q=deck:Biology&page_size=100")["cards"]
    assert len(listed) == 27
    assert sorted({c["deck_id"] for c in listed}) == sorted([biology, cells])
    notes = {}
    for note_id in sorted({c["note_id"] for c in listed}):
        note = api(page, "GET", f"/api/notes/{note_id}")
        notes[note["fields"][0]] = note
    assert len(notes) == 20
    first = notes[f'Water is <b>H2O</b> <img src="{image_name}">']
    assert first["fields"][1] == "[sound:heart.wav] energy \\(E=mc^2\\)"
    assert sorted(first["tags"]) == ["biology::chemistry", "first-hour"]
    assert notes[f'Drawn again: <img src="{image_name}">']["fields"][1] == "a drop of water"
    stomata = notes["The <b>stomata</b> of a leaf"]
    assert stomata["fields"][1] == "let gases in and out"
    assert sorted(stomata["tags"]) == ["biology::plants", "first-hour"]
    assert notes["kinetic energy"]["fields"][1] == "\\(\\frac{1}{2}mv^2\\)"
    nucleus = notes["The {{c1::nucleus}} holds the {{c2::DNA}}"]
    assert sorted(nucleus["tags"]) == ["biology::chemistry", "cells", "first-hour"]
    assert notes["Vacuoles store {{c1::water}}"]["fields"] == ["Vacuoles store {{c1::water}}", ""]
    known_tags = set(api(page, "GET", "/api/tags")["tags"])
    assert {"biology::chemistry", "biology::plants", "first-hour", "cells"} <= known_tags
    assert api(page, "GET", "/api/media-check") == {"unused": ["mistake.png"], "missing": []}

    # --- the Add screen starts on the deck last added to (Anki's rule) ...
    page.get_by_role("link", name="Add", exact=True).click()
    expect(page.get_by_label("Deck", exact=True)).to_have_value(str(cells))

    # --- study a few cards of Biology: the picture, the bold text and the formula are drawn
    page.get_by_role("link", name="Decks").click()
    page.locator('[data-deck="Biology"]').get_by_role("link", name="Biology", exact=True).click()
    question = page.frame_locator("iframe.card-frame--shown").locator("body")
    expect(question.locator("b")).to_have_text("H2O")
    image = question.locator("img")
    expect(image).to_have_attribute("src", re.compile("^data:image/png"))
    assert image.evaluate("img => img.complete && img.naturalWidth") == 160
    screenshot(page, "first-hour-04-study-question")
    page.keyboard.press("Space")
    answer = page.frame_locator("iframe.card-frame--shown").locator("body")
    expect(answer.locator("mjx-container svg")).to_be_visible()
    expect(answer.locator("audio")).to_have_count(1)
    screenshot(page, "first-hour-05-study-answer")
    for studied in range(3):
        if studied:
            expect(page.locator('.card-stage[data-side="question"]')).to_be_visible()
            page.keyboard.press("Space")
        expect(page.locator('.card-stage[data-side="answer"]')).to_be_visible()
        with page.expect_response(lambda r: r.url.endswith("/api/review") and r.ok):
            page.keyboard.press("3")

    # --- ... and, once a deck is studied, on that deck
    page.get_by_role("link", name="Add", exact=True).click()
    expect(page.get_by_label("Deck", exact=True)).to_have_value(str(biology))

    # --- Check Media: the picture no card uses is listed and deleted after confirmation
    page.get_by_role("link", name="Media", exact=True).click()
    unused = page.get_by_role("region", name="Unused files (1)")
    expect(unused.get_by_text("mistake.png")).to_be_visible()
    unused.get_by_role("button", name="Show mistake.png").click()
    shown = unused.get_by_role("img", name="mistake.png")
    expect(shown).to_be_visible()
    assert shown.evaluate("img => img.complete && img.naturalWidth") == 120
    expect(page.get_by_role("region", name=re.compile("Missing files"))).to_have_count(0)
    screenshot(page, "first-hour-06-check-media")
    page.once("dialog", lambda dialog: dialog.accept())
    unused.get_by_role("button", name="Delete unused").click()
    expect(page.locator(".media-check [role=status]")).to_have_text("Deleted 1 file.")
    expect(page.get_by_text("No unused or missing files")).to_be_visible()
    assert api(page, "GET", "/api/media-check") == {"unused": [], "missing": []}

    # --- export the collection; real Anki judges it
    page.get_by_role("link", name="Import / Export").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export .apkg").click()
    package = tmp_path / "first-hour.apkg"
    download.value.save_as(package)
    rc, verdict = anki_validate(
        package, strict=True, expect={"notes": 20, "cards": 27, "revlog": 3, "media_files": 2}
    )
    assert rc == 0, verdict
    judged = anki_judges_the_export(package, tmp_path / "anki")
    assert judged["media"] == sorted([image_name, "heart.wav"])
    seen = judged["notes"]
    assert len(seen) == 20
    assert seen[first["fields"][0]]["fields"] == first["fields"]
    assert seen[first["fields"][0]]["notetype"] == BASIC
    assert seen["The <b>stomata</b> of a leaf"] == {
        "fields": ["The <b>stomata</b> of a leaf", "let gases in and out"],
        "tags": ["biology::plants", "first-hour"],
        "notetype": REVERSED,
        "cards": 2,
        "decks": ["Biology"],
    }
    assert seen["The {{c1::nucleus}} holds the {{c2::DNA}}"]["cards"] == 2
    assert seen["The {{c1::nucleus}} holds the {{c2::DNA}}"]["decks"] == ["Biology::Cells"]
    by_type = {
        kind: sum(1 for n in seen.values() if n["notetype"] == kind)
        for kind in (BASIC, REVERSED, CLOZE)
    }
    assert by_type == {BASIC: 8, REVERSED: 6, CLOZE: 6}
