"""Packages made by real Anki with every kind of content (Basic, reversed, Cloze, a custom note
type, nested decks, tags, suspension, flags, review history, image, sound, a CSS font) import
with every count and field intact, and round-trip back into Anki."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection
from javumbo.collection.apkg import export_apkg, import_apkg

from .conftest import AnkiPackageBuilder, counts


def _anki_counts(package: Path, tmp_path: Path) -> dict[str, Any]:
    """What real Anki holds after importing ``package`` with scheduling into a fresh collection."""
    from anki.collection import Collection as AnkiCollection
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    folder = tmp_path / f"ref-{package.stem}"
    folder.mkdir()
    acol = AnkiCollection(str(folder / "ref.anki2"))
    try:
        acol.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=str(package),
                options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True),
            )
        )
        q = acol.db.scalar
        out = {
            "notes": q("select count() from notes"),
            "cards": q("select count() from cards"),
            "revlog": q("select count() from revlog"),
            "suspended": q("select count() from cards where queue = -1"),
            "flagged": q("select count() from cards where flags & 7 != 0"),
            "type_review": q("select count() from cards where type = 2"),
            "fields": sorted(acol.db.list("select flds from notes")),
            "tags": sorted(acol.db.list("select tags from notes")),
            "media": sorted(p.name for p in Path(acol.media.dir()).iterdir()),
        }
    finally:
        acol.close()
    return out


@pytest.mark.parametrize("legacy", [True, False], ids=["legacy", "current"])
def test_anki_made_package_imports_intact(
    legacy: bool,
    anki_package: AnkiPackageBuilder,
    col: Collection,
    media_dir: Path,
    tmp_path: Path,
) -> None:
    package = anki_package(legacy=legacy)
    reference = _anki_counts(package, tmp_path)

    report = import_apkg(col, package, media_dir=media_dir)

    ours = counts(col)
    for key in ("notes", "cards", "revlog", "suspended", "flagged", "type_review"):
        assert ours[key] == reference[key], key
    assert ours["notes"] == 6 and ours["cards"] == 9 and ours["revlog"] >= 4
    assert sorted(r[0] for r in col.db.execute("select flds from notes")) == reference["fields"]
    assert sorted(r[0] for r in col.db.execute("select tags from notes")) == reference["tags"]
    assert sorted(p.name for p in media_dir.iterdir()) == reference["media"]
    assert "_custom_font.ttf" in reference["media"]
    names = {d["name"] for d in col.decks.values()}
    assert {"Lang", "Lang::Spanish", "Lang::Spanish::Verbs", "Geography"} <= names
    custom = [m for m in col.models.values() if m["name"] == "Vocab Custom"]
    assert len(custom) == 1
    assert [f["name"] for f in custom[0]["flds"]] == ["Word", "Meaning", "Example"]
    assert custom[0]["tmpls"][0]["qfmt"] == "{{Word}}"
    assert "_custom_font.ttf" in custom[0]["css"]
    assert report.notes_added == 6


@pytest.mark.parametrize("legacy", [True, False], ids=["legacy", "current"])
def test_round_trip_anki_to_javumbo_to_anki(
    legacy: bool,
    anki_package: AnkiPackageBuilder,
    media_dir: Path,
    tmp_path: Path,
    anki_validate: Callable[..., tuple[int, dict[str, Any]]],
) -> None:
    # Real time on both sides: "due in N days" must mean the same day for Anki and for us.
    col = Collection.create(tmp_path / "system-clock.anki2")
    package = anki_package(legacy=legacy)
    reference = _anki_counts(package, tmp_path)
    import_apkg(col, package, media_dir=media_dir)

    out = tmp_path / "back.apkg"
    export_apkg(col, out, media_dir=media_dir)
    col.close()

    rc, verdict = anki_validate(out, strict=True)
    assert rc == 0, verdict["problems"] + verdict["warnings"]
    back = _anki_counts(out, tmp_path)
    assert back == reference
    scheduling_ref = _schedules(package, tmp_path / "s1")
    assert _schedules(out, tmp_path / "s2") == scheduling_ref


def _schedules(package: Path, folder: Path) -> list[tuple[Any, ...]]:
    """Per card (by note guid and template): type, queue, due as days-from-today, ivl, factor,
    reps, lapses — what a user sees of scheduling, independent of collection creation days."""
    from anki.collection import Collection as AnkiCollection
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    folder.mkdir()
    acol = AnkiCollection(str(folder / "c.anki2"))
    try:
        acol.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=str(package),
                options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True),
            )
        )
        today = acol.sched.today
        rows = acol.db.all(
            "select n.guid, c.ord, c.type, c.queue,"
            " case when c.queue in (2, 3) then c.due - ? else c.due end,"
            " c.ivl, c.factor, c.reps, c.lapses from cards c join notes n on n.id = c.nid",
            today,
        )
    finally:
        acol.close()
    return sorted(tuple(r) for r in rows)


def test_media_map_is_json_and_only_referenced_files(
    anki_package: AnkiPackageBuilder, col: Collection, media_dir: Path, tmp_path: Path
) -> None:
    import zipfile

    import_apkg(col, anki_package(), media_dir=media_dir)
    (media_dir / "unused.png").write_bytes(b"not referenced by any note")

    out = tmp_path / "x.apkg"
    report = export_apkg(col, out, media_dir=media_dir)

    with zipfile.ZipFile(out) as zf:
        mapping = json.loads(zf.read("media"))
        assert sorted(mapping.values()) == ["_custom_font.ttf", "hello.mp3", "pic one.png"]
        for index, name in mapping.items():
            assert zf.read(index) == (media_dir / name).read_bytes()
        assert "collection.anki2" in zf.namelist()
    assert report.media == 3
