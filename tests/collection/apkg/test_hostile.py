"""Hostile and broken packages: each gets a ``PackageError`` naming the problem, the collection
and media folder stay byte-identical, and nothing is written anywhere else."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import zstandard

from javumbo.collection import Collection
from javumbo.collection.apkg import PackageError, PackageLimits, import_apkg, import_colpkg
from javumbo.collection.apkg.media import LocalMediaStore
from javumbo.collection.decks import add_deck
from javumbo.collection.notes import add_note
from javumbo.collection.notetypes import notetype_by_name

from .conftest import PNG, counts, tree_digest

Entries = list[tuple[str, bytes]]
Snapshot = Callable[[], dict[str, str]]


def good_collection_bytes(
    tmp_path: Path, *, field: str = "hello", back: str = '<img src="pic.png">'
) -> bytes:
    """A small valid schema-11 collection (2 notes, one with an image) as bytes."""
    path = tmp_path / "source-for-package.anki2"
    src = Collection.create(path)
    basic = notetype_by_name(src, "Basic")
    assert basic is not None
    did = add_deck(src, "Hostile")
    add_note(src, basic["id"], [field, back], did)
    add_note(src, basic["id"], ["second", "back"], did)
    src.close()
    data = path.read_bytes()
    path.unlink()
    return data


def write_zip(path: Path, entries: Entries, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


@pytest.fixture
def target(col: Collection, media_dir: Path) -> Iterator[Snapshot]:
    """Snapshot of the user's collection, its WAL and the media folder (seeded with a file)."""
    basic = notetype_by_name(col, "Basic")
    assert basic is not None
    add_note(col, basic["id"], ["existing", "note"], 1)
    media_dir.mkdir()
    (media_dir / "pic.png").write_bytes(b"the user's own picture")

    def snapshot() -> dict[str, str]:
        return tree_digest(col.path, Path(f"{col.path}-wal"), media_dir)

    yield snapshot


def assert_refused(
    col: Collection,
    media_dir: Path,
    tmp_path: Path,
    snapshot: Snapshot,
    package: Path,
    match: str,
    limits: PackageLimits | None = None,
) -> None:
    before = snapshot()
    before_counts = counts(col)
    before_files = sorted(p for p in tmp_path.rglob("*"))
    with pytest.raises(PackageError, match=match):
        if limits is None:
            import_apkg(col, package, media_dir=media_dir)
        else:
            import_apkg(col, package, media_dir=media_dir, limits=limits)
    assert snapshot() == before
    assert counts(col) == before_counts
    assert sorted(p for p in tmp_path.rglob("*")) == before_files


