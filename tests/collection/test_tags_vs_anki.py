"""Tags against real Anki on copies of one collection: bulk add and remove, notes added and
edited, find and replace in tags, and the tag list after undo. The same notes end with the same
tags (spelling and order), and ``col.tags.all()`` matches ours."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, ValidationError
from javumbo.collection.browser.tag_replace import find_and_replace_tags
from javumbo.collection.browser.tagging import tag_notes
from javumbo.collection.notes import add_note, update_note
from javumbo.collection.undo import undo

NOTE_TAGS = [
    ["Alpha::One", "alpha2", "beta"],
    ["zeta", "Beta2", "Ǆx"],
    ["other", "q1", "leech"],
    [],
    ["marked", "q2", "Foo::bar"],
]


def _build(anki: Any) -> None:
    basic = anki.models.by_name("Basic")
    for k, tags in enumerate(NOTE_TAGS):
        note = anki.new_note(basic)
        note["Front"] = f"front {k}"
        note.tags = tags
        anki.add_note(note, 1)


class Pair:
    def __init__(self, anki: Any, ours: Collection, ours_path: Path) -> None:
        self.anki = anki
        self.ours = ours
        self.ours_path = ours_path
        self.nids = [int(n) for n in anki.db.list("select id from notes order by id")]

    def note_tags(self) -> tuple[list[str], list[str]]:
        theirs = [str(t) for t in self.anki.db.list("select tags from notes order by id")]
        ours = [str(r[0]) for r in self.ours.db.execute("select tags from notes order by id")]
        return theirs, ours

    def note_mods(self) -> tuple[list[int], list[int]]:
        theirs = [int(m) for m in self.anki.db.list("select mod from notes order by id")]
        ours = [int(r[0]) for r in self.ours.db.execute("select mod from notes order by id")]
        return theirs, ours

    def registered(self) -> tuple[list[str], list[str]]:
        """Both tag lists, sorted as Anki's ``all()`` is (ours read from the stored row)."""
        ours = json.loads(self.ours.db.execute("select tags from col").fetchone()[0])
        return sorted(self.anki.tags.all(), key=str.casefold), sorted(ours, key=str.casefold)


@pytest.fixture
def pair(anki_made_collection: Any, tmp_path: Path) -> Iterator[Pair]:
    from anki.collection import Collection as AnkiCol

    path = anki_made_collection(_build)
    copy = tmp_path / "ours.anki2"
    shutil.copy(path, copy)
    anki = AnkiCol(str(path))
    ours = Collection.open(copy)
    try:
        yield Pair(anki, ours, copy)
    finally:
        anki.close()
        ours.close()


CASES = [
    ("2", "::Two", False, True),  # a new child of a known parent takes the parent's case
    ("a", "\x01q", False, False),  # control characters are dropped
    ("(z)(e)", "$2$1", True, False),
    ("^(\\w+)::", "${1}x::", True, False),
    ("^q\\d$", "", True, False),  # emptied tags leave the note
    ("b", "::", False, False),  # blank parts are named "blank"
    ("ǆX", "Q", False, False),  # case-insensitive beyond ASCII
    ("q1", "alpha::one::z", False, False),
    ("O", "o", False, True),
    ("nothing", "x", False, False),
]


@pytest.mark.parametrize(("search", "replacement", "regex", "match_case"), CASES)
def test_replacing_in_tags_gives_anki_tags(
    pair: Pair, search: str, replacement: str, regex: bool, match_case: bool
) -> None:
    chosen = pair.nids[:3] + pair.nids[4:]
    expected = pair.anki.tags.find_and_replace(chosen, search, replacement, regex, match_case).count
    changed = find_and_replace_tags(
        pair.ours, chosen, search, replacement, regex_search=regex, match_case=match_case
    )
    assert changed == expected
    theirs, ours = pair.note_tags()
    assert ours == theirs
    assert pair.registered()[1] == pair.registered()[0]
    if expected:
        assert pair.anki.undo_status().undo == undo(pair.ours).label == "Update Tag"
        pair.anki.undo()
        assert pair.note_tags()[1] == pair.note_tags()[0]
        assert pair.registered()[1] == pair.registered()[0]


def test_tags_outside_the_chosen_notes_are_left(pair: Pair) -> None:
    find_and_replace_tags(pair.ours, pair.nids[:1], "a", "x")
    pair.anki.tags.find_and_replace(pair.nids[:1], "a", "x", False, False)
    theirs, ours = pair.note_tags()
    assert ours == theirs
    assert "beta2" in ours[1].lower()


