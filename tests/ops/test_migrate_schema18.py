"""``javumbo migrate`` on collections that Anki 2.1.50 and later save (schema 18, whose tables
use Anki's ``unicase`` collation): made by the real ``anki`` package, checked with the
collation registered, stored as schema 11 (as a full sync's upload is), and the users log in
with their old werkzeug passwords."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from anki.collection import Collection as AnkiCollection
from werkzeug.security import generate_password_hash

from javumbo.accounts.passwords import check_password
from javumbo.ops.collection_checks import checked_copy, integrity_problems, schema_version
from javumbo.ops.migrate import Migration
from javumbo.userdb import names
from javumbo.userdb.snapshots import restore_snapshot
from tests.ops.conftest import PASSWORD, LegacyInstall, Target, note_fronts


def anki_collection(path: Path, fronts: list[str]) -> Path:
    """A collection as Anki 26 saves it: schema 18, one reviewed card."""
    path.parent.mkdir(parents=True, exist_ok=True)
    col = AnkiCollection(str(path))
    try:
        basic = col.models.by_name("Basic")
        assert basic is not None
        deck_id = col.decks.id("Spanish")
        assert deck_id is not None
        for front in fronts:
            note = col.new_note(basic)
            note["Front"], note["Back"] = front, f"back of {front}"
            col.add_note(note, deck_id)
        col.decks.select(deck_id)
        card = col.sched.getCard()
        assert card is not None
        col.sched.answerCard(card, 3)  # type: ignore[no-untyped-call]
    finally:
        col.close()
    return path


def test_a_schema18_collection_is_checked_with_unicase_and_copied_as_schema11(
    tmp_path: Path,
) -> None:
    source = anki_collection(tmp_path / "anki.anki2", ["uno", "dos"])
    assert schema_version(source) == 18
    plain = sqlite3.connect(source)
    try:  # what the migration reported before: no such collation sequence
        with pytest.raises(sqlite3.OperationalError, match="unicase"):
            plain.execute("pragma integrity_check").fetchall()
    finally:
        plain.close()
    assert integrity_problems(source) == []
    before = source.read_bytes()
    checked = checked_copy(source, tmp_path / "work")
    assert source.read_bytes() == before  # the operator's file is never written
    assert schema_version(checked.path) == 11
    assert checked.counts == {"notes": 2, "cards": 2, "revlog": 1}


def test_schema18_users_migrate_and_log_in_with_their_old_passwords(
    legacy: LegacyInstall, target: Target
) -> None:
    legacy.add_user("alice")
    anki_collection(legacy.user_files / "alice.anki2", ["a1", "a2", "a3"])
    legacy.add_user("bob", generate_password_hash(PASSWORD, "scrypt:16384:8:1"))
    anki_collection(legacy.user_files / "bob" / "collection.anki2", ["b1"])
    report = Migration(
        target.settings,
        target.blobs,
        target.meta,
        admin_db=legacy.admin_db,
        collections=legacy.user_files,
    ).run()
    assert {u.username: (u.status, u.reason) for u in report.users} == {
        "alice": ("migrated", ""),
        "bob": ("migrated", ""),
    }
    engine = target.databases()
    for name, fronts in (("alice", ["a1", "a2", "a3"]), ("bob", ["b1"])):
        user = target.meta.get_user(name)
        assert user is not None
        with engine.read(user.user_id) as col:
            assert note_fronts(col) == fronts
            assert col.db.execute("select count() from revlog").fetchone()[0] == 1
            decks = col.db.execute("select decks from col").fetchone()[0]
            assert "Spanish" in decks
        assert check_password(target.meta, user, PASSWORD)
        head = target.meta.get_head(user.user_id)
        assert head.snapshot_key is not None
        stored = target.tmp / f"{name}-stored"
        target.blobs.get_to_file(head.snapshot_key, stored)
        restored = target.tmp / f"{name}-restored.anki2"
        restore_snapshot(
            stored, restored, compressed=names.is_compressed_snapshot(head.snapshot_key)
        )
        assert schema_version(restored) == 11
