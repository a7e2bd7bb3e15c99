"""Text imports checked against real Anki: the same file imported by the ``anki`` package's
own CSV import (``col.import_csv``) into a copy of the same collection gives the same notes
(fields, tags, note type, decks of their cards, number of cards)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock
from javumbo.collection.text_import import (
    TextImportChoices,
    decode_text,
    import_text,
    read_metadata,
)
from tests.collection.conftest import CLOCK_START, AnkiMadeCollection

NoteRow = tuple[tuple[str, ...], tuple[str, ...], str, tuple[str, ...], int]
_RESOLUTIONS = {"update": 0, "preserve": 1, "duplicate": 2}


def notes_of(path: Path) -> list[NoteRow]:
    """Each note as (fields, tags, note type name, its cards' deck names, card count)."""
    col = Collection.open(path, clock=FixedClock(CLOCK_START))
    try:
        models = {int(k): str(v["name"]) for k, v in col.models.items()}
        decks = {int(k): str(v["name"]) for k, v in col.decks.items()}
        rows: list[NoteRow] = []
        for nid, mid, flds, tags in col.db.execute("select id, mid, flds, tags from notes"):
            dids = [r[0] for r in col.db.execute("select did from cards where nid = ?", (nid,))]
            rows.append(
                (
                    tuple(str(flds).split("\x1f")),
                    tuple(str(tags).split()),
                    models[int(mid)],
                    tuple(sorted({decks[d] for d in dids})),
                    len(dids),
                )
            )
        return sorted(rows)
    finally:
        col.close()


def anki_import(
    path: Path, csv: Path, *, resolution: str, deck_id: int | None, notetype: str | None
) -> dict[str, int]:
    from anki import import_export_pb2 as pb
    from anki.collection import Collection as AnkiCollection

    col = AnkiCollection(str(path))
    try:
        request = pb.CsvMetadataRequest(path=str(csv))
        if deck_id is not None:
            request.deck_id = deck_id
        if notetype is not None:
            request.notetype_id = col.models.id_for_name(notetype) or 0
        metadata = col._backend.get_csv_metadata(request)
        metadata.dupe_resolution = _RESOLUTIONS[resolution]  # type: ignore[assignment]
        log = col.import_csv(pb.ImportCsvRequest(path=str(csv), metadata=metadata)).log
        return {
            "new": len(log.new),
            "updated": len(log.updated),
            "duplicate": len(log.duplicate),
            "first_field_match": len(log.first_field_match),
            "empty_first_field": len(log.empty_first_field),
        }
    finally:
        col.close(downgrade=True)


def our_import(
    path: Path, csv: Path, *, resolution: str, deck_id: int | None, notetype: str | None
) -> dict[str, Any]:
    col = Collection.open(path, clock=FixedClock(CLOCK_START + 60))
    try:
        text = decode_text(csv.read_bytes())
        mid = None
        if notetype is not None:
            mid = next(int(k) for k, v in col.models.items() if v["name"] == notetype)
        choices = TextImportChoices(deck_id=deck_id, notetype_id=mid, dupe_resolution=resolution)
        meta = read_metadata(col, text, choices)
        return import_text(col, text, meta).as_dict()
    finally:
        col.close()


Setup = Callable[[Any], None]


def nothing(_col: Any) -> None:
    return None


def with_existing_notes(col: Any) -> None:
    basic = col.models.by_name("Basic")
    for front, back, tags in [
        ("cat", "chat", "old"),
        ("dog", "chien", ""),
        ("<b>sun</b>", "x", ""),
    ]:
        note = col.new_note(basic)
        note["Front"], note["Back"] = front, back
        note.tags = tags.split()
        col.add_note(note, 1)


def compare(
    anki_made_collection: AnkiMadeCollection,
    tmp_path: Path,
    content: str,
    *,
    setup: Setup = nothing,
    resolution: str = "update",
    deck_id: int | None = None,
    notetype: str | None = None,
    name: str = "notes.csv",
) -> dict[str, Any]:
    base = anki_made_collection(setup)
    ours, theirs = tmp_path / "ours.anki2", tmp_path / "theirs.anki2"
    shutil.copy(base, ours)
    shutil.copy(base, theirs)
    csv = tmp_path / name
    csv.write_bytes(content.encode("utf-8"))
    options = {"resolution": resolution, "deck_id": deck_id, "notetype": notetype}
    report = our_import(ours, csv, **options)
    anki_log = anki_import(theirs, csv, **options)
    assert notes_of(ours) == notes_of(theirs)
    text = report["text"]
    assert text["new"] == anki_log["new"]
    assert text["updated"] == anki_log["updated"]
    assert text["duplicate"] == anki_log["duplicate"]
    assert text["problem_count"] == anki_log["empty_first_field"]
    assert (
        text["first_field_match_updated"]
        + text["first_field_match_added"]
        + text["first_field_match_skipped"]
        == anki_log["first_field_match"]
    )
    return report


def test_plain_comma_file_with_tags_column_and_html(
    anki_made_collection: AnkiMadeCollection, tmp_path: Path
) -> None:
    report = compare(
        anki_made_collection,
        tmp_path,
        "hello,<b>world</b>,greeting basic\nbye,<i>moon</i>,farewell\n",
    )
    assert report["notes_added"] == 2


def test_header_lines_columns_by_name_new_deck_and_escaped_text(
    anki_made_collection: AnkiMadeCollection, tmp_path: Path
) -> None:
    content = (
        "#separator:tab\n#html:false\n#tags:vocab Lesson1\n#deck:French::Food\n"
        "#notetype:Basic (and reversed card)\n#columns:Back\tFront\n"
        "pain & beurre\tbread <and> butter\n"
        'l\'eau "plate"\twater\n'
    )
    report = compare(anki_made_collection, tmp_path, content, name="notes.txt")
    assert report["notes_added"] == 2
    assert report["decks_added"] == ["French::Food"]


def test_semicolons_quotes_line_breaks_comments_and_empty_first_field(
    anki_made_collection: AnkiMadeCollection, tmp_path: Path
) -> None:
    content = (
        '# a comment line\n"line one\nline two";"say ""hi"""\n\n'
        ";no front\n"
        "#another comment\r\nthird;back;extra;columns\r\n"
        "caf\u0065\u0301;accent\n"
    )
    report = compare(anki_made_collection, tmp_path, content)
    assert report["text"]["problems"] == [{"row": 2, "reason": "empty_first_field"}]


@pytest.mark.parametrize("resolution", ["update", "preserve", "duplicate"])
def test_duplicates_by_first_field(
    anki_made_collection: AnkiMadeCollection, tmp_path: Path, resolution: str
) -> None:
    content = "cat\tle chat\tnew\ndog\tchien\t\nsun\tsoleil\ncow\tvache\ncow\tvache2\n"
    compare(
        anki_made_collection,
        tmp_path,
        content,
        setup=with_existing_notes,
        resolution=resolution,
        notetype="Basic",
    )


def test_legacy_tags_line_and_pipe_separator(
    anki_made_collection: AnkiMadeCollection, tmp_path: Path
) -> None:
    compare(anki_made_collection, tmp_path, "tags:old style\nfront|back\nf2|b2|t1 t2\n")


def test_anki_exported_notes_come_back_identical(
    anki_made_collection: AnkiMadeCollection, tmp_path: Path
) -> None:
    """A file Anki wrote ("Notes in Plain Text" with guid, note type, deck and tags columns),
    one field edited, imported into a collection like the one it came from."""

    def setup(col: Any) -> None:
        with_existing_notes(col)
        did = col.decks.id("Spanish")
        cloze = col.models.by_name("Cloze")
        note = col.new_note(cloze)
        note["Text"] = "{{c1::Hola}} means hello"
        col.add_note(note, did)
        from anki import import_export_pb2 as pb
        from anki.generic_pb2 import Empty

        out = str(tmp_path / "exported.txt")

        col.export_note_csv(
            out_path=out,
            limit=pb.ExportLimit(whole_collection=Empty()),
            with_html=True,
            with_tags=True,
            with_deck=True,
            with_notetype=True,
            with_guid=True,
        )

    anki_made_collection(setup, name="source.anki2")
    exported = (tmp_path / "exported.txt").read_text(encoding="utf-8")
    edited = exported.replace("chien", "chien <b>fidèle</b>")
    report = compare(anki_made_collection, tmp_path, edited, setup=setup, name="edited.txt")
    assert report["text"]["found_notes"] == 4


@pytest.mark.parametrize(
    ("resolution", "scope"),
    [("preserve", "notetype_and_deck"), ("update", "notetype"), ("duplicate", "notetype")],
)
def test_the_import_dialogs_choices(
    anki_made_collection: AnkiMadeCollection, tmp_path: Path, resolution: str, scope: str
) -> None:
    """What the web app's import dialog sends (a chosen separator, HTML off, the field columns
    swapped, a tags column, tags for all, duplicate handling and its scope) gives the notes the
    same choices give in Anki's own import dialog (tags for updated notes too)."""

    def setup(col: Any) -> None:
        with_existing_notes(col)  # cat, dog, <b>sun</b> in Default
        basic = col.models.by_name("Basic")
        note = col.new_note(basic)
        note["Front"], note["Back"] = "cow", "vache"
        col.add_note(note, col.decks.id("Vocab"))

    content = "chat;cat;pets big\nchien;dog;\nvache;cow;farm\nleer;;\nsoleil;<b>sun</b>;\n"
    base = anki_made_collection(setup)
    ours, theirs = tmp_path / "ours.anki2", tmp_path / "theirs.anki2"
    shutil.copy(base, ours)
    shutil.copy(base, theirs)
    csv = tmp_path / "words.csv"
    csv.write_text(content, encoding="utf-8")

    col = Collection.open(ours, clock=FixedClock(CLOCK_START + 60))
    try:
        basic_id = next(int(k) for k, v in col.models.items() if v["name"] == "Basic")
        vocab_id = next(int(k) for k, v in col.decks.items() if v["name"] == "Vocab")
        choices = TextImportChoices(
            delimiter="semicolon",
            is_html=False,
            notetype_id=basic_id,
            deck_id=vocab_id,
            field_columns=[2, 1],
            tags_column=3,
            tags=["german", "lesson::1"],
            updated_tags=["changed"],
            dupe_resolution=resolution,
            match_scope=scope,
        )
        text = decode_text(csv.read_bytes())
        report = import_text(col, text, read_metadata(col, text, choices)).as_dict()
    finally:
        col.close()

    from anki import import_export_pb2 as pb
    from anki.collection import Collection as AnkiCollection

    anki = AnkiCollection(str(theirs))
    try:
        request = pb.CsvMetadataRequest(
            path=str(csv),
            delimiter=pb.CsvMetadata.Delimiter.SEMICOLON,
            notetype_id=basic_id,
            deck_id=vocab_id,
            is_html=False,
        )
        metadata = anki._backend.get_csv_metadata(request)
        del metadata.global_notetype.field_columns[:]
        metadata.global_notetype.field_columns.extend([2, 1])
        metadata.tags_column = 3
        metadata.global_tags.extend(["german", "lesson::1"])
        metadata.updated_tags.append("changed")
        metadata.dupe_resolution = _RESOLUTIONS[resolution]  # type: ignore[assignment]
        metadata.match_scope = 1 if scope == "notetype_and_deck" else 0  # type: ignore[assignment]
        log = anki.import_csv(pb.ImportCsvRequest(path=str(csv), metadata=metadata)).log
    finally:
        anki.close(downgrade=True)

    assert notes_of(ours) == notes_of(theirs)
    assert report["text"]["new"] == len(log.new)
    assert report["text"]["updated"] == len(log.updated)
    assert report["text"]["problem_count"] == len(log.empty_first_field) == 1