def test_truncated_zip(
    col: Collection, media_dir: Path, tmp_path: Path, target: Snapshot, anki_fixtures: Path
) -> None:
    good = (anki_fixtures / "sample_legacy_anki21.apkg").read_bytes()
    package = tmp_path / "truncated.apkg"
    package.write_bytes(good[: len(good) // 2])
    assert_refused(col, media_dir, tmp_path, target, package, "not a zip file")


def test_not_a_zip(col: Collection, media_dir: Path, tmp_path: Path, target: Snapshot) -> None:
    package = tmp_path / "text.apkg"
    package.write_text("just some text, not a package")
    assert_refused(col, media_dir, tmp_path, target, package, "not a zip file")


def test_shared_fixture_truncated_and_without_collection(
    col: Collection,
    media_dir: Path,
    tmp_path: Path,
    target: Snapshot,
    anki_fixtures: Path,
) -> None:
    broken = anki_fixtures / "broken"
    assert_refused(col, media_dir, tmp_path, target, broken / "truncated.apkg", "not a zip")
    assert_refused(
        col,
        media_dir,
        tmp_path,
        target,
        broken / "apkg_without_collection.apkg",
        "no collection.anki2",
    )
    assert_refused(
        col,
        media_dir,
        tmp_path,
        target,
        broken / "meta_unknown_version.apkg",
        "format version 0",
    )


def test_zip_bomb_by_ratio(
    col: Collection, media_dir: Path, tmp_path: Path, target: Snapshot
) -> None:
    package = write_zip(
        tmp_path / "bomb.apkg",
        [("collection.anki2", bytes(40 * 1024 * 1024)), ("media", b"{}")],
    )
    assert package.stat().st_size < 200_000
    assert_refused(col, media_dir, tmp_path, target, package, "zip bomb")


def test_total_size_cap(col: Collection, media_dir: Path, tmp_path: Path, target: Snapshot) -> None:
    data = good_collection_bytes(tmp_path)
    package = write_zip(tmp_path / "big.apkg", [("collection.anki2", data), ("media", b"{}")])
    small = PackageLimits(max_total_bytes=len(data) // 2)
    assert_refused(col, media_dir, tmp_path, target, package, "more than", limits=small)


def test_zstd_bomb_in_current_layout(
    col: Collection, media_dir: Path, tmp_path: Path, target
) -> None:
    bomb = zstandard.ZstdCompressor(level=19).compress(bytes(300 * 1024 * 1024))
    media = zstandard.ZstdCompressor().compress(b"")
    package = write_zip(
        tmp_path / "zstd-bomb.apkg",
        [("meta", b"\x08\x03"), ("collection.anki21b", bomb), ("media", media)],
        compression=zipfile.ZIP_STORED,
    )
    assert_refused(col, media_dir, tmp_path, target, package, "zip bomb")


@pytest.mark.parametrize(
    "name",
    [
        "../evil.png",
        "/etc/evil.png",
        "sub/dir.png",
        "..",
        "nul\x00byte.png",
        "bell\x07.png",
        "back\\slash.png",
        "C:evil.png",
        "",
    ],
)
def test_unsafe_media_names(
    name: str,
    col: Collection,
    media_dir: Path,
    tmp_path: Path,
    target: Snapshot,
) -> None:
    data = good_collection_bytes(tmp_path)
    package = write_zip(
        tmp_path / "names.apkg",
        [("collection.anki2", data), ("media", json.dumps({"0": name}).encode()), ("0", PNG)],
    )
    assert_refused(col, media_dir, tmp_path, target, package, "media")
    assert not (tmp_path / "evil.png").exists()


def test_collection_not_sqlite(
    col: Collection, media_dir: Path, tmp_path: Path, target: Snapshot
) -> None:
    package = write_zip(
        tmp_path / "notsqlite.apkg", [("collection.anki2", b"hello" * 100), ("media", b"{}")]
    )
    assert_refused(col, media_dir, tmp_path, target, package, "not an SQLite database")


def _altered_collection(tmp_path: Path, sql: str) -> bytes:
    path = tmp_path / "altered.anki2"
    path.write_bytes(good_collection_bytes(tmp_path))
    db = sqlite3.connect(path)
    db.executescript(sql)
    db.close()
    data = path.read_bytes()
    path.unlink()
    return data


@pytest.mark.parametrize(
    ("sql", "match"),
    [
        ("update col set ver = 99", "schema version 99"),
        ("update col set ver = 10", "schema version 10"),
        ("update col set ver = 18", "lacks the table"),
        ("drop table col", "cannot be read"),
        ("delete from col", "no col row"),
        ("update col set models = '{not json'", "not valid JSON"),
        ("alter table notes add column extra", "unexpected columns"),
    ],
)
def test_wrong_schema(
    sql: str,
    match: str,
    col: Collection,
    media_dir: Path,
    tmp_path: Path,
    target: Snapshot,
) -> None:
    package = write_zip(
        tmp_path / "schema.apkg",
        [("collection.anki2", _altered_collection(tmp_path, sql)), ("media", b"{}")],
    )
    assert_refused(col, media_dir, tmp_path, target, package, match)


def test_media_map_points_to_missing_entry(
    col: Collection, media_dir: Path, tmp_path: Path, target
) -> None:
    data = good_collection_bytes(tmp_path)
    package = write_zip(
        tmp_path / "missing.apkg",
        [("collection.anki2", data), ("media", b'{"0": "a.png", "7": "pic.png"}'), ("0", PNG)],
    )
    assert_refused(col, media_dir, tmp_path, target, package, "'7'.*not in the package")


def test_duplicate_zip_entries(
    col: Collection, media_dir: Path, tmp_path: Path, target: Snapshot
) -> None:
    data = good_collection_bytes(tmp_path)
    package = tmp_path / "dupes.apkg"
    with pytest.warns(UserWarning, match="Duplicate name"):
        write_zip(
            package,
            [("collection.anki2", data), ("media", b'{"0": "pic.png"}'), ("0", PNG), ("0", b"x")],
        )
    assert_refused(col, media_dir, tmp_path, target, package, "two entries named '0'")


def test_duplicate_names_in_media_map(
    col: Collection, media_dir: Path, tmp_path: Path, target
) -> None:
    data = good_collection_bytes(tmp_path)
    package = write_zip(
        tmp_path / "dupnames.apkg",
        [
            ("collection.anki2", data),
            ("media", b'{"0": "a.png", "1": "a.png"}'),
            ("0", PNG),
            ("1", PNG),
        ],
    )
    assert_refused(col, media_dir, tmp_path, target, package, "twice")


def test_huge_single_field(
    col: Collection, media_dir: Path, tmp_path: Path, target: Snapshot
) -> None:
    data = good_collection_bytes(tmp_path, field="x" * 50_000)
    package = write_zip(tmp_path / "huge.apkg", [("collection.anki2", data), ("media", b"{}")])
    limits = PackageLimits(max_field_bytes=10_000)
    assert_refused(col, media_dir, tmp_path, target, package, "huge field", limits=limits)


def test_damaged_media_entry_rolls_back_notes(
    col: Collection, media_dir: Path, tmp_path: Path, target
) -> None:
    """The media entry is only read after the notes were written: the transaction must undo
    them."""
    data = good_collection_bytes(tmp_path, back='<img src="new.png">')
    package = write_zip(
        tmp_path / "badcrc.apkg",
        [("collection.anki2", data), ("media", b'{"0": "new.png"}'), ("0", PNG * 50)],
        compression=zipfile.ZIP_STORED,
    )
    raw = bytearray(package.read_bytes())
    at = raw.rindex(PNG * 50) + 100
    raw[at] ^= 0xFF  # the entry's bytes no longer match its CRC
    package.write_bytes(bytes(raw))
    assert_refused(col, media_dir, tmp_path, target, package, "damaged")


def test_colpkg_needs_confirmation_and_bad_colpkg_leaves_target(
    col: Collection,
    media_dir: Path,
    tmp_path: Path,
    target: Snapshot,
    anki_fixtures: Path,
) -> None:
    before = target()
    with pytest.raises(PackageError, match="replaces the whole collection"):
        import_colpkg(
            anki_fixtures / "sample_legacy.colpkg", col.path, media_dir=media_dir, confirm=False
        )
    with pytest.raises(PackageError, match="not a zip"):
        import_colpkg(
            anki_fixtures / "broken" / "truncated.apkg", col.path, media_dir=media_dir, confirm=True
        )
    assert target() == before


def test_local_media_store_refuses_paths(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "m")
    for name in ("../x", "/abs", "a/b"):
        with pytest.raises(PackageError):
            store.write(name, io.BytesIO(b"x"))
    assert not (tmp_path / "x").exists() and not (tmp_path / "m").exists()
