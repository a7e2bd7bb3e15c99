"""Creating and opening collections: real Anki must accept what we create, and bad files are
refused without being modified."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from javumbo.collection import Collection, FixedClock, InvalidCollectionError
from tests.conftest import ANKI_FIXTURES


def test_new_collection_passes_anki_check_database(
    tmp_path: Path, anki_validate: Callable[..., tuple[int, dict]]
) -> None:
    path = tmp_path / "new.anki2"
    Collection.create(path).close()
    rc, report = anki_validate(path)
    assert rc == 0, report
    counts = report["counts"]
    assert counts["notes"] == 0
    assert counts["deck_names"] == ["Default"]
    assert set(counts["note_type_names"]) >= {
        "Basic",
        "Basic (and reversed card)",
        "Basic (optional reversed card)",
        "Cloze",
    }
    assert counts["scheduler"] == "v3"


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "c.anki2"
    Collection.create(path).close()
    with pytest.raises(InvalidCollectionError, match="already exists"):
        Collection.create(path)


def test_close_leaves_no_wal(tmp_path: Path) -> None:
    path = tmp_path / "c.anki2"
    col = Collection.create(path)
    col.touch()
    col.close()
    assert not (tmp_path / "c.anki2-wal").exists()
    assert path.read_bytes()[18:20] == b"\x01\x01"  # rollback journal, not WAL


def test_sample_collection_opens(anki_fixtures: Path, tmp_path: Path) -> None:
    copy = tmp_path / "sample.anki2"
    shutil.copy(anki_fixtures / "sample_schema11.anki2", copy)
    col = Collection.open(copy)
    try:
        assert col.db.execute("select count() from notes").fetchone()[0] == 18
        assert col.db.execute("select count() from cards").fetchone()[0] == 27
        assert {d["name"] for d in col.decks.values()} >= {"Geography", "Lang::Spanish"}
    finally:
        col.close()


REFUSED = [
    "not_sqlite.anki2",
    "empty_file.anki2",
    "sqlite_without_col_table.anki2",
    "missing_col_row.anki2",
    "schema_ver_99.anki2",
    "schema_ver_10.anki2",
    "schema_ver_18_but_v11_tables.anki2",
    "bad_models_json.anki2",
]


@pytest.mark.parametrize("name", REFUSED)
def test_broken_files_are_refused_unchanged(anki_fixtures: Path, tmp_path: Path, name: str) -> None:
    copy = tmp_path / name
    shutil.copy(anki_fixtures / "broken" / name, copy)
    before = hashlib.sha256(copy.read_bytes()).hexdigest()
    with pytest.raises(InvalidCollectionError) as info:
        Collection.open(copy)
    assert str(info.value)
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_day_numbers_follow_the_rollover_hour(tmp_path: Path) -> None:
    start = 1_800_000_000.0  # 2027-01-15 08:00 UTC
    clock = FixedClock(start)
    col = Collection.create(tmp_path / "c.anki2", clock=clock)
    assert col.today() == 0
    clock.advance(19 * 3600)  # 03:00 the next day: before the 04:00 rollover
    assert col.today() == 0
    clock.advance(3600)  # 04:00: a new day
    assert col.today() == 1
    assert col.day_cutoff() == int(clock.now()) + 86400
    col.close()


@pytest.mark.parametrize("value", ["5", 5.0, None, [5], True, 2**40])
def test_config_numbers_of_the_wrong_kind_read_as_anki_defaults(
    tmp_path: Path, value: object
) -> None:
    """As Anki reads its config, a value that is not a whole number (as a sync client could
    write it) is its default, and the collection keeps working."""
    col = Collection.create(tmp_path / "c.anki2", clock=FixedClock(1_800_000_000.0))
    timing = col.sched_timing()
    col.save_json("conf", {**col.conf, "rollover": 9, "nextPos": 7, "collapseTime": 60})
    assert (col.conf_int("rollover", 4), col.conf_int("nextPos", 1)) == (9, 7)
    keys = ("rollover", "creationOffset", "localOffset", "nextPos", "collapseTime")
    col.save_json("conf", {**col.conf, **dict.fromkeys(keys, value)})
    assert col.conf_int("rollover", 4) == 4
    assert col.conf_int("creationOffset", None) is None
    assert col.conf_int("collapseTime", 1200) == 1200
    assert col.sched_timing().days_elapsed == timing.days_elapsed
    col.close()


def test_new_ids_are_unique_within_one_millisecond(tmp_path: Path) -> None:
    col = Collection.create(tmp_path / "c.anki2", clock=FixedClock(1_800_000_000.0))
    ids = [col.new_id("notes") for _ in range(100)]
    assert len(set(ids)) == 100
    assert ids[0] == 1_800_000_000_000
    col.close()


def test_failed_commit_hook_rolls_back(tmp_path: Path) -> None:
    col = Collection.create(tmp_path / "c.anki2")
    before = col.mod

    def refuse(_: Collection) -> None:
        raise RuntimeError("journal append lost")

    col.add_before_commit_hook(refuse)
    with pytest.raises(RuntimeError):
        col.touch()
    assert col.mod == before
    assert col.db.execute("select mod from col").fetchone()[0] == before
    col.close()


OPENABLE = sorted(
    {p.name for p in (ANKI_FIXTURES / "broken").glob("*.anki2")} - set(REFUSED)
)  # damaged but openable: Anki opens them too (and repairs some on check_database)


@pytest.mark.parametrize("name", OPENABLE)
def test_damaged_but_valid_files_open_and_can_be_read(
    anki_fixtures: Path, tmp_path: Path, name: str
) -> None:
    copy = tmp_path / name
    shutil.copy(anki_fixtures / "broken" / name, copy)
    col = Collection.open(copy)
    try:
        notes = col.db.execute("select count() from notes").fetchone()[0]
        cards = col.db.execute("select count() from cards").fetchone()[0]
        assert notes >= 1 and cards >= 1
        assert col.decks and col.models
        col.touch()  # writable, no crash on the damage
    finally:
        col.close()


def test_wal_not_checkpointed_shows_what_the_main_file_holds(
    anki_fixtures: Path, tmp_path: Path
) -> None:
    """The fixture's 4th note lives only in a -wal that was not copied: like Anki, we see 3."""
    copy = tmp_path / "wal.anki2"
    shutil.copy(anki_fixtures / "broken" / "wal_not_checkpointed.anki2", copy)
    col = Collection.open(copy)
    try:
        assert col.db.execute("select count() from notes").fetchone()[0] == 3
    finally:
        col.close()
