"""Our packages open in real Anki (``validate_export.py --strict``: imports and check_database
clean) with the right counts; .colpkg restores replace a collection."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, NotFoundError
from javumbo.collection.apkg import export_apkg, export_colpkg, import_apkg, import_colpkg
from javumbo.collection.decks import deck_by_name

from .conftest import counts, expected_counts

Validate = Callable[..., tuple[int, dict[str, Any]]]


@pytest.fixture
def sample(tmp_path: Path, media_dir: Path, anki_fixtures: Path) -> Iterator[Collection]:
    """The sample collection on the real clock (Anki judges buried cards and dues by today)."""
    col = Collection.create(tmp_path / "sample.anki2")
    import_apkg(col, anki_fixtures / "sample_current.apkg", media_dir=media_dir)
    yield col
    col.close()


def test_whole_export_opens_in_anki_with_all_counts(
    sample: Collection,
    media_dir: Path,
    tmp_path: Path,
    anki_validate: Validate,
    anki_fixtures: Path,
) -> None:
    out = tmp_path / "whole.apkg"
    report = export_apkg(sample, out, media_dir=media_dir)

    expect = json.loads((anki_fixtures / "sample.expect.json").read_text())
    rc, verdict = anki_validate(out, strict=True, expect=expect)
    assert rc == 0, verdict["problems"] + verdict["warnings"]
    assert (report.notes, report.cards, report.revlog, report.media) == (18, 27, 24, 2)
    with zipfile.ZipFile(out) as zf:
        assert zf.namelist()[0] == "collection.anki2" and "meta" not in zf.namelist()


def test_deck_export_has_only_that_subtree(
    sample: Collection, media_dir: Path, tmp_path: Path, anki_validate: Validate
) -> None:
    lang = deck_by_name(sample, "Lang")
    assert lang is not None
    out = tmp_path / "lang.apkg"
    report = export_apkg(sample, out, deck_id=int(lang["id"]), media_dir=media_dir)

    rc, verdict = anki_validate(
        out,
        strict=True,
        expect={"notes": 6, "cards": 12, "decks_with_cards": ["Lang", "Lang::Spanish"]},
    )
    assert rc == 0, verdict["problems"] + verdict["warnings"]
    assert report.decks == ["Default", "Lang", "Lang::Spanish"]
    assert report.media == 1  # only the Spanish flag is used by Lang's notes
    with pytest.raises(NotFoundError):
        export_apkg(sample, tmp_path / "x.apkg", deck_id=42, media_dir=media_dir)


def test_export_without_scheduling_or_media(
    sample: Collection, media_dir: Path, tmp_path: Path, anki_validate: Validate
) -> None:
    out = tmp_path / "shared.apkg"
    report = export_apkg(sample, out, scheduling=False, media=False, media_dir=media_dir)

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
    assert report.media == 0
    with zipfile.ZipFile(out) as zf:
        assert json.loads(zf.read("media")) == {}
    positions = [r[0] for r in sample.db.execute("select due from cards where type = 0")]
    assert positions  # the user's own collection was not touched by the reset
    assert counts(sample)["revlog"] == 24


def test_colpkg_export_and_restore(
    sample: Collection,
    media_dir: Path,
    tmp_path: Path,
    anki_validate: Validate,
    anki_fixtures: Path,
) -> None:
    out = tmp_path / "all.colpkg"
    export_colpkg(sample, out, media_dir=media_dir)
    expect = json.loads((anki_fixtures / "sample.expect.json").read_text())
    rc, verdict = anki_validate(out, strict=True, expect=expect)
    assert rc == 0, verdict["problems"] + verdict["warnings"]

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
