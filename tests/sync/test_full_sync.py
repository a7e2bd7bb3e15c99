"""Full sync with Anki's real client: the first upload of a collection with every kind of
content, and a download into an empty client."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from anki.collection import Collection as AnkiCollection

from javumbo.sync.full_sync import install_upload
from tests.sync.conftest import (
    Required,
    RunningServer,
    build_sample,
    counts,
    downloaded_client,
    uploaded_client,
)


def test_upload_then_download_into_empty_client(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col_a, _auth = uploaded_client(server, anki_col)
    user = server.deps.meta.get_user("alice")
    assert user is not None
    with server.deps.engine.read(user.user_id) as ours:
        assert ours.db.execute("select ver from col").fetchone()[0] == 11
        ours_counts = ours.db.execute(
            "select (select count() from notes), (select count() from cards),"
            " (select count() from revlog)"
        ).fetchone()
        assert tuple(ours_counts) == counts(col_a)
        assert len(ours.models) == len(col_a.models.all_names_and_ids())
        assert sorted(d["name"] for d in ours.decks.values()) == sorted(
            d.name for d in col_a.decks.all_names_and_ids()
        )
    assert sorted(server.deps.engine.media(user.user_id).list()) == [
        "bandera_españa.png",
        "cell.png",
    ]

    col_b, _auth_b = downloaded_client(server, anki_col, "alice-b", "alice")
    assert counts(col_b) == counts(col_a) == (18, 27, 24)
    assert sorted(os.listdir(col_b.media.dir())) == ["bandera_españa.png", "cell.png"]
    for name in ("cell.png", "bandera_españa.png"):
        a = Path(col_a.media.dir(), name).read_bytes()
        b = Path(col_b.media.dir(), name).read_bytes()
        assert a == b
    assert col_b.fix_integrity() == ("Database rebuilt and optimized.", True)
    assert sorted(col_b.tags.all()) == sorted(col_a.tags.all())
    card_a = col_a.db.all("select id, due, ivl, factor, queue, type from cards order by id")
    card_b = col_b.db.all("select id, due, ivl, factor, queue, type from cards order by id")
    assert card_a == card_b

    # both are now in step with the server
    assert col_a.sync_collection(_auth, False).required == Required.NO_CHANGES
    assert col_b.sync_collection(_auth_b, False).required == Required.NO_CHANGES


SCHEMA_18_ONLY = {
    "notetypes", "fields", "templates", "decks", "deck_config", "config", "tags",
    "idx_notes_mid", "idx_cards_odid", "idx_graves_pending", "sqlite_stat1", "sqlite_stat4",
}  # fmt: skip


def test_upload_is_downgraded_in_place_with_its_graves(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection], tmp_path: Path
) -> None:
    # Anki's client clears its graves before a full upload, so the file is sent directly: a
    # schema-18 collection as Anki writes it, with graves of a deleted note.
    server.add_user("alice")
    col = anki_col("made-by-anki")
    build_sample(col)
    doomed = col.find_notes("Tokyo")
    assert len(doomed) == 1
    doomed_cards = col.card_ids_of_note(doomed[0])
    col.remove_notes(doomed)
    counts_before = counts(col)
    model_names = sorted(m.name for m in col.models.all_names_and_ids())
    deck_names = sorted(d.name for d in col.decks.all_names_and_ids())
    path = col.path
    col.close(downgrade=False)
    data = Path(path).read_bytes()
    made = sqlite3.connect(path)
    assert made.execute("select ver from col").fetchone()[0] == 18
    stats = made.execute("select count() from sqlite_master where name like 'sqlite_stat%'")
    assert stats.fetchone()[0] == 2  # Anki's planner statistics, which we drop
    made.close()

    user = server.deps.meta.get_user("alice")
    assert user is not None
    with server.sync.temporary_file() as upload:
        upload.write_bytes(data)
        install_upload(server.deps.engine, user.user_id, upload)
    with server.deps.engine.read(user.user_id) as ours:
        names = {r[0] for r in ours.db.execute("select name from sqlite_master")}
        assert not names & SCHEMA_18_ONLY
        columns = [r[1] for r in ours.db.execute("pragma table_info(graves)")]
        assert columns == ["usn", "oid", "type"]
        graves = set(ours.db.execute("select oid, type from graves").fetchall())
        assert graves == {(doomed[0], 1)} | {(cid, 0) for cid in doomed_cards}
        assert ours.db.execute("select ver from col").fetchone()[0] == 11
        assert ours.db.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert sorted(m["name"] for m in ours.models.values()) == model_names
        assert sorted(d["name"] for d in ours.decks.values()) == deck_names
    assert list(server.sync.workdir.iterdir()) == []  # the upload's file is gone
    # Anki opens what we now serve without complaint (it upgrades our schema 11 itself)
    col_b, _auth_b = downloaded_client(server, anki_col, "alice-b", "alice")
    assert counts(col_b) == counts_before
    assert col_b.fix_integrity() == ("Database rebuilt and optimized.", True)
