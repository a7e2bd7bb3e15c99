"""upgrade_to_schema18 against real Anki: every schema-11 collection below (built by our code,
built by Anki, Anki's shared sample, and an Anki package imported by our importer) is upgraded
twice, once by us and once by Anki opening the original; Anki must see the same collection in
both, the tables must hold the same rows, and Anki must open ours without upgrading or repairing
anything."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection
from javumbo.collection import decks as deck_api
from javumbo.collection import notes as note_api
from javumbo.collection import notetypes as notetype_api
from javumbo.collection.apkg import PackageError, import_apkg
from javumbo.collection.apkg import protobuf as pb
from javumbo.collection.apkg.schema18 import TABLES_18, read_json_tables
from javumbo.collection.apkg.schema18_writer import upgrade_to_schema18
from javumbo.collection.apkg.source import unicase
from javumbo.collection.cards import cards_of_note, delete_cards
from javumbo.collection.scheduler.answering import answer

from .conftest import AnkiPackageBuilder

AnkiMadeCollection = Callable[..., Path]


# ----------------------------------------------------------------- schema-11 collections


def _javumbo_made(folder: Path) -> Path:
    """Built through our own API: nested decks, a collapsed deck, Cloze and a custom note type
    with keys Anki does not know, a tuned preset (limits, steps, FSRS), a preset at 130% whose
    answered cards Anki's upgrade repairs, custom config, '::' tags, graves of all three kinds."""
    path = folder / "javumbo.anki2"
    col = Collection.create(path)
    try:
        verbs = deck_api.add_deck(col, "Lang::Spanish::Verbs")
        geo = deck_api.add_deck(col, "Geography")
        doomed = deck_api.add_deck(col, "Doomed")
        decks = {k: dict(v) for k, v in col.decks.items()}
        decks[str(geo)].update(collapsed=True, browserCollapsed=True)
        col.save_json("decks", decks)

        tuned = deck_api.add_deck_config(col, "Tuned")
        deck_api.update_deck_config(
            col,
            tuned,
            {
                "new": {"perDay": 35, "delays": [2.0, 15.0, 90.0], "initialFactor": 2300},
                "rev": {"perDay": 321, "maxIvl": 400, "hardFactor": 1.35},
                "lapse": {"delays": [5.0, 30.0], "leechFails": 5},
                "fsrsWeights": [0.4, 0.9, 2.3, 10.9, 4.93, 0.94, 0.86, 0.01, 1.49, 0.14, 0.94],
                "fsrsParams6": [round(0.1 * i + 0.01, 3) for i in range(21)],
                "desiredRetention": 0.87,
                "maxTaken": 90,
            },
        )
        deck_api.set_deck_config(col, verbs, tuned)
        harsh = deck_api.add_deck_config(col, "Harsh")
        deck_api.update_deck_config(col, harsh, {"new": {"initialFactor": 1300}})
        deck_api.set_deck_config(col, geo, harsh)

        basic = _mid(col, "Basic")
        cloze = _mid(col, "Cloze")
        custom = dict(col.models[str(basic)])
        custom.update(name="Vocab (Javumbo)", vers=[], tags=["old-2.0-key"])
        custom["flds"] = [dict(f, media=[]) for f in custom["flds"]]
        vocab = notetype_api.add_notetype(col, custom)

        capital = note_api.add_note(col, basic, ["Capital of Peru", "Lima"], geo, ["geo::capitals"])
        note_api.add_note(col, basic, ["Capital of Chile", "Santiago"], geo, ["geo::capitals"])
        note_api.add_note(col, vocab, ["hablar", "to speak"], verbs, ["Lang::ES", "verbs"])
        note_api.add_note(col, cloze, ["{{c1::Water}} boils at {{c2::100}} °C", ""], geo, [])
        gone = note_api.add_note(col, basic, ["to delete", "x"], verbs, ["temp"])
        twice = note_api.add_note(col, cloze, ["{{c1::a}} {{c2::b}}", ""], verbs, [])
        note_api.add_note(col, basic, ["in doomed deck", "x"], doomed, [])
        for card in cards_of_note(col, capital.id):
            answer(col, card.id, 4, 3000)  # graduates at the Harsh preset's 130% ease

        note_api.delete_notes(col, [gone.id])
        delete_cards(col, [cards_of_note(col, twice.id)[1].id])
        deck_api.delete_deck(col, doomed)
        col.save_json(
            "conf",
            {**col.conf, "javumboCustom": {"nested": [1, 2.5, None], "b": True}, "tiny": 1e-7},
        )
    finally:
        col.close()
    return path


