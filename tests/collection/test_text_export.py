"""Notes in Plain Text checked against real Anki: the file we write for a collection is the
file the ``anki`` package's ``export_note_csv`` writes for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock
from javumbo.collection.text_export import export_notes_text
from tests.collection.conftest import CLOCK_START, AnkiMadeCollection


def test_notes_in_plain_text_as_anki_writes_them(
    anki_made_collection: AnkiMadeCollection, tmp_path: Path
) -> None:
    anki_file = tmp_path / "anki.txt"

    def setup(col: Any) -> None:
        from anki import import_export_pb2 as pb
        from anki.generic_pb2 import Empty

        basic = col.models.by_name("Basic")
        for front, back, tags in [
            ("cat", "le <b>chat</b> n#1", "animals Zoo"),
            ('say "hi"', "tab\there", ""),
            ("#hash", "line<br>two\nthree", "x"),
        ]:
            note = col.new_note(basic)
            note["Front"], note["Back"] = front, back
            note.tags = tags.split()
            col.add_note(note, col.decks.id("Lang::French"))
        cloze = col.new_note(col.models.by_name("Cloze"))
        cloze["Text"] = "{{c1::Hola}}<style>x</style>"
        col.add_note(cloze, 1)
        col.export_note_csv(
            out_path=str(anki_file),
            limit=pb.ExportLimit(whole_collection=Empty()),
            with_html=True,
            with_tags=True,
            with_deck=True,
            with_notetype=True,
            with_guid=True,
        )

    path = anki_made_collection(setup)
    ours = tmp_path / "ours.txt"
    col = Collection.open(path, clock=FixedClock(CLOCK_START))
    try:
        assert export_notes_text(col, ours) == 4
    finally:
        col.close()
    assert ours.read_text(encoding="utf-8") == anki_file.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "options",
    [
        {"with_html": False},
        {"with_guid": False, "with_deck": False},
        {"with_notetype": False, "with_tags": False},
        {
            "with_html": False,
            "with_tags": False,
            "with_deck": False,
            "with_notetype": False,
            "with_guid": False,
        },
    ],
)
def test_anki_export_options_leave_out_html_and_columns(
    anki_made_collection: AnkiMadeCollection, tmp_path: Path, options: dict[str, bool]
) -> None:
    """Anki's export dialog options: without HTML each field becomes one line of text (line
    breaks as spaces, media file names kept, entities decoded); columns left out as chosen."""
    anki_file = tmp_path / "anki.txt"
    chosen = {
        "with_html": True,
        "with_tags": True,
        "with_deck": True,
        "with_notetype": True,
        "with_guid": True,
        **options,
    }

    def setup(col: Any) -> None:
        from anki import import_export_pb2 as pb
        from anki.generic_pb2 import Empty

        basic = col.models.by_name("Basic (type in the answer)")
        for front, back, tags in [
            ('<div>big</div><div>cat &amp; <img src="cat.png"></div>', "line<br/>two\nthree", "a"),
            ("[sound:miau.mp3] &nbsp;sound&lt;", "{{type:Back}} [[type:Back]]<b>bold</b>", ""),
            ("  #spaced  ", "tab\tin <i>it</i>", "x y"),
            ("  a & b  ", " <b>x</b> ", ""),
        ]:
            note = col.new_note(basic)
            note["Front"], note["Back"] = front, back
            note.tags = tags.split()
            col.add_note(note, col.decks.id("Lang::French"))
        col.export_note_csv(
            out_path=str(anki_file), limit=pb.ExportLimit(whole_collection=Empty()), **chosen
        )

    path = anki_made_collection(setup)
    ours = tmp_path / "ours.txt"
    col = Collection.open(path, clock=FixedClock(CLOCK_START))
    try:
        assert export_notes_text(col, ours, **chosen) == 4
    finally:
        col.close()
    assert ours.read_text(encoding="utf-8") == anki_file.read_text(encoding="utf-8")
