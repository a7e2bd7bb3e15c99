"""read_json_tables against Anki's own downgrade, on collections Anki made.

Anki builds a collection with every deck option, deck, note type, field, template, config key
and tag set to something other than its default, and closes it in schema 18. Our reader turns
that file into schema 11's JSON; Anki turns a copy into schema 11 itself (``close(downgrade=
True)``); the two must be the same JSON, key for key and type for type. Then the same again on
copies whose protobuf blobs were edited by hand to hold what Anki's screens never write (values
past Anki's bounds, NaN, numbers that overflow Rust's casts, unknown and reserved ``other``
keys), because a full upload can carry whatever an add-on or another client stored.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection as AnkiCollection

from javumbo.collection.apkg import PackageError
from javumbo.collection.apkg import protobuf as pb
from javumbo.collection.apkg.schema18 import read_json_tables
from javumbo.collection.apkg.schema18_writer import upgrade_to_schema18
from javumbo.collection.apkg.source import SourceCollection, unicase

COLUMNS = ("conf", "models", "decks", "dconf", "tags")

FSRS4 = [0.4, 0.6, 2.4, 5.8, 4.93, 0.94, 0.86, 0.01, 1.49, 0.14, 0.94, 2.18, 0.05, 0.34, 1.26]
FSRS5 = [0.40255, 1.18385, 3.173, 15.69105, 7.1949, 0.5345, 1.4604, 0.0046, 1.54575, 0.1192]
FSRS5 += [1.01925, 1.9395, 0.11, 0.29605, 2.2698, 0.2315, 2.9898, 0.51655, 0.6621]
FSRS6 = [0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796]
FSRS6 += [1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542]

# Every option of the Default preset, away from its default.
PRESET: dict[str, Any] = {
    "maxTaken": 90,
    "autoplay": False,
    "timer": 1,
    "replayq": False,
    "newMix": 1,
    "newPerDayMinimum": 3,
    "interdayLearningMix": 2,
    "reviewOrder": 3,
    "newSortOrder": 2,
    "newGatherPriority": 4,
    "buryInterdayLearning": True,
    "fsrsWeights": FSRS4,
    "fsrsParams5": FSRS5,
    "fsrsParams6": FSRS6,
    "desiredRetention": 0.87,
    "ignoreRevlogsBeforeDate": "2024-01-15",
    "easyDaysPercentages": [1.0, 0.5, 1.0, 0.0, 1.0, 0.8, 0.3],
    "stopTimerOnAnswer": True,
    "secondsToShowQuestion": 12.5,
    "secondsToShowAnswer": 7.25,
    "questionAction": 1,
    "answerAction": 3,
    "waitForAudio": False,
    "sm2Retention": 0.85,
    "weightSearch": "deck:Lang -is:suspended",
}
PRESET_NEW = {"bury": True, "delays": [2.0, 15.0, 60.0], "initialFactor": 2300, "ints": [2, 6, 0]}
PRESET_NEW |= {"order": 0, "perDay": 33}
PRESET_REV = {"bury": True, "ease4": 1.45, "ivlFct": 1.1, "maxIvl": 3650, "perDay": 444}
PRESET_REV |= {"hardFactor": 1.15}
PRESET_LAPSE = {"delays": [5.0, 30.0], "leechAction": 0, "leechFails": 6, "minInt": 2}
PRESET_LAPSE |= {"mult": 0.3}
DECK = {
    "reviewLimit": 150,
    "newLimit": 7,
    "reviewLimitToday": {"limit": 30, "today": 0},
    "newLimitToday": {"limit": 2, "today": 0},
    "desiredRetention": 83,
    "desc": "Spanish *verbs*",
    "md": True,
    "extendNew": 5,
    "extendRev": 9,
    "browserCollapsed": False,
}
FILTERED = {
    "previewAgainSecs": 45,
    "previewHardSecs": 321,
    "previewGoodSecs": 1234,
    "previewDelay": 17,
    "resched": False,
    "terms": [["deck:Lang", 50, 1], ["is:due", 20, 3]],
    "delays": [1.0, 5.0],
}
FIELD = {"description": "the question", "plainText": True, "collapsed": True}
FIELD |= {"excludeFromSearch": True, "sticky": True, "rtl": True, "font": "Times", "size": 31}
FIELD |= {"tag": 7, "preventDeletion": True}
TEMPLATE = {"bqfmt": "<b>{{Front}}</b>", "bafmt": "{{Back}}!", "bfont": "Courier", "bsize": 13}
ADDON_CONFIG = {"nested": [1, 2.5, "x", None], "flag": True}


@dataclass(frozen=True)
class AnkiMade:
    """A schema-18 collection closed by Anki, and the ids of the things it holds."""

    path: Path
    preset: int
    deck: int
    filtered: int
    notetype: int


def _build(folder: Path) -> AnkiMade:
    col = AnkiCollection(str(folder / "collection.anki2"))
    try:
        preset = col.decks.get_config(1)
        assert preset is not None
        preset.update(PRESET)
        preset["new"].update(PRESET_NEW)
        preset["rev"].update(PRESET_REV)
        preset["lapse"].update(PRESET_LAPSE)
        col.decks.update_config(preset)
        second = col.decks.add_config_returning_id("Second")

        did = int(col.decks.id("Lang::Spanish") or 0)
        deck = col.decks.get(did)
        assert deck is not None
        deck.update(DECK, conf=second, collapsed=True)
        col.decks.save(deck)
        fid = int(col.decks.new_filtered("Cram"))
        filtered = col.decks.get(fid)
        assert filtered is not None
        filtered.update(FILTERED)
        col.decks.save(filtered)

        basic = col.models.by_name("Basic")
        assert basic is not None
        basic.update(css=".card { color: red; }", latexPre="\\begin{document}", sortf=1)
        basic.update(latexPost="\\end{document}%x", latexsvg=True, did=did)
        basic["flds"][0].update(FIELD)
        basic["tmpls"][0].update(TEMPLATE, did=did)
        col.models.update_dict(basic)
        _add_custom_notetype(col, did)

        col.tags.set_collapsed("lang", True)
        col.set_config("myAddon", ADDON_CONFIG)
        col.set_config("rollover", 5)
        ntid = int(basic["id"])
    finally:
        col.close(downgrade=False)
    return AnkiMade(folder / "collection.anki2", 1, did, fid, ntid)


def _add_custom_notetype(col: AnkiCollection, did: int) -> None:
    """Three fields, two templates (so ``req`` has two rules), a note with nested tags."""
    models = col.models
    custom = models.new("Custom")
    for name in ("A", "B", "C"):
        models.add_field(custom, models.new_field(name))
    for i, (front, back) in enumerate((("{{A}}{{B}}", "{{C}}"), ("{{#C}}{{C}}{{/C}}", "{{A}}"))):
        template = models.new_template(f"Card {i + 1}")
        template.update(qfmt=front, afmt=back)
        models.add_template(custom, template)
    models.add(custom)
    note = col.new_note(models.by_name("Custom"))
    note["A"], note["B"] = "x", "y"
    note.tags = ["lang::es", "verbs"]
    col.add_note(note, did)


@pytest.fixture(scope="module")
def anki_made(tmp_path_factory: pytest.TempPathFactory) -> AnkiMade:
    return _build(tmp_path_factory.mktemp("anki-made"))


def _copy(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "collection.anki2"
    shutil.copy(source, target)
    return target


def _anki_downgraded(schema18: Path, folder: Path) -> dict[str, Any]:
    """What Anki writes into ``col`` when it downgrades a copy of ``schema18``."""
    path = _copy(schema18, folder)
    AnkiCollection(str(path)).close(downgrade=True)
    db = sqlite3.connect(path)
    try:
        ver, *texts = db.execute(f"select ver, {', '.join(COLUMNS)} from col").fetchone()
    finally:
        db.close()
    # Anki's close swallows a failed downgrade and leaves the file at schema 18.
    assert ver == 11, "Anki did not downgrade the collection"
    return {name: json.loads(text) for name, text in zip(COLUMNS, texts, strict=True)}


def _ours(schema18: Path, folder: Path) -> dict[str, Any]:
    db = _connect(_copy(schema18, folder))
    try:
        return read_json_tables(db)
    finally:
        db.close()


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.create_collation("unicase", unicase)
    return db


def _canonical(value: Any) -> str:
    """JSON text that tells true from 1 and 1.0 from 1, unlike ``==`` on Python values."""
    return json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False)


def assert_same_json(ours: dict[str, Any], anki: dict[str, Any]) -> None:
    for column in COLUMNS:
        assert _canonical(ours[column]) == _canonical(anki[column]), column


# ----------------------------------------------------------------- as Anki's screens leave it


def test_the_referee_holds_every_option_we_set(anki_made: AnkiMade, tmp_path: Path) -> None:
    """Guard: Anki kept the non-default values, so the comparisons below do not just compare
    two sets of defaults."""
    anki = _anki_downgraded(anki_made.path, tmp_path)
    preset = anki["dconf"][str(anki_made.preset)]
    assert {key: preset[key] for key in PRESET} == PRESET
    assert {key: preset["new"][key] for key in PRESET_NEW} == PRESET_NEW
    assert {key: preset["rev"][key] for key in PRESET_REV} == PRESET_REV
    assert {key: preset["lapse"][key] for key in PRESET_LAPSE} == PRESET_LAPSE
    deck = anki["decks"][str(anki_made.deck)]
    assert {key: deck[key] for key in DECK} == DECK
    filtered = anki["decks"][str(anki_made.filtered)]
    assert {key: filtered[key] for key in FILTERED} == FILTERED
    notetype = anki["models"][str(anki_made.notetype)]
    assert notetype["latexsvg"] is True and notetype["sortf"] == 1
    assert notetype["did"] == anki_made.deck and notetype["originalStockKind"] == 1
    assert {key: notetype["flds"][0][key] for key in FIELD} == FIELD
    assert {key: notetype["tmpls"][0][key] for key in TEMPLATE} == TEMPLATE
    assert notetype["tmpls"][0]["did"] == anki_made.deck
    custom = next(m for m in anki["models"].values() if m["name"] == "Custom")
    assert custom["req"] == [[0, "any", [0, 1]], [1, "any", [2]]]
    assert anki["conf"]["myAddon"] == ADDON_CONFIG and anki["conf"]["rollover"] == 5
    assert set(anki["tags"]) == {"lang", "lang::es", "verbs"}


def test_every_table_is_what_ankis_downgrade_writes(anki_made: AnkiMade, tmp_path: Path) -> None:
    anki = _anki_downgraded(anki_made.path, tmp_path / "anki")
    source = SourceCollection(_copy(anki_made.path, tmp_path / "ours"))
    try:
        assert source.version == 18
        assert_same_json(source.json, anki)
    finally:
        source.close()


def test_our_json_upgraded_and_read_again_is_unchanged(anki_made: AnkiMade, tmp_path: Path) -> None:
    ours = _ours(anki_made.path, tmp_path / "ours")
    assert_same_json(_upgraded_and_read(ours, anki_made.path, tmp_path / "again"), ours)


def _upgraded_and_read(json_tables: dict[str, Any], schema18: Path, folder: Path) -> dict[str, Any]:
    """``json_tables`` written into a schema-11 collection, upgraded, and read back."""
    path = _copy(schema18, folder)
    AnkiCollection(str(path)).close(downgrade=True)  # the schema-11 tables, filled below
    db = _connect(path)
    try:
        assignments = ", ".join(f"{column} = ?" for column in COLUMNS)
        values = [json.dumps(json_tables[column]) for column in COLUMNS]
        db.execute(f"update col set {assignments}", values)
        upgrade_to_schema18(db)
        return read_json_tables(db)
    finally:
        db.close()


# ----------------------------------------------------------------- blobs edited by hand


def replace_field(blob: bytes, number: int, *encoded: bytes) -> bytes:
    """``blob`` without field ``number``, then ``encoded``: protobuf reads fields in any order,
    and for a repeated field, occurrences would add up instead of replacing."""
    kept = bytearray()
    pos = 0
    while pos < len(blob):
        start = pos
        key, pos = pb.read_varint(blob, pos)
        wire = key & 7
        if wire == pb.VARINT:
            _, pos = pb.read_varint(blob, pos)
        elif wire == pb.LENGTH:
            size, pos = pb.read_varint(blob, pos)
            pos += size
        else:
            pos += 8 if wire == pb.FIXED64 else 4
        if key >> 3 != number:
            kept += blob[start:pos]
    return bytes(kept) + b"".join(encoded)


Edit = Callable[[bytes], bytes]


def fields(*changes: tuple[int, bytes]) -> Edit:
    """Set each field number to its encoding (b"" leaves it out)."""

    def edit(blob: bytes) -> bytes:
        for number, encoded in changes:
            blob = replace_field(blob, number, encoded)
        return blob

    return edit


def nested(number: int, edit: Edit) -> Edit:
    """Edit the message held in field ``number`` (a deck's normal or filtered kind)."""

    def edit_outer(blob: bytes) -> bytes:
        inner = pb.get_bytes(pb.decode(blob), number)
        return replace_field(blob, number, pb.bytes_field(number, edit(inner)))

    return edit_outer


def varint(number: int, value: int) -> tuple[int, bytes]:
    return number, pb.varint_field(number, value)


def f32(number: int, value: float) -> tuple[int, bytes]:
    return number, pb.float_field(number, value)


def floats(number: int, values: list[float]) -> tuple[int, bytes]:
    return number, pb.packed_floats(number, values)


def text(number: int, value: bytes) -> tuple[int, bytes]:
    return number, pb.bytes_field(number, value)


def repeated(*items: tuple[int, bytes]) -> tuple[int, bytes]:
    """Several occurrences of one field number (a repeated message)."""
    return items[0][0], b"".join(encoded for _, encoded in items)


def absent(number: int) -> tuple[int, bytes]:
    return number, b""


def other(value: Any) -> tuple[int, bytes]:
    return text(255, value if isinstance(value, bytes) else json.dumps(value).encode())


NAN, INF = float("nan"), float("inf")
RESERVED_AND_UNKNOWN = ["zzUnknown", "rescheduleFsrsCards", "fsrsParams4", "historicalRetention"]


@dataclass(frozen=True)
class Case:
    """An edit of one row: ``table`` and ``column`` of the row ``row`` picks among AnkiMade's
    ids (or an SQL statement run as is)."""

    table: str
    column: str
    row: str
    edit: Edit | None = None
    sql: str | None = None


def _where(case: Case, made: AnkiMade) -> str:
    ids = {
        "preset": f"id = {made.preset}",
        "deck": f"id = {made.deck}",
        "filtered": f"id = {made.filtered}",
        "notetype": f"id = {made.notetype}",
        "field0": f"ntid = {made.notetype} and ord = 0",
        "template0": f"ntid = {made.notetype} and ord = 0",
    }
    return ids[case.row]


def _apply(case: Case, made: AnkiMade, path: Path) -> None:
    db = _connect(path)
    try:
        if case.sql is not None:
            statement = case.sql.replace("{deck}", str(made.deck))
            db.execute(statement.replace("{notetype}", str(made.notetype)))
        if case.edit is not None:
            where = _where(case, made)
            (blob,) = db.execute(f"select {case.column} from {case.table} where {where}").fetchone()
            db.execute(
                f"update {case.table} set {case.column} = ? where {where}", (case.edit(blob),)
            )
    finally:
        db.close()


def preset(*changes: tuple[int, bytes]) -> Case:
    return Case("deck_config", "config", "preset", fields(*changes))


def normal_deck(*changes: tuple[int, bytes]) -> Case:
    return Case("decks", "kind", "deck", nested(1, fields(*changes)))


def filtered_deck(*changes: tuple[int, bytes]) -> Case:
    return Case("decks", "kind", "filtered", nested(2, fields(*changes)))


def deck_common(row: str, *changes: tuple[int, bytes]) -> Case:
    return Case("decks", "common", row, fields(*changes))


def notetype(*changes: tuple[int, bytes]) -> Case:
    return Case("notetypes", "config", "notetype", fields(*changes))


def field0(*changes: tuple[int, bytes]) -> Case:
    return Case("fields", "config", "field0", fields(*changes))


def template0(*changes: tuple[int, bytes]) -> Case:
    return Case("templates", "config", "template0", fields(*changes))


def sql(statement: str) -> Case:
    return Case("", "", "", sql=statement)


CASES: dict[str, Case] = {
    # ensure_deck_config_values_valid: outside its bounds, a value becomes its default
    "preset values past Anki's bounds": preset(
        *(varint(n, 10000) for n in (9, 10, 35, 22, 24)),
        *(varint(n, 36501) for n in (16, 17, 18)),
        varint(19, 70000),
        *(f32(n, v) for n, v in ((11, 1.3), (12, 5.1), (13, 0.49), (14, 1.01), (15, 2.01))),
        f32(37, 0.991),
        f32(40, 0.69),
    ),
    "preset values on Anki's bounds": preset(
        *(varint(n, 9999) for n in (9, 10, 35, 22, 24)),
        *(varint(n, 36500) for n in (16, 17, 18, 19)),
        *(f32(n, v) for n, v in ((11, 1.31), (12, 5.0), (13, 0.5), (14, 1.0), (15, 0.5))),
        f32(37, 0.7),
        f32(40, 0.97),
    ),
    "preset values below Anki's bounds": preset(
        *(f32(n, v) for n, v in ((11, 1.0), (12, 0.99), (13, 0.2), (14, -0.1), (15, 0.1))),
        *(f32(n, v) for n, v in ((37, 0.1), (40, 0.5))),
    ),
    "preset fields left out read as proto3 zeros": preset(
        *(absent(n) for n in (4, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19, 22, 24, 37, 40, 44)),
    ),
    "preset NaN and infinities": preset(
        *(f32(n, NAN) for n in (11, 12, 37, 40, 41)),
        f32(42, INF),
        floats(6, [1.5, NAN, INF, -INF, 1.2345678, 3e-8, 1e20, 123456789.0]),
        floats(1, [0.0, 1e-5, 1e6, 16777217.0]),
    ),
    "preset enums Anki cannot name, and integer casts": preset(
        varint(43, 5),
        varint(36, 2),
        varint(21, 2),
        varint(20, 7),
        varint(30, 2**32 - 1),
        varint(33, -1),
        varint(32, 99),
        varint(25, 5),
        varint(23, 7),
        f32(11, 1.3456789),
        varint(9, 2**32 + 12),
    ),
    "preset other keys, reserved and not": preset(
        other(
            {key: "OTHER" for key in [*PRESET, "id", "name", "dyn", *RESERVED_AND_UNKNOWN]}
            | {"new": {"perDay": 1, "bury": 2, "separate": 3}, "rev": {"hardFactor": 1, "x": 2}}
            | {"lapse": [1, 2]}
        )
    ),
    "preset other that is not a JSON object": preset(other(b"[1, 2]")),
    "normal deck numbers past Rust's casts": normal_deck(
        varint(2, 2**32 - 1),
        varint(3, 2**31),
        varint(1, -7),
        varint(6, 0),
        varint(7, 2**32 + 3),
        text(8, b""),
        f32(10, 0.29),
    ),
    "normal deck without options id, markdown or retention": normal_deck(
        absent(1), absent(5), absent(10), absent(6), absent(8)
    ),
    "normal deck retention NaN": normal_deck(f32(10, NAN)),
    "normal deck retention infinite": normal_deck(f32(10, INF)),
    "normal deck retention negative": normal_deck(f32(10, -0.3)),
    "normal deck retention above 100%": normal_deck(f32(10, 42.0)),
    "deck day and counts that wrap": deck_common(
        "deck", varint(3, 2**32 - 2), varint(4, -3), varint(6, 5), varint(7, 2**31 + 9)
    ),
    "normal deck other keys, md among them": deck_common(
        "deck",
        other({key: "OTHER" for key in ["md", "return", "separate", "resched", *DECK, "name"]}),
    ),
    "filtered deck other keys": deck_common(
        "filtered",
        other({key: "OTHER" for key in ["md", "return", "separate", "conf", *FILTERED, "id"]}),
    ),
    "filtered deck terms that wrap, no steps": filtered_deck(
        text(2, pb.message([text(1, b"x")[1], varint(2, 2**31 + 1)[1], varint(3, -2)[1]])),
        absent(3),
    ),
    "filtered deck preview seconds past u32": filtered_deck(
        varint(4, 2**32 + 5), absent(7), varint(5, 2**32 - 1)
    ),
    "deck name with separators": sql(
        "update decks set name = 'A' || char(31) || 'B' || char(31) || '::C' where id = {deck}"
    ),
    "note type casts and presence": notetype(
        varint(1, 5),
        varint(9, -1),
        varint(2, 70000),
        varint(4, -5),
        varint(10, 0),
        text(8, pb.message([varint(1, 70001)[1], varint(2, 7)[1]]) + pb.packed_varints(3, [65537])),
    ),
    "note type requirements of every kind": notetype(
        repeated(
            text(8, pb.message([varint(1, 0)[1], varint(2, 2)[1], pb.packed_varints(3, [0, 1])])),
            text(8, pb.message([varint(1, 1)[1], varint(2, 1)[1], varint(3, 2)[1]])),
            text(8, pb.message([varint(1, 2)[1]])),
        )
    ),
    "note type other keys": notetype(
        other({key: "OTHER" for key in ["originalId", "css", "tags", "vers", "zz", "flds"]})
    ),
    "note type other with a lone surrogate": notetype(other(b'{"a": "\\ud800"}')),
    "note type other not UTF-8": notetype(other(b'{"a": "\xff"}')),
    "field casts and presence": field0(varint(4, 70000), varint(9, 0), absent(10)),
    "field other keys and numbers": field0(
        other(
            b'{"media": 1, "name": 2, "a": 123456789012345678901234567890,'
            b' "b": 18446744073709551615, "c": -9223372036854775809, "d": {"x": 1, "x": 2}}'
        )
    ),
    "field other with NaN": field0(other(b'{"a": NaN}')),
    "field ord past u16": sql("update fields set ord = 70001 where ntid = {notetype} and ord = 1"),
    "template casts and presence": template0(varint(7, 300), varint(5, -3), absent(8)),
    "template other keys": template0(other({"zz": 1, "qfmt": "OTHER", "did": 5})),
    "template ord past u16": sql(
        "update templates set ord = 65537 where ntid = {notetype} and ord = 0"
    ),
    "config numbers and duplicate keys": sql(
        "insert into config values ('big', 0, 0, cast('123456789012345678901234567890' as blob)),"
        """ ('dup', 0, 0, cast('{"a": 1, "a": [2]}' as blob))"""
    ),
    "tags collapsed, with config": sql("update tags set collapsed = 1, config = x'0801'"),
}


# Cases whose JSON Anki's own upgrade changes (so reading it back cannot give it unchanged).
CHANGED_BY_AN_UPGRADE = {
    "preset NaN and infinities": "null is not an f32: the upgrade refuses it",
    "normal deck numbers past Rust's casts": "a negative extendNew/extendRev becomes 0",
    "normal deck other keys, md among them": "'md' must be true or false: refused",
    "filtered deck other keys": "'md' must be true or false: refused",
    "filtered deck terms that wrap, no steps": "a negative term limit becomes 0",
    "deck name with separators": "an empty name component becomes 'blank'",
    "field ord past u16": "fields are numbered by position",
    "template ord past u16": "templates are numbered by position",
}


def _edited(name: str, made: AnkiMade, folder: Path) -> Path:
    path = _copy(made.path, folder)
    _apply(CASES[name], made, path)
    return path


@pytest.mark.parametrize("name", list(CASES))
def test_edited_collection_is_what_ankis_downgrade_writes(
    name: str, anki_made: AnkiMade, tmp_path: Path
) -> None:
    edited = _edited(name, anki_made, tmp_path / "edited")
    assert_same_json(_ours(edited, tmp_path / "ours"), _anki_downgraded(edited, tmp_path / "anki"))


@pytest.mark.parametrize("name", [name for name in CASES if name not in CHANGED_BY_AN_UPGRADE])
def test_edited_json_upgraded_and_read_again_is_unchanged(
    name: str, anki_made: AnkiMade, tmp_path: Path
) -> None:
    edited = _edited(name, anki_made, tmp_path / "edited")
    ours = _ours(edited, tmp_path / "ours")
    assert_same_json(_upgraded_and_read(ours, edited, tmp_path / "again"), ours)


@pytest.mark.parametrize("name", list(CHANGED_BY_AN_UPGRADE))
def test_anki_changes_those_left_out_too(name: str, anki_made: AnkiMade, tmp_path: Path) -> None:
    """The cases left out above are no fixpoint for Anki either: its downgraded JSON, opened
    (upgraded) and downgraded again by Anki, is not what it was, or does not open at all."""
    edited = _edited(name, anki_made, tmp_path / "edited")
    anki = _anki_downgraded(edited, tmp_path / "anki")
    path = tmp_path / "anki" / "collection.anki2"
    try:
        again = _anki_downgraded(path, tmp_path / "again")
    except Exception as exc:  # the anki package raises its own error types
        assert "Anki did not downgrade" not in str(exc)
        return
    assert any(_canonical(anki[c]) != _canonical(again[c]) for c in COLUMNS)


def test_f32_values_print_as_anki_prints_them(anki_made: AnkiMade, tmp_path: Path) -> None:
    """Random bit patterns (subnormals, huge, tiny, NaN), every power of two and values near
    the ones people type: our shortest digits are Rust's."""
    rng = random.Random(20260917)
    values = [
        struct.unpack("<f", rng.getrandbits(32).to_bytes(4, "little"))[0] for _ in range(2000)
    ]
    values += [pb.to_float32(2.0**exponent) for exponent in range(-149, 128)]
    values += [pb.to_float32(rng.uniform(0, 3)) for _ in range(1000)]
    path = _copy(anki_made.path, tmp_path / "floats")
    _apply(preset(floats(6, values)), anki_made, path)
    ours = _ours(path, tmp_path / "ours")["dconf"][str(anki_made.preset)]["fsrsParams6"]
    anki = _anki_downgraded(path, tmp_path / "anki")["dconf"][str(anki_made.preset)]
    assert _canonical(ours) == _canonical(anki["fsrsParams6"])
    assert None in ours  # NaN and infinities were among them


# ----------------------------------------------------------------- where Anki refuses


def test_a_deck_of_no_kind_is_refused(anki_made: AnkiMade, tmp_path: Path) -> None:
    """Anki cannot downgrade such a collection either."""
    path = _copy(anki_made.path, tmp_path / "edited")
    _apply(sql("update decks set kind = x'' where id = {deck}"), anki_made, path)
    with pytest.raises(PackageError, match="neither a normal nor a filtered deck"):
        _ours(path, tmp_path / "ours")


def test_a_config_value_that_is_not_json_is_left_out(anki_made: AnkiMade, tmp_path: Path) -> None:
    """Anki refuses to downgrade a collection with such a value; we keep the rest."""
    path = _copy(anki_made.path, tmp_path / "edited")
    statement = (
        "insert into config values ('bad', 0, 0, x'7b7b'), ('nan', 0, 0, cast('NaN' as blob)),"
        " ('huge', 0, 0, cast('1e400' as blob)), ('bytes', 0, 0, x'ff')"
    )
    _apply(sql(statement), anki_made, path)
    conf = _ours(path, tmp_path / "ours")["conf"]
    assert not {"bad", "nan", "huge", "bytes"} & set(conf)
    assert conf["myAddon"] == ADDON_CONFIG