def _mid(col: Collection, name: str) -> int:
    found = notetype_api.notetype_by_name(col, name)
    assert found is not None
    return int(found["id"])


def _fill_with_anki(acol: Any) -> None:
    """Built by Anki itself: a filtered deck holding borrowed cards, nested and collapsed decks,
    a preset with FSRS parameters, a per-deck desired retention, config, a collapsed '::' tag,
    review history and graves."""
    basic = acol.models.by_name("Basic")
    cloze = acol.models.by_name("Cloze")
    child = acol.decks.id("Parent::Child::Grandchild")
    other = acol.decks.id("Other")
    for i in range(6):
        note = acol.new_note(basic if i % 2 else cloze)
        note.fields[0] = f"{{{{c1::answer {i}}}}} question {i}"
        note.tags = ["Topic::Sub", "plain"] if i % 2 else ["Collapsed::Tag"]
        acol.add_note(note, child if i < 4 else other)
    acol.tags.set_collapsed("Collapsed", collapsed=True)

    conf_id = acol.decks.add_config_returning_id("FSRS preset")
    conf = acol.decks.get_config(conf_id)
    conf["new"]["perDay"] = 33
    conf["new"]["delays"] = [3.0, 25.0]
    conf["rev"]["perDay"] = 150
    conf["fsrsParams6"] = [round(0.05 * i + 0.2, 4) for i in range(21)]
    conf["desiredRetention"] = 0.85
    acol.decks.update_config(conf)
    deck = acol.decks.get(child)
    acol.decks.set_config_id_for_deck_dict(deck, conf_id)
    proto = acol._backend.get_deck(child)
    proto.normal.desired_retention = 0.8
    acol._backend.update_deck(proto)
    acol.decks.collapse(acol.decks.id("Parent"))

    acol.decks.select(other)
    for ease in (3, 4):
        card = acol.sched.getCard()
        if card is not None:
            acol.sched.answerCard(card, ease)
    filtered = acol.decks.new_filtered("Cram")
    cram = acol.decks.get(filtered)
    cram["terms"] = [["deck:Parent*", 3, 0]]
    cram["resched"] = False
    acol.decks.save(cram)
    acol.sched.rebuild_filtered_deck(filtered)
    acol.set_config("customKey", {"list": [1, 2, 3], "text": "héllo"})

    acol.remove_notes([acol.find_notes("deck:Other")[0]])
    acol.decks.remove([acol.decks.id("Short-lived")])


@pytest.fixture(params=["javumbo_made", "anki_made", "anki_sample", "imported"])
def schema11(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    anki_fixtures: Path,
    anki_made_collection: AnkiMadeCollection,
    anki_package: AnkiPackageBuilder,
) -> Path:
    """A schema-11 collection file; tests work on copies of it."""
    source = tmp_path / "source"
    source.mkdir()
    kind = request.param
    if kind == "javumbo_made":
        return _javumbo_made(source)
    if kind == "anki_made":
        path = anki_made_collection(_fill_with_anki)
        assert _version(path) == 11
        return path
    if kind == "anki_sample":
        path = source / "sample.anki2"
        shutil.copyfile(anki_fixtures / "sample_schema11.anki2", path)
        return path
    path = source / "imported.anki2"
    col = Collection.create(path)
    try:
        import_apkg(col, anki_package(legacy=False), media_dir=source / "media")
    finally:
        col.close()
    return path


# ----------------------------------------------------------------- helpers


def _ours(schema11: Path, dest: Path) -> Path:
    """Our upgrade of a copy of ``schema11``, done in memory as the sync server will do it."""
    db = sqlite3.connect(":memory:")
    try:
        db.deserialize(schema11.read_bytes())
        upgrade_to_schema18(db)
        dest.write_bytes(db.serialize())
    finally:
        db.close()
    return dest


def _ankis(schema11: Path, dest: Path) -> Path:
    """Anki's own upgrade: Anki opens a copy of the schema-11 file and closes it as schema 18."""
    from anki.collection import Collection as AnkiCollection

    shutil.copyfile(schema11, dest)
    AnkiCollection(str(dest)).close(downgrade=False)
    return dest


def _version(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("select ver from col").fetchone()[0])
    finally:
        db.close()