@pytest.mark.parametrize(
    ("search", "replacement", "regex"), [("(", "x", True), ("a", "x y", False)]
)
def test_refused_as_anki_refuses(pair: Pair, search: str, replacement: str, regex: bool) -> None:
    from anki.errors import InvalidInput

    before = pair.note_tags()[1]
    with pytest.raises(InvalidInput):
        pair.anki.tags.find_and_replace(pair.nids, search, replacement, regex, False)
    with pytest.raises(ValidationError):
        find_and_replace_tags(pair.ours, pair.nids, search, replacement, regex_search=regex)
    assert pair.note_tags()[1] == before


def test_undoing_add_tags_unregisters_the_new_tags(pair: Pair) -> None:
    pair.anki.tags.bulk_add(pair.nids[:2], "brandnew Beta::Sub")
    tag_notes(pair.ours, pair.nids[:2], ["brandnew", "Beta::Sub"], [])
    assert "brandnew" in pair.registered()[1]
    pair.anki.undo()
    undo(pair.ours)
    theirs, ours = pair.registered()
    assert ours == theirs
    assert "brandnew" not in ours
    assert pair.note_tags()[1] == pair.note_tags()[0]


def test_undoing_a_note_edit_unregisters_its_new_tag(pair: Pair) -> None:
    from javumbo.collection.undo import undoable

    before = pair.registered()[1]
    with undoable(pair.ours, "Update Note", note_ids=[pair.nids[3]]):
        update_note(pair.ours, pair.nids[3], tags=["freshly-typed"])
    assert "freshly-typed" in pair.registered()[1]
    undo(pair.ours)
    assert pair.registered()[1] == before


BULK_CASES = [
    ("add", "zz aa"),  # sorted in, case-insensitively
    ("add", "ALPHA2 beta"),  # every chosen note has them: left untouched
    ("add", "alpha::one::deep foo::BAR::x"),  # the spelling of known tags and parents
    ("add", "new::  x\u3000émile Émile"),  # blank parts, the ideographic space, repeats
    ("remove", "ALPHA"),  # the tag's children go with it
    ("remove", "beta q*"),  # no wildcards: only the tag itself
    ("remove", "Ǆx zeta"),
    ("remove", "absent"),
]


@pytest.mark.parametrize(("action", "tags"), BULK_CASES)
def test_bulk_add_and_remove_give_anki_tags(pair: Pair, action: str, tags: str) -> None:
    chosen = pair.nids[:2] + pair.nids[3:]
    before_mod = pair.note_mods()[0]
    if action == "add":
        pair.anki.tags.bulk_add(chosen, tags)
        tag_notes(pair.ours, chosen, tags.split(), [])
    else:
        pair.anki.tags.bulk_remove(chosen, tags)
        tag_notes(pair.ours, chosen, [], tags.split())
    theirs, ours = pair.note_tags()
    assert ours == theirs
    assert pair.registered()[1] == pair.registered()[0]
    theirs_mod, ours_mod = pair.note_mods()
    theirs_touched = [mod != b for mod, b in zip(theirs_mod, before_mod, strict=True)]
    ours_touched = [mod != b for mod, b in zip(ours_mod, before_mod, strict=True)]
    assert ours_touched == theirs_touched
    label = pair.anki.undo_status().undo
    if any(theirs_touched):
        assert undo(pair.ours).label == label == ("Update Tag" if action == "add" else "Remove Tag")


@pytest.mark.parametrize(
    "tags",
    [
        ["zeta", "ALPHA::one", "Alpha::One::x", "beta", "BETA"],
        ["foo::bar::baz", "FOO", "m\u0301", "::"],
    ],
)
def test_added_and_edited_notes_spell_and_order_tags_as_anki(pair: Pair, tags: list[str]) -> None:
    basic = pair.anki.models.by_name("Basic")
    theirs = pair.anki.new_note(basic)
    theirs["Front"] = "added"
    theirs.tags = list(tags)
    pair.anki.add_note(theirs, 1)
    ours = add_note(pair.ours, int(basic["id"]), ["added", ""], 1, tags)
    assert " ".join(ours.tags) == " ".join(pair.anki.get_note(theirs.id).tags)
    assert pair.registered()[1] == pair.registered()[0]

    edited = pair.anki.get_note(pair.nids[0])
    edited.tags = [*reversed(tags), "Zeta2"]
    pair.anki.update_note(edited)
    update_note(pair.ours, pair.nids[0], tags=[*reversed(tags), "Zeta2"])
    assert pair.note_tags()[1][0] == pair.note_tags()[0][0]
    assert pair.registered()[1] == pair.registered()[0]
