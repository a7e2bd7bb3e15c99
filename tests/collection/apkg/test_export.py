"""Our packages open in real Anki (``validate_export.py --strict``: imports and check_database
clean) with the right counts, in both layouts; .colpkg restores replace a collection."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import zstandard

from javumbo.collection import Collection, NotFoundError, ValidationError
from javumbo.collection import notes as note_api
from javumbo.collection import notetypes as notetype_api
from javumbo.collection.apkg import export_apkg, export_colpkg, import_apkg, import_colpkg
from javumbo.collection.apkg import protobuf as pb
from javumbo.collection.apkg.exporter import ExportLayout
from javumbo.collection.apkg.latest_layout import DUMMY_NOTE_TEXT, anki_media_name
from javumbo.collection.decks import deck_by_name

from .conftest import counts, expected_counts

Validate = Callable[..., tuple[int, dict[str, Any]]]
LAYOUTS = pytest.mark.parametrize("layout", ["legacy", "current"])
# What validate_export.py reports as the package's format, per layout.
ANKI_SEES = {
    "legacy": ("collection.anki2", "absent"),
    "current": ("collection.anki21b", "VERSION_LATEST"),
}


def unzstd(data: bytes) -> bytes:
    """Decompress as Anki does: a streamed frame, no content size in its header."""
    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True)
    return reader.read()


def media_map(package: Path) -> dict[str, str]:
    """zip entry -> file name, read straight from the zip in either layout."""
    with zipfile.ZipFile(package) as zf:
        raw = zf.read("media")
        if "meta" not in zf.namelist():
            return dict(json.loads(raw))
    entries = pb.get_messages(pb.decode(unzstd(raw)), 1)
    return {str(i): pb.get_str(e, 1) for i, e in enumerate(entries)}


def assert_anki_read_layout(verdict: dict[str, Any], layout: ExportLayout) -> None:
    entry, meta = ANKI_SEES[layout]
    assert verdict["file_info"]["collection_entry"] == entry
    assert verdict["file_info"]["meta_version"] == meta


@pytest.fixture
def sample(tmp_path: Path, media_dir: Path, anki_fixtures: Path) -> Iterator[Collection]:
    """The sample collection on the real clock (Anki judges buried cards and dues by today)."""
    col = Collection.create(tmp_path / "sample.anki2")
    import_apkg(col, anki_fixtures / "sample_current.apkg", media_dir=media_dir)
    yield col
    col.close()


@LAYOUTS
def test_whole_export_opens_in_anki_with_all_counts(
    layout: ExportLayout,
    sample: Collection,
    media_dir: Path,
    tmp_path: Path,
    anki_validate: Validate,
    anki_fixtures: Path,
) -> None:
    out = tmp_path / "whole.apkg"
    report = export_apkg(sample, out, media_dir=media_dir, layout=layout)

    expect = json.loads((anki_fixtures / "sample.expect.json").read_text())
    rc, verdict = anki_validate(out, strict=True, expect=expect)
    assert rc == 0, verdict["problems"] + verdict["warnings"]
    assert_anki_read_layout(verdict, layout)
    assert (report.notes, report.cards, report.revlog, report.media) == (18, 27, 24, 2)
    with zipfile.ZipFile(out) as zf:
        if layout == "legacy":
            assert zf.namelist()[0] == "collection.anki2" and "meta" not in zf.namelist()
        else:
            assert zf.namelist()[:2] == ["meta", "collection.anki21b"]


@LAYOUTS
def test_deck_export_has_only_that_subtree(
    layout: ExportLayout,
    sample: Collection,
    media_dir: Path,
    tmp_path: Path,
    anki_validate: Validate,
) -> None:
    lang = deck_by_name(sample, "Lang")
    assert lang is not None
    out = tmp_path / "lang.apkg"
    report = export_apkg(sample, out, deck_id=int(lang["id"]), media_dir=media_dir, layout=layout)

    rc, verdict = anki_validate(
        out,
        strict=True,
        expect={"notes": 6, "cards": 12, "decks_with_cards": ["Lang", "Lang::Spanish"]},
    )
    assert rc == 0, verdict["problems"] + verdict["warnings"]
    assert_anki_read_layout(verdict, layout)
    assert report.decks == ["Default", "Lang", "Lang::Spanish"]
    assert report.media == 1  # only the Spanish flag is used by Lang's notes
    assert list(media_map(out).values()) == ["bandera_españa.png"]
    with pytest.raises(NotFoundError):
        export_apkg(sample, tmp_path / "x.apkg", deck_id=42, media_dir=media_dir, layout=layout)


@LAYOUTS
def test_export_without_scheduling_or_media(
    layout: ExportLayout,
    sample: Collection,
    media_dir: Path,
    tmp_path: Path,
    anki_validate: Validate,
) -> None:
    out = tmp_path / "shared.apkg"
    report = export_apkg(
        sample, out, scheduling=False, media=False, media_dir=media_dir, layout=layout
    )

    rc, verdict = anki_validate(
        out,
        strict=False,
        expect={
            "notes": 18,
            "cards": 27,
            "revlog": 0,
            "type_new": 27,
            "suspended": 0,
            "buried": 0,
            "flagged": 0,
        },
    )
    assert rc == 0, verdict["problems"]
    assert_anki_read_layout(verdict, layout)
    assert report.media == 0
    assert media_map(out) == {}
    positions = [r[0] for r in sample.db.execute("select due from cards where type = 0")]
    assert positions  # the user's own collection was not touched by the reset
    assert counts(sample)["revlog"] == 24


@LAYOUTS
def test_colpkg_export_and_restore(
    layout: ExportLayout,
    sample: Collection,
    media_dir: Path,
    tmp_path: Path,
    anki_validate: Validate,
    anki_fixtures: Path,
) -> None:
    out = tmp_path / "all.colpkg"
    export_colpkg(sample, out, media_dir=media_dir, layout=layout)
    expect = json.loads((anki_fixtures / "sample.expect.json").read_text())
    rc, verdict = anki_validate(out, strict=True, expect=expect)
    assert rc == 0, verdict["problems"] + verdict["warnings"]
    assert_anki_read_layout(verdict, layout)

    target = tmp_path / "restored" / "col.anki2"
    restored_media = tmp_path / "restored" / "col.media"
    report = import_colpkg(out, target, media_dir=restored_media, confirm=False)
    assert report.notes_added == 18 and report.media_added == 2
    restored = Collection.open(target)
    try:
        assert counts(restored) == counts(sample)
    finally:
        restored.close()


@pytest.mark.parametrize("legacy", [True, False], ids=["legacy", "current"])
def test_anki_colpkg_replaces_collection(
    legacy: bool,
    col: Collection,
    media_dir: Path,
    tmp_path: Path,
    anki_validate: Validate,
    anki_fixtures: Path,
) -> None:
    from anki.collection import Collection as AnkiCollection
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    source = tmp_path / "anki-src"
    source.mkdir()
    colpkg = tmp_path / "anki.colpkg"
    acol = AnkiCollection(str(source / "c.anki2"))
    try:
        acol.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=str(anki_fixtures / "sample_legacy_anki21.apkg"),
                options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True),
            )
        )
        acol.export_collection_package(str(colpkg), include_media=True, legacy=legacy)
    finally:
        acol.close()
    path = col.path
    col.close()

    report = import_colpkg(colpkg, path, media_dir=media_dir, confirm=True)

    assert report.replaced_collection and report.media_added == 2
    restored = Collection.open(path)
    try:
        assert counts(restored) == expected_counts(anki_fixtures / "sample.expect.json")
    finally:
        restored.close()
    rc, verdict = anki_validate(path, strict=True)
    assert rc == 0, verdict["problems"] + verdict["warnings"]


# ----------------------------------------------------------------- the current layout in detail


def test_current_layout_entries_are_those_anki_writes(
    sample: Collection, media_dir: Path, tmp_path: Path, anki_fixtures: Path
) -> None:
    out = tmp_path / "current.apkg"
    export_apkg(sample, out, media_dir=media_dir, layout="current")

    with (
        zipfile.ZipFile(anki_fixtures / "sample_current.apkg") as theirs,
        zipfile.ZipFile(out) as ours,
    ):
        assert ours.namelist() == theirs.namelist()  # meta, .anki21b, dummy .anki2, 0, 1, media
        assert {i.compress_type for i in ours.infolist()} == {zipfile.ZIP_STORED}
        assert ours.read("meta") == theirs.read("meta") == b"\x08\x03"
        assert pb.get_int(pb.decode(ours.read("meta")), 1) == 3  # VERSION_LATEST
        collection = unzstd(ours.read("collection.anki21b"))
        dummy = ours.read("collection.anki2")
    assert collection.startswith(b"SQLite format 3\x00")
    col_file = tmp_path / "inside.anki2"
    col_file.write_bytes(collection)
    db = sqlite3.connect(col_file)
    try:
        assert db.execute("select ver from col").fetchone()[0] == 18
        assert db.execute("select count() from notes").fetchone()[0] == 18
        assert db.execute("select count() from notetypes").fetchone()[0] == 3
    finally:
        db.close()
    dummy_file = tmp_path / "dummy.anki2"
    dummy_file.write_bytes(dummy)
    db = sqlite3.connect(dummy_file)
    try:
        assert db.execute("select ver from col").fetchone()[0] == 11
        assert [r[0] for r in db.execute("select sfld from notes")] == [DUMMY_NOTE_TEXT]
    finally:
        db.close()


def test_current_layout_media_map_and_files_round_trip(
    sample: Collection, media_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "current.apkg"
    export_apkg(sample, out, media_dir=media_dir, layout="current")

    with zipfile.ZipFile(out) as zf:
        entries = pb.get_messages(pb.decode(unzstd(zf.read("media"))), 1)
        assert len(entries) == 2
        for index, entry in enumerate(entries):
            name = pb.get_str(entry, 1)
            original = (media_dir / name).read_bytes()
            packed = zf.read(str(index))
            assert packed.startswith(b"\x28\xb5\x2f\xfd")  # each file is its own zstd frame
            assert unzstd(packed) == original
            assert pb.get_int(entry, 2) == len(original)
            assert pb.get_bytes(entry, 3) == hashlib.sha1(original).digest()
            assert 255 not in entry  # legacy_zip_filename: Anki leaves it unset on export
    assert sorted(media_map(out).values()) == ["bandera_españa.png", "cell.png"]


def test_our_importer_reads_the_current_layout_back(
    sample: Collection, media_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "current.apkg"
    export_apkg(sample, out, media_dir=media_dir, layout="current")
    target = Collection.create(tmp_path / "again.anki2")
    again_media = tmp_path / "again.media"
    try:
        report = import_apkg(target, out, media_dir=again_media)
        assert (report.notes_added, report.cards_added, report.revlog_added) == (18, 27, 24)
        assert counts(target) == counts(sample)
    finally:
        target.close()
    for name in ("cell.png", "bandera_españa.png"):
        assert (again_media / name).read_bytes() == (media_dir / name).read_bytes()


def test_media_names_anki_would_refuse_are_packaged_under_its_names(
    tmp_path: Path, media_dir: Path, anki_validate: Validate
) -> None:
    """In this layout Anki rejects the whole package ("not a valid .apkg file") if one listed
    name is not already in its normal form; our files get that form and the notes follow."""
    col = Collection.create(tmp_path / "odd.anki2")
    names = ["a[1].png", "a1.png", "con.png", "x^2.png", "y" * 200 + ".png", "plain.png"]
    media_dir.mkdir()
    try:
        basic = notetype_api.notetype_by_name(col, "Basic")
        assert basic is not None
        for i, name in enumerate(names):
            (media_dir / name).write_bytes(f"file {i}".encode())
            note_api.add_note(col, int(basic["id"]), [f'q{i} <img src="{name}">', "a"], 1)
        out = tmp_path / "odd.apkg"
        report = export_apkg(col, out, media_dir=media_dir, layout="current")
    finally:
        col.close()

    assert report.media == 6 and not report.media_missing
    assert set(report.media_renamed) == {"a[1].png", "con.png", "x^2.png", "y" * 200 + ".png"}
    packaged = set(media_map(out).values())
    assert len(packaged) == 6 and {"a1.png", "plain.png", "con_.png", "x2.png"} <= packaged
    assert all(anki_media_name(n) == n for n in packaged)
    # strict: every note's picture is in the package under the name the note now uses
    rc, verdict = anki_validate(out, strict=True, expect={"notes": 6, "media_files": 6})
    assert rc == 0, verdict["problems"] + verdict["warnings"]


@LAYOUTS
def test_nfd_references_find_the_nfc_file(
    tmp_path: Path, media_dir: Path, anki_validate: Validate, layout: ExportLayout
) -> None:
    """A note typed on macOS may name its picture in NFD while the file is stored in NFC (as
    Anki and our importer store names): the file is packaged, under the NFC name the note now
    uses, and an NFD and an NFC reference to one file package it once."""
    col = Collection.create(tmp_path / "nfd.anki2")
    media_dir.mkdir()
    (media_dir / "espa\u00f1a.png").write_bytes(b"flag")
    try:
        basic = notetype_api.notetype_by_name(col, "Basic")
        assert basic is not None
        nfd = note_api.add_note(col, int(basic["id"]), ["a", "a"], 1)
        note_api.add_note(col, int(basic["id"]), ['<img src="espa\u00f1a.png">', "b"], 1)
        # as an imported collection can hold it (our own edits store NFC, as Anki's do)
        col.db.execute(
            "update notes set flds = ? where id = ?",
            ('<img src="espan\u0303a.png">\x1fa', nfd.id),
        )
        out = tmp_path / "nfd.apkg"
        report = export_apkg(col, out, media_dir=media_dir, layout=layout)
    finally:
        col.close()

    assert report.media_missing == []
    assert list(media_map(out).values()) == ["espa\u00f1a.png"]
    rc, verdict = anki_validate(out, strict=True, expect={"notes": 2, "media_files": 1})
    assert rc == 0, verdict["problems"] + verdict["warnings"]


@pytest.mark.parametrize(
    ("name", "anki_form"),
    [
        ("cell.png", "cell.png"),
        ("bandera_españa.png", "bandera_españa.png"),
        ("bandera_espan\u0303a.png", "bandera_españa.png"),  # NFD -> NFC
        ("a[1]^2.png", "a12.png"),
        ("CON", "CON_"),
        ("lpt1.txt", "lpt1_.txt"),
        ("console.txt", "console.txt"),
        ("e" * 130 + ".jpeg", "e" * 115 + ".jpeg"),  # 120 bytes
    ],
)
def test_anki_media_name_is_the_name_anki_keeps(name: str, anki_form: str) -> None:
    assert anki_media_name(name) == anki_form
    assert anki_media_name(anki_form) == anki_form


def test_unknown_layout_is_refused(sample: Collection, media_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.apkg"
    with pytest.raises(ValidationError, match="layout"):
        export_apkg(sample, out, media_dir=media_dir, layout="newest")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="layout"):
        export_colpkg(sample, out, media_dir=media_dir, layout="")  # type: ignore[arg-type]
    assert not out.exists()