def _anki_view(path: Path) -> dict[str, Any]:
    """Everything Anki's API shows of the collection's note types, decks, deck options, config
    and tags, plus graves and cards; opens ``path`` (upgrading it if it is schema 11)."""
    from anki.collection import Collection as AnkiCollection

    acol = AnkiCollection(str(path))
    try:
        return {
            "models": sorted(acol.models.all(), key=lambda m: m["id"]),
            "decks": sorted(acol.decks.all(), key=lambda d: d["id"]),
            "deck_configs": sorted(acol.decks.all_config(), key=lambda c: c["id"]),
            "config": acol.all_config(),
            "tags": acol.tags.all(),
            "tag_tree": _tag_tree(acol.tags.tree()),
            "tag_usns": acol.db.all("select tag, usn from tags order by tag"),
            "graves": acol.db.all("select * from graves order by oid, type"),
            "cards": acol.db.all("select * from cards order by id"),
            "col": acol.db.all("select crt, mod, scm, ver, usn, ls from col"),
        }
    finally:
        acol.close(downgrade=False)


def _tag_tree(node: Any, prefix: str = "") -> list[tuple[str, bool]]:
    out = []
    for child in node.children:
        name = f"{prefix}{child.name}"
        out.append((name, bool(child.collapsed)))
        out += _tag_tree(child, f"{name}::")
    return out


