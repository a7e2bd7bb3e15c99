"""Check Media compared with real Anki's (``col.media.check()``) on the same notes and files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from javumbo.collection import Collection, FixedClock
from javumbo.collection.media_check import check_media
from tests.collection.conftest import CLOCK_START, AnkiMadeCollection

FILES = {"used.png": b"png", "unused.jpg": b"jpg", "_font.ttf": b"ttf", "song.mp3": b"mp3"}


def test_unused_and_missing_as_anki_finds_them(
    anki_made_collection: AnkiMadeCollection, tmp_path: Path
) -> None:
    found: dict[str, Any] = {}

    def setup(col: Any) -> None:
        for name, data in FILES.items():
            Path(col.media.dir(), name).write_bytes(data)
        basic = col.models.by_name("Basic")
        for front, back in [
            ('<img src="used.png">', "[sound:song.mp3]"),
            ('<img src="gone.png">', "x"),
            ("y", '<img src="gone.png"> [sound:lost.ogg]'),
        ]:
            note = col.new_note(basic)
            note["Front"], note["Back"] = front, back
            col.add_note(note, 1)
        output = col.media.check()
        found["unused"] = sorted(output.unused)
        found["missing"] = sorted(output.missing)
        found["missing_nids"] = sorted(output.missing_media_notes)

    path = anki_made_collection(setup)
    col = Collection.open(path, clock=FixedClock(CLOCK_START))
    try:
        result = check_media(col, FILES)
    finally:
        col.close()
    assert result.unused == found["unused"] == ["unused.jpg"]
    assert sorted(result.missing) == found["missing"]
    assert sorted({n for ids in result.missing.values() for n in ids}) == found["missing_nids"]
