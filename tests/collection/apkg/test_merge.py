"""How an .apkg merges into a collection that already has content (Anki's rules, FORMAT §9)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from javumbo.collection import Collection, FixedClock
from javumbo.collection.apkg import export_apkg, import_apkg
from javumbo.collection.decks import add_deck, deck_by_name
from javumbo.collection.notes import add_note, get_note, update_note
from javumbo.collection.notetypes import add_notetype, notetype_by_name

from ..conftest import CLOCK_START
from .conftest import PNG, counts

DAY = 86_400


def _basic(col: Collection) -> int:
    nt = notetype_by_name(col, "Basic")
    assert nt is not None
    return int(nt["id"])


def _make_review(col: Collection, nid: int, due_in_days: int) -> int:
    """Turn the note's card into a review card due ``due_in_days`` from today, with history."""
    cid = col.db.execute("select id from cards where nid = ?", (nid,)).fetchone()[0]
    answered = col.now_secs() - DAY
    with col.transaction() as db:
        db.execute(
            "update cards set type = 2, queue = 2, due = ?, ivl = 7, factor = 2500, reps = 1,"
            " data = ? where id = ?",
            (col.today() + due_in_days, json.dumps({"lrt": answered}), cid),
        )
        db.execute(
            "insert into revlog values (?, ?, -1, 3, 7, 0, 2500, 4000, 0)", (answered * 1000, cid)
        )
    return int(cid)


@pytest.fixture
def source(tmp_path: Path) -> Collection:
    """A collection created 30 days before the target one, with two notes in "Shared::Sub"."""
    src = Collection.create(tmp_path / "source.anki2", clock=FixedClock(CLOCK_START - 30 * DAY))
    src.clock = FixedClock(CLOCK_START)  # type: ignore[assignment]
    did = add_deck(src, "Shared::Sub")
    add_note(src, _basic(src), ["one", '<img src="pic.png">'], did, tags=["alpha"])
    add_note(src, _basic(src), ["two", "[sound:hello.mp3]"], did)
    return src


def _export(src: Collection, tmp_path: Path, name: str = "pkg.apkg") -> Path:
    media = tmp_path / "source.media"
    media.mkdir(exist_ok=True)
    (media / "pic.png").write_bytes(PNG)
    (media / "hello.mp3").write_bytes(b"sound bytes")
    out = tmp_path / name
    export_apkg(src, out, media_dir=media)
    return out


def test_review_due_keeps_days_from_today_across_different_creation_days(
    source: Collection, col: Collection, media_dir: Path, tmp_path: Path
) -> None:
    nid = source.db.execute("select id from notes where sfld = 'one'").fetchone()[0]
    _make_review(source, nid, due_in_days=5)
    assert source.today() == col.today() + 30

    import_apkg(col, _export(source, tmp_path), media_dir=media_dir)

    due = col.db.execute("select due from cards where type = 2").fetchone()[0]
    assert due - col.today() == 5
    assert counts(col)["revlog"] == 1


def test_without_scheduling_cards_arrive_new(
    source: Collection, col: Collection, media_dir: Path, tmp_path: Path
) -> None:
    nid = source.db.execute("select id from notes where sfld = 'one'").fetchone()[0]
    cid = _make_review(source, nid, due_in_days=5)
    source.db.execute("update cards set queue = -1, flags = 1 where id = ?", (cid,))

    import_apkg(col, _export(source, tmp_path), media_dir=media_dir, scheduling=False)

    got = counts(col)
    assert got["type_new"] == got["cards"] == 2
    assert (got["revlog"], got["suspended"], got["flagged"]) == (0, 0, 0)


def test_notes_matched_by_guid_update_only_when_newer(
    source: Collection, col: Collection, media_dir: Path, tmp_path: Path
) -> None:
    import_apkg(col, _export(source, tmp_path), media_dir=media_dir)
    nid = source.db.execute("select id from notes where sfld = 'one'").fetchone()[0]
    source.clock.advance(10)  # type: ignore[attr-defined]
    update_note(source, nid, fields=["one", "changed in source"])

    report = import_apkg(col, _export(source, tmp_path, "v2.apkg"), media_dir=media_dir)

    assert (report.notes_updated, report.notes_skipped, report.notes_added) == (1, 1, 0)
    ours = col.db.execute("select id from notes where sfld = 'one'").fetchone()[0]
    assert get_note(col, ours).fields[1] == "changed in source"

    col.clock.advance(100)  # type: ignore[attr-defined]
    update_note(col, ours, fields=["one", "changed here later"])
    report = import_apkg(col, _export(source, tmp_path, "v3.apkg"), media_dir=media_dir)
    assert report.notes_updated == 0 and report.notes_skipped == 2
    assert get_note(col, ours).fields[1] == "changed here later"