def _open(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.create_collation("unicase", unicase)
    return db


def _raw(path: Path) -> dict[str, Any]:
    """Every row of every table and the schema (sqlite_stat*, which only Anki's ANALYZE
    writes, left out), with the JSON of the protobuf ``other`` fields parsed: Anki writes the
    top-level keys of ``other`` in hash order."""
    db = _open(path)
    try:
        schema = db.execute(
            "select type, name, tbl_name, sql from sqlite_master"
            " where name not like 'sqlite_%' order by rowid"
        ).fetchall()
        rows = {}
        for table in (r[1] for r in schema if r[0] == "table"):
            found = (tuple(_readable(v) for v in r) for r in db.execute(f"select * from {table}"))
            rows[table] = sorted(found, key=repr)
    finally:
        db.close()
    return {"schema": schema, "rows": rows}


def _readable(value: Any) -> Any:
    if not isinstance(value, bytes) or not value:
        return value
    try:
        fields = pb.decode(value)
    except PackageError:
        return value
    others = [json.loads(v) for v in fields.pop(255, []) if isinstance(v, bytes)]
    if not others:
        return value
    return (sorted(fields.items()), others)


# ----------------------------------------------------------------- Anki as the referee


def test_anki_sees_the_collection_it_gets_from_its_own_upgrade(
    schema11: Path, tmp_path: Path
) -> None:
    ours = _ours(schema11, tmp_path / "ours.anki2")
    original = tmp_path / "original.anki2"
    shutil.copyfile(schema11, original)

    theirs_view = _anki_view(original)  # Anki upgrades this one itself
    ours_view = _anki_view(ours)

    assert ours_view == theirs_view
    assert ours_view["models"] and ours_view["decks"] and ours_view["deck_configs"]
    assert ours_view["col"][0][3] == 18


def test_tables_hold_the_rows_ankis_upgrade_writes(schema11: Path, tmp_path: Path) -> None:
    ours = _raw(_ours(schema11, tmp_path / "ours.anki2"))
    theirs = _raw(_ankis(schema11, tmp_path / "theirs.anki2"))

    assert ours["schema"] == theirs["schema"]
    assert ours["rows"].keys() == theirs["rows"].keys()
    for table in ours["rows"]:
        assert ours["rows"][table] == theirs["rows"][table], table
    assert {t for t in TABLES_18} <= ours["rows"].keys()


def test_reader_reads_our_tables_as_it_reads_ankis(schema11: Path, tmp_path: Path) -> None:
    ours = _open(_ours(schema11, tmp_path / "ours.anki2"))
    theirs = _open(_ankis(schema11, tmp_path / "theirs.anki2"))
    try:
        ours_json = read_json_tables(ours)
        assert ours_json == read_json_tables(theirs)
    finally:
        ours.close()
        theirs.close()
    original = sqlite3.connect(schema11)
    try:
        models = json.loads(original.execute("select models from col").fetchone()[0])
    finally:
        original.close()
    assert {m["name"] for m in ours_json["models"].values()} == {m["name"] for m in models.values()}


def test_anki_opens_ours_without_upgrading_and_finds_nothing_to_fix(
    schema11: Path, tmp_path: Path
) -> None:
    from anki.collection import Collection as AnkiCollection

    ours = _ours(schema11, tmp_path / "ours.anki2")
    assert _version(ours) == 18
    before = _raw(ours)

    acol = AnkiCollection(str(ours))
    try:
        assert acol.db.scalar("select ver from col") == 18
    finally:
        acol.close(downgrade=False)
    assert _raw(ours) == before  # opening rewrote neither the schema nor any row

    acol = AnkiCollection(str(ours))
    try:
        assert acol.fix_integrity() == ("Database rebuilt and optimized.", True)
    finally:
        acol.close(downgrade=False)
    assert _version(ours) == 18


def test_the_sources_cover_what_the_upgrade_converts(schema11: Path, tmp_path: Path) -> None:
    """Guards the fixtures: a source that lost its decks or note types would make the
    comparisons above pass vacuously."""
    view = _anki_view(_ours(schema11, tmp_path / "ours.anki2"))
    names = {d["name"] for d in view["decks"]}
    assert any("::" in n for n in names)
    assert any(m["type"] == 1 for m in view["models"])  # Cloze
    assert view["tags"]
    if schema11.name in ("javumbo.anki2", "anki.anki2"):
        assert len(view["deck_configs"]) >= 2
        assert view["graves"]
        assert any(isinstance(v, dict) for v in view["config"].values())
    if schema11.name == "anki.anki2":
        assert any(d["dyn"] for d in view["decks"])
        assert ("Collapsed", True) in view["tag_tree"]
    if schema11.name == "javumbo.anki2":
        # the Harsh preset's answered cards were repaired, as Anki's upgrade does
        assert any(c[10] == 2500 and c[5] == -1 for c in view["cards"])
        assert {g[1] for g in view["graves"]} == {0, 1, 2}  # oid, type, usn


# ----------------------------------------------------------------- odd but valid JSON


def _odd_json(folder: Path) -> Path:
    """A collection whose JSON takes the paths Anki's reader takes for old or hand-edited files:
    keys it does not know (kept in ``other``), values of the wrong type where it falls back to a
    default, numbers as strings, bools as numbers, names it normalises, a two-item ``ints``."""
    path = folder / "odd.anki2"
    col = Collection.create(path)
    try:
        basic = _mid(col, "Basic")
        nt = dict(col.models[str(basic)])
        nt.update(name="Cafe\u0301 notes", did="5", latexsvg=1, req="bad", vers=[], tags=["x"])
        nt["flds"] = [
            dict(nt["flds"][0], sticky=1, rtl="true", description=5, media=[]),
            dict(nt["flds"][1], name="FRONT", tag=-1, plainText="no"),
        ]
        nt["tmpls"] = [dict(nt["tmpls"][0], bsize=300, did=12, bfont=3, zz=True)]
        notetype_api.add_notetype(col, nt)

        decks = {k: dict(v) for k, v in col.decks.items()}
        renamed = dict(decks["1"], id=77, name=" Loose :: ends ::", conf=9)
        renamed.update(lrnToday=[5, 3], revToday=[7, 2], newToday=[7, 9], timeToday=[6, 1000])
        renamed.update(extendNew=-4, extendRev="3", reviewLimit="50", newLimit=12)
        renamed.update(newLimitToday={"limit": 7, "today": 3}, desiredRetention=85, extra={"k": 1})
        filtered = dict(decks["1"], id=78, name="Cram", dyn=True, resched="0", separate=True)
        filtered.update(terms=[["is:due", "50", 3], ["a", -5, 1]], delays=[1.5, 2], previewDelay=4)
        filtered.update(previewAgainSecs=61, previewHardSecs=62, desc="dropped", conf=3)
        decks.update({"77": renamed, "78": filtered})
        col.save_json("decks", decks)

        dconf = {k: dict(v) for k, v in col.dconf.items()}
        dconf["9"] = {
            "id": "9", "mod": "5", "name": "From Anki 2.1.9", "usn": 3, "maxTaken": -5,
            "autoplay": True, "timer": 300, "dyn": False, "rescheduleFsrsCards": True,
            "new": {"delays": [1, 10], "initialFactor": 2300, "ints": [2, 3], "order": 0,
                    "perDay": 20, "separate": True},
            "rev": {"ease4": 1.3, "ivlFct": 1, "maxIvl": 36500, "perDay": 100, "fuzz": 0.05,
                    "minSpace": 1},
            "lapse": {"delays": [10], "leechAction": 3, "leechFails": 8, "minInt": 1, "mult": 0},
            "answerAction": 4, "questionAction": 1, "waitForAudio": False, "sm2Retention": 0.8,
            "secondsToShowQuestion": 2.5, "weightSearch": "deck:x", "zeta": {"b": 1, "a": [2]},
        }  # fmt: skip
        dconf["10"] = dict(dconf["1"], id=10, name="Unreadable new", new={"initialFactor": "x"})
        dconf["11"] = dict(
            dconf["1"], id=11, name="One int", new={**dconf["1"]["new"], "ints": [2]}
        )
        col.save_json("dconf", dconf)
        col.save_json("conf", {**col.conf, "floats": [1e-5, 1e-7, 1e16, 1.5e16, -0.0, 2.5]})
    finally:
        col.close()
    return path


def test_odd_but_valid_json_gets_the_rows_ankis_upgrade_writes(tmp_path: Path) -> None:
    source = _odd_json(tmp_path)
    ours = _raw(_ours(source, tmp_path / "ours.anki2"))
    theirs = _raw(_ankis(source, tmp_path / "theirs.anki2"))

    # A deck whose name Anki normalises is stamped with the time of the upgrade, which is a
    # little later on one side than on the other.
    def without_renamed_mtime(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return [r[:2] + r[3:] if r[0] == 77 else r for r in rows]

    assert [r[1] for r in ours["rows"]["decks"] if r[0] == 77] == ["Loose\x1fends\x1fblank"]
    assert without_renamed_mtime(ours["rows"]["decks"]) == without_renamed_mtime(
        theirs["rows"]["decks"]
    )
    for table in ours["rows"].keys() - {"decks"}:
        assert ours["rows"][table] == theirs["rows"][table], table
    assert ours["schema"] == theirs["schema"]
    fields = {r[2] for r in ours["rows"]["fields"]}
    assert {"Front", "FRONT+"} <= fields


# ----------------------------------------------------------------- refusals


def _schema11_db(tmp_path: Path) -> sqlite3.Connection:
    path = tmp_path / "refused.anki2"
    Collection.create(path).close()
    db = sqlite3.connect(":memory:")
    db.deserialize(path.read_bytes())
    return db


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("models", "{not json", "col.models is not valid JSON"),
        ("conf", "[1, 2]", "col.conf is not a JSON object"),
        ("dconf", '{"1": {"id": 1, "mod": NaN}}', "col.dconf is not valid JSON"),
        ("decks", '{"5": {"id": 5, "dyn": 0}}', "lacks 'name'"),
        ("tags", '{"geo": "-1"}', "invalid usn for 'geo'"),
        ("decks", '{"x": {}}', "key 'x', which is not an id"),
        ("conf", '{"a": Infinity}', "col.conf is not valid JSON"),
        ("tags", '{"\\ud800": -1}', "unpaired surrogate"),
    ],
)
def test_a_col_row_anki_could_not_upgrade_raises_and_changes_nothing(
    tmp_path: Path, column: str, value: str, message: str
) -> None:
    db = _schema11_db(tmp_path)
    db.execute(f"update col set {column} = ?", (value,))
    db.commit()
    image = db.serialize()

    with pytest.raises(PackageError, match=message):
        upgrade_to_schema18(db)

    assert db.serialize() == image
    assert not db.in_transaction


