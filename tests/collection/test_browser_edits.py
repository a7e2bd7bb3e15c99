"""Find and replace and find duplicates give what real Anki gives on the same collection."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, ValidationError
from javumbo.collection.browser.duplicates import find_duplicates
from javumbo.collection.browser.find_replace import find_and_replace

FRONTS = [
    "<b>Dog</b>",
    "dog",
    "Dog",
    "cat &amp; mouse",
    "cat & mouse",
    "Price $5 dog",
    "bird",
    " dog",
    "<img src='dog.png'>",
    '<img src="dog.png">',
]


def _build(anki: Any) -> None:
    basic = anki.models.by_name("Basic")
    for k, front in enumerate(FRONTS):
        note = anki.new_note(basic)
        note["Front"] = front
        note["Back"] = f"back dog {k} DOG"
        anki.add_note(note, 1)


@pytest.fixture
def pair(anki_made_collection: Any, tmp_path: Path) -> tuple[Path, Path]:
    path = anki_made_collection(_build)
    copy = tmp_path / "ours.anki2"
    shutil.copy(path, copy)
    return path, copy


def _fields(path: Path) -> list[str]:
    import sqlite3

    with sqlite3.connect(path) as db:
        return [r[0] for r in db.execute("select flds from notes order by id")]


CASES = [
    ("dog", "cat", False, False, None),
    ("dog", "cat", False, True, None),
    ("dog", "$1 dollars", False, False, "Front"),
    (r"(\w+) dog", "${1}-$1x $$", True, False, None),
    (r"(?P<w>d.g)", "[$w]", True, True, "Back"),
    ("o", "", False, False, "Nope"),
]


@pytest.mark.parametrize(("search", "replacement", "regex", "match_case", "field"), CASES)
def test_find_and_replace_changes_what_anki_changes(
    pair: tuple[Path, Path],
    search: str,
    replacement: str,
    regex: bool,
    match_case: bool,
    field: str | None,
) -> None:
    from anki.collection import Collection as AnkiCol

    anki = AnkiCol(str(pair[0]))
    try:
        expected = anki.find_and_replace(
            note_ids=[],
            search=search,
            replacement=replacement,
            regex=regex,
            match_case=match_case,
            field_name=field,
        ).count
    finally:
        anki.close(downgrade=True)
    col = Collection.open(pair[1])
    try:
        changed = find_and_replace(
            col, [], search, replacement, regex_search=regex, match_case=match_case, field=field
        )
    finally:
        col.close()
    assert changed == expected
    assert _fields(pair[1]) == _fields(pair[0])


def test_a_bad_expression_is_a_validation_error(pair: tuple[Path, Path]) -> None:
    col = Collection.open(pair[1])
    try:
        with pytest.raises(ValidationError):
            find_and_replace(col, [], "(unclosed", "x", regex_search=True)
    finally:
        col.close()


@pytest.mark.parametrize(
    ("field", "search"), [("Front", ""), ("front", "bird or dog"), ("Back", "")]
)
def test_duplicates_are_anki_duplicates(pair: tuple[Path, Path], field: str, search: str) -> None:
    from anki.collection import Collection as AnkiCol
    from anki.lang import set_lang

    set_lang("en_US")  # anki's HTML stripping goes through its i18n backend
    reference = AnkiCol(str(pair[0]))
    try:
        expected = [(text, list(nids)) for text, nids in reference.find_dupes(field, search)]
    finally:
        reference.close(downgrade=True)
    col = Collection.open(pair[1])
    try:
        assert find_duplicates(col, field, search) == expected
    finally:
        col.close()
    assert field == "Back" or expected


def test_find_and_replace_is_one_undo_step(pair: tuple[Path, Path]) -> None:
    from javumbo.collection.undo import undo

    before = _fields(pair[1])
    col = Collection.open(pair[1])
    try:
        assert find_and_replace(col, [], "dog", "cat") > 0
        assert undo(col).label == "Find and Replace"
    finally:
        col.close()
    assert _fields(pair[1]) == before
