"""The packages real Anki wrote (``../shared/fixtures/anki``) import with every count intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from javumbo.collection import Collection
from javumbo.collection.apkg import import_apkg

from .conftest import counts, expected_counts

SAMPLES = [
    "sample_legacy_anki2.apkg",
    "sample_legacy_anki21.apkg",
    "sample_current.apkg",
]


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_packages_import_with_scheduling(
    name: str, col: Collection, media_dir: Path, anki_fixtures: Path
) -> None:
    report = import_apkg(col, anki_fixtures / name, media_dir=media_dir)

    assert counts(col) == expected_counts(anki_fixtures / "sample.expect.json")
    assert report.notes_added == 18 and report.cards_added == 27 and report.revlog_added == 24
    assert sorted(p.name for p in media_dir.iterdir()) == ["bandera_españa.png", "cell.png"]
    assert report.media_added == 2
    names = {d["name"] for d in col.decks.values()}
    assert {"Geography", "Lang", "Lang::Spanish", "Science"} <= names
    # fresh collections already have stock "Basic" etc. with other ids: Anki's "+" rule
    assert sorted(report.notetypes_added) == ["Basic (and reversed card)+", "Basic+", "Cloze+"]


@pytest.mark.parametrize("name", SAMPLES)
def test_second_import_adds_nothing(
    name: str, col: Collection, media_dir: Path, anki_fixtures: Path
) -> None:
    import_apkg(col, anki_fixtures / name, media_dir=media_dir)
    before = counts(col)

    again = import_apkg(col, anki_fixtures / name, media_dir=media_dir)

    assert counts(col) == before
    assert (again.notes_added, again.cards_added, again.revlog_added) == (0, 0, 0)
    assert again.notes_skipped == 18
    assert again.notetypes_added == [] and again.decks_added == []
    assert again.media_added == 0 and again.media_renamed == {}


def test_report_counts_rows_not_trigger_writes(
    col: Collection, media_dir: Path, anki_fixtures: Path
) -> None:
    """The storage engine watches writes with triggers; the report must not count theirs."""
    col.db.execute("create temp table watched (n integer)")
    col.db.execute(
        "create temp trigger watch_revlog after insert on revlog"
        " begin insert into watched values (new.id); end"
    )
    report = import_apkg(col, anki_fixtures / "sample_legacy_anki21.apkg", media_dir=media_dir)
    assert report.revlog_added == 24
    assert col.db.execute("select count() from watched").fetchone()[0] == 24