def test_changed_note_type_is_added_anew_and_never_overwrites(
    source: Collection, col: Collection, media_dir: Path, tmp_path: Path
) -> None:
    import_apkg(col, _export(source, tmp_path), media_dir=media_dir)
    mid = source.db.execute("select mid from notes limit 1").fetchone()[0]
    models = copy.deepcopy(source.models)
    models[str(mid)]["flds"][1]["name"] = "Answer"
    source.save_json("models", models)
    source.clock.advance(10)  # type: ignore[attr-defined]
    nid = source.db.execute("select id from notes where sfld = 'one'").fetchone()[0]
    update_note(source, nid, fields=["one", "newer but other note type"])

    report = import_apkg(col, _export(source, tmp_path, "changed.apkg"), media_dir=media_dir)

    assert report.notetypes_added == ["Basic++"]
    assert report.notes_updated == 0 and report.notes_added == 0
    assert "newer but other note type" not in {
        r[0].split("\x1f")[1] for r in col.db.execute("select flds from notes")
    }


def test_note_type_name_clash_gets_plus(col: Collection, tmp_path: Path, media_dir: Path) -> None:
    src = Collection.create(tmp_path / "s.anki2", clock=FixedClock(CLOCK_START + 5000))
    custom = copy.deepcopy(notetype_by_name(src, "Basic"))
    assert custom is not None
    custom["name"] = "Vocab"
    mid = add_notetype(src, custom)
    add_note(src, mid, ["a", "b"], 1)
    mine = copy.deepcopy(notetype_by_name(col, "Basic"))
    assert mine is not None
    mine["name"] = "Vocab"
    add_notetype(col, mine)

    report = import_apkg(col, _export(src, tmp_path), media_dir=media_dir)

    assert report.notetypes_added == ["Vocab+"]
    assert notetype_by_name(col, "Vocab+") is not None


def test_decks_matched_by_name_without_case(
    source: Collection, col: Collection, media_dir: Path, tmp_path: Path
) -> None:
    existing = add_deck(col, "shared::SUB")

    report = import_apkg(col, _export(source, tmp_path), media_dir=media_dir)

    assert report.decks_added == []
    assert {r[0] for r in col.db.execute("select distinct did from cards")} == {existing}
    assert deck_by_name(col, "Shared::Sub") is not None


def test_media_clash_renamed_with_hash_and_html_rewritten(
    source: Collection, col: Collection, media_dir: Path, tmp_path: Path
) -> None:
    media_dir.mkdir()
    (media_dir / "pic.png").write_bytes(b"a different picture of the user")
    (media_dir / "hello.mp3").write_bytes(b"sound bytes")  # same content: nothing to do

    report = import_apkg(col, _export(source, tmp_path), media_dir=media_dir)

    import hashlib

    renamed = f"pic-{hashlib.sha1(PNG).hexdigest()}.png"
    assert report.media_renamed == {"pic.png": renamed}
    assert (media_dir / renamed).read_bytes() == PNG
    assert (media_dir / "pic.png").read_bytes() == b"a different picture of the user"
    assert report.media_added == 1 and report.media_unchanged == 1
    flds = [r[0] for r in col.db.execute("select flds from notes order by sfld")]
    assert f'<img src="{renamed}">' in flds[0]
    assert "[sound:hello.mp3]" in flds[1]

    again = import_apkg(col, _export(source, tmp_path, "again.apkg"), media_dir=media_dir)
    assert again.media_added == 0 and counts(col)["notes"] == 2


def test_progress_is_reported(
    source: Collection, col: Collection, media_dir: Path, tmp_path: Path
) -> None:
    seen: list[tuple[int, int, str]] = []
    import_apkg(
        col, _export(source, tmp_path), media_dir=media_dir, progress=lambda *a: seen.append(a)
    )
    stages = [s for _, _, s in seen]
    assert "notes" in stages and "cards" in stages and "media" in stages
    assert all(0 <= done <= total or total == 0 for done, total, _ in seen)
    assert ("notes", 2, 2) in {(s, d, t) for d, t, s in seen}


def test_cards_of_missing_notes_dropped_and_duplicate_guids_kept(
    col: Collection, media_dir: Path, anki_fixtures: Path
) -> None:
    report = import_apkg(
        col, anki_fixtures / "broken" / "card_missing_note.apkg", media_dir=media_dir
    )
    assert report.cards_dropped == 1 and report.cards_added == 3

    dup = import_apkg(col, anki_fixtures / "broken" / "duplicate_guid.apkg", media_dir=media_dir)
    assert dup.notes_added == 3  # as Anki: duplicates inside one package are all imported
    again = import_apkg(col, anki_fixtures / "broken" / "duplicate_guid.apkg", media_dir=media_dir)
    assert again.notes_added == 0


def test_shared_deck_without_scheduling_and_synthetic_10k(
    col: Collection, media_dir: Path, anki_fixtures: Path
) -> None:
    shared = import_apkg(col, anki_fixtures / "sample_shared_deck_anki2.apkg", media_dir=media_dir)
    assert (shared.notes_added, shared.cards_added, shared.revlog_added) == (18, 27, 0)
    big = import_apkg(col, anki_fixtures / "synthetic_10k_legacy.apkg", media_dir=media_dir)
    expect = json.loads((anki_fixtures / "synthetic_10k.expect.json").read_text())
    assert big.notes_added == expect["notes"] and big.cards_added == expect["cards"]
    assert col.db.execute("select count() from cards where type = 2").fetchone()[0] == 2000