def test_an_sqlite_error_half_way_rolls_everything_back(tmp_path: Path) -> None:
    db = _schema11_db(tmp_path)
    db.execute("create table decks (id integer)")  # clashes with a table the upgrade creates
    db.commit()
    image = db.serialize()

    with pytest.raises(PackageError, match="table decks already exists"):
        upgrade_to_schema18(db)

    assert db.serialize() == image
    assert db.execute("select ver from col").fetchone() == (11,)
    tables = {r[0] for r in db.execute("select name from sqlite_master")}
    assert "deck_config" not in tables and "fields" not in tables


def test_only_schema_11_is_upgraded(tmp_path: Path) -> None:
    db = _schema11_db(tmp_path)
    upgrade_to_schema18(db)
    with pytest.raises(PackageError, match="schema version 18; only 11"):
        upgrade_to_schema18(db)


# ----------------------------------------------------------------- proto3 writing


def test_proto3_writers_round_trip_through_the_reader() -> None:
    msg = pb.message(
        [
            pb.packed_floats(1, [1.0, 0.1, 2.5]),
            pb.packed_floats(2, []),
            pb.implicit_varint(3, 0),
            pb.implicit_varint(4, -2),
            pb.implicit_float(5, 0.0),
            pb.implicit_float(6, 0.9),
            pb.implicit_str(7, ""),
            pb.implicit_str(8, "ñ"),
            pb.packed_varints(9, [3, 300]),
        ]
    )
    fields = pb.decode(msg)
    assert sorted(fields) == [1, 4, 6, 8, 9]  # defaults are left out, as proto3 does
    assert pb.get_floats(fields, 1) == [1.0, 0.1, 2.5]
    assert pb.get_sint(fields, 4) == -2
    assert pb.get_float(fields, 6) == 0.9
    assert pb.get_str(fields, 8) == "ñ"
    assert pb.get_bytes(fields, 9) == b"\x03\xac\x02"
    assert pb.to_float32(0.1) != 0.1 and pb.to_float32(1e39) == float("inf")
