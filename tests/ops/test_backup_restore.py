"""``javumbo backup`` / ``restore``: snapshots out to a folder and back, through the engine."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from javumbo.cli import main
from javumbo.collection import Collection
from javumbo.collection.notes import add_note
from javumbo.collection.notetypes import notetype_by_name
from javumbo.ops.backup import MANIFEST, BackupError, backup_user, restore_user
from javumbo.ops.collection_checks import file_sha256
from javumbo.ops.user_collections import operator_databases
from javumbo.stores.ports import UserRecord
from javumbo.userdb import StorageEngine, names
from javumbo.userdb.snapshots import restore_snapshot
from tests.ops.conftest import Target, note_fronts


def adder(front: str) -> Callable[[Collection], int]:
    def add(col: Collection) -> int:
        basic = notetype_by_name(col, "Basic")
        assert basic is not None
        return add_note(col, basic["id"], [front, "back"], 1).id

    return add


@pytest.fixture
def alice(target: Target) -> UserRecord:
    record = UserRecord("alice", "uid-alice", "$argon2id$x", 1.0)
    target.meta.create_user(record)
    return record


def snapshot_fronts(target: Target, key: str, tmp: Path) -> list[str]:
    stored = tmp / key.rsplit("/", 1)[-1]
    target.blobs.get_to_file(key, stored)
    restore_snapshot(stored, tmp / "look.anki2", compressed=names.is_compressed_snapshot(key))
    col = Collection.open(tmp / "look.anki2")
    try:
        return note_fronts(col)
    finally:
        col.close()


def test_backup_then_restore_brings_the_old_state_back_and_loses_nothing(
    target: Target, alice: UserRecord, tmp_path: Path
) -> None:
    live = target.databases("live")
    live.write(alice.user_id, adder("before backup"))  # journaled, not yet a snapshot
    out = tmp_path / "backup"
    with operator_databases(target.settings, target.blobs, target.meta) as engine:
        report = backup_user(engine, target.blobs, target.meta, "alice", out)
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["username"] == "alice" and manifest["user_id"] == alice.user_id
    head_file = next(
        s for s in manifest["snapshots"] if s["key"] == manifest["head"]["snapshot_key"]
    )
    assert file_sha256(out / head_file["file"]) == head_file["sha256"]
    assert report.bytes == sum(s["size"] for s in manifest["snapshots"])

    live.write(alice.user_id, adder("after backup"))
    with live.read(alice.user_id) as col:
        assert note_fronts(col) == ["before backup", "after backup"]

    with operator_databases(target.settings, target.blobs, target.meta) as engine:
        restored = restore_user(engine, target.meta, "alice", out, None)
    assert restored.replaced.seq == target.meta.get_head(alice.user_id).seq
    with live.read(alice.user_id) as col:  # the warm copy sees the restore
        assert note_fronts(col) == ["before backup"]
    live.close()
    fresh = target.databases("fresh")
    with fresh.read(alice.user_id) as col:
        assert note_fronts(col) == ["before backup"]
    fresh.close()
    # The state the restore replaced is kept as a snapshot.
    kept = [i.key for i in target.blobs.list(names.snapshots_prefix(alice.user_id))]
    contents = [snapshot_fronts(target, key, tmp_path) for key in kept]
    assert ["before backup", "after backup"] in contents
    assert target.meta.get_head(alice.user_id).snapshot_key == restored.replaced.snapshot_key
    # A backup taken now holds the restored state, wherever the engine keeps it.
    with operator_databases(target.settings, target.blobs, target.meta) as engine:
        again = backup_user(engine, target.blobs, target.meta, "alice", tmp_path / "again")
    assert restored.replaced.snapshot_key in [s.key for s in again.snapshots]


def test_restore_of_a_chosen_snapshot_and_bad_inputs(
    target: Target, alice: UserRecord, tmp_path: Path
) -> None:
    engine: StorageEngine
    out = tmp_path / "backup"
    with operator_databases(target.settings, target.blobs, target.meta) as engine:
        engine.write(alice.user_id, adder("one"))
        engine.flush(alice.user_id)
        engine.write(alice.user_id, adder("two"))
        backup_user(engine, target.blobs, target.meta, "alice", out)
    manifest = json.loads((out / MANIFEST).read_text())
    oldest = min(manifest["snapshots"], key=lambda s: s["seq"])
    with operator_databases(target.settings, target.blobs, target.meta) as engine:
        restore_user(engine, target.meta, "alice", out, oldest["file"])
        with engine.read(alice.user_id) as col:
            assert note_fronts(col) == []  # snapshot 0: the empty collection
        with pytest.raises(BackupError, match="no snapshot 'nope'"):
            restore_user(engine, target.meta, "alice", out, "nope")
        with pytest.raises(BackupError, match="no user"):
            restore_user(engine, target.meta, "mallory", out, None)
        with pytest.raises(BackupError, match=r"no manifest\.json"):
            restore_user(engine, target.meta, "alice", tmp_path, None)
        newest = max(manifest["snapshots"], key=lambda s: s["seq"])
        (out / newest["file"]).write_bytes(b"tampered")
        with pytest.raises(BackupError, match="sha256"):
            restore_user(engine, target.meta, "alice", out, newest["file"])
        with engine.read(alice.user_id) as col:
            assert note_fronts(col) == []  # refused restores changed nothing


def test_cli_backup_and_restore(
    target: Target,
    alice: UserRecord,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("JAVUMBO_BACKEND", "embedded")
    monkeypatch.setenv("JAVUMBO_DATA_DIR", str(target.settings.data_dir))
    with operator_databases(target.settings, target.blobs, target.meta) as engine:
        engine.write(alice.user_id, adder("kept"))
    out = tmp_path / "cli-backup"
    assert main(["backup", "--user", "alice", str(out)]) == 0
    assert "backed up" in capsys.readouterr().out
    with operator_databases(target.settings, target.blobs, target.meta) as engine:
        engine.write(alice.user_id, adder("dropped"))
    assert main(["restore", "--user", "alice", str(out)]) == 0
    assert "restored alice" in capsys.readouterr().out
    with (
        operator_databases(target.settings, target.blobs, target.meta) as engine,
        engine.read(alice.user_id) as col,
    ):
        assert note_fronts(col) == ["kept"]
    assert main(["backup", "--user", "nobody", str(out)]) == 1
    assert "no user 'nobody'" in capsys.readouterr().err
