"""``javumbo migrate`` on real SQLite files: what moves, what is skipped and why, idempotency,
resuming, ``--force``, the CLI, and the AWS stores on the moto server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

from javumbo.accounts.legacy_hashes import stored_password_hash
from javumbo.accounts.passwords import check_password
from javumbo.cli import main
from javumbo.collection import Collection
from javumbo.collection.clock import SystemClock
from javumbo.collection.notes import add_note
from javumbo.collection.notetypes import notetype_by_name
from javumbo.ops.migrate import (
    LEASE_NAME,
    MIGRATION_ATTRIBUTE,
    Migration,
    MigrationError,
    MigrationReport,
    migrated_user_id,
)
from javumbo.ops.user_collections import install_first_snapshot
from javumbo.settings import Settings
from javumbo.stores.aws_setup import ensure_aws_resources
from javumbo.stores.dynamodb import DynamoMetaStore
from javumbo.stores.factory import dynamodb_client, s3_client
from javumbo.stores.ports import UserRecord
from javumbo.stores.s3 import S3BlobStore
from javumbo.userdb import names
from tests.ops.conftest import PASSWORD, LegacyInstall, Target, make_collection, note_fronts
from tests.support import aws_settings, unique_names


def migration(legacy: LegacyInstall, target: Target, **options: object) -> Migration:
    return Migration(
        target.settings,
        target.blobs,
        target.meta,
        admin_db=legacy.admin_db,
        collections=legacy.user_files,
        **options,  # type: ignore[arg-type]
    )


def statuses(report: MigrationReport) -> dict[str, tuple[str, str]]:
    return {u.username: (u.status, u.reason) for u in report.users}


def stored_state(target: Target) -> tuple[list[tuple[str, str]], list[object]]:
    blobs = [(info.key, info.etag) for info in target.blobs.list("users/")]
    users = [target.meta.get_user(n) for n in ("alice", "bob")]
    heads = [target.meta.get_head(u.user_id) for u in users if u is not None]
    return blobs, [*users, *heads]


@pytest.fixture
def mixed_install(legacy: LegacyInstall) -> LegacyInstall:
    """Two good users and one of each kind of bad input."""
    legacy.add_user("alice")
    make_collection(legacy.user_files / "alice.anki2", ["a1", "a2", "a3"])
    legacy.add_user("Bob", generate_password_hash(PASSWORD, "scrypt:16384:8:1"))
    make_collection(legacy.user_files / "Bob" / "collection.anki2", ["b1"])
    legacy.add_user("carol")  # no file
    legacy.add_user("dave")
    (legacy.user_files / "dave.anki2").write_bytes(b"SQLite format 3\x00" + b"\x07" * 5000)
    legacy.add_user("erin")
    make_collection(legacy.user_files / "erin.anki2", ["e1"])
    legacy.add_user("Erin")  # same username once lower-cased
    legacy.add_user("x")  # too short for the API
    legacy.add_user("frank", "md5$salt$0123")
    make_collection(legacy.user_files / "frank.anki2", ["f1"])
    return legacy


def test_migrates_good_users_and_reports_every_bad_input(
    mixed_install: LegacyInstall, target: Target
) -> None:
    report = migration(mixed_install, target).run()
    found = statuses(report)
    assert found["alice"][0] == "migrated" and found["bob"][0] == "migrated"
    assert "no collection file" in found["carol"][1]
    assert "corrupt collection dave.anki2" in found["dave"][1]
    assert "duplicate username" in found["erin"][1]
    assert found["x"] == ("skipped", "username is not valid for the API")
    assert "unsupported scheme" in found["frank"][1]
    assert len(report.skipped) == 5
    assert report.bytes_moved == sum(u.stored_bytes for u in report.users) > 0

    engine = target.databases()
    for username, fronts in (("alice", ["a1", "a2", "a3"]), ("bob", ["b1"])):
        user = target.meta.get_user(username)
        assert user is not None and user.user_id == migrated_user_id(username)
        provenance = user.attributes[MIGRATION_ATTRIBUTE]
        assert provenance["counts"]["notes"] == len(fronts)
        head = target.meta.get_head(user.user_id)
        assert head.snapshot_key == names.snapshot_key(
            user.user_id, 0, compressed=head.snapshot_key.endswith(".zst")
        )
        with engine.read(user.user_id) as col:
            assert note_fronts(col) == fronts
        assert check_password(target.meta, user, PASSWORD)  # werkzeug hash, then argon2id
        upgraded = target.meta.get_user(username)
        assert upgraded is not None and stored_password_hash(upgraded).startswith("$argon2id$")
    engine.close()
    for bad in ("carol", "dave", "erin", "frank"):
        assert target.meta.get_user(bad) is None
    assert target.meta.get_lease(LEASE_NAME) is None  # released


def test_a_second_run_changes_nothing(mixed_install: LegacyInstall, target: Target) -> None:
    migration(mixed_install, target).run()
    before = stored_state(target)
    again = migration(mixed_install, target).run()
    found = statuses(again)
    assert found["alice"][0] == found["bob"][0] == "unchanged"
    assert again.bytes_moved == 0
    assert stored_state(target) == before
    assert sorted(u.username for u in again.skipped) == ["carol", "dave", "erin", "frank", "x"]


def test_dry_run_checks_everything_and_writes_nothing(
    mixed_install: LegacyInstall, target: Target
) -> None:
    report = migration(mixed_install, target, dry_run=True).run()
    found = statuses(report)
    assert found["alice"][0] == found["bob"][0] == "would-migrate"
    assert "corrupt collection" in found["dave"][1]
    assert list(target.blobs.list("")) == []
    assert target.meta.get_user("alice") is None


def test_an_interrupted_run_is_resumed(legacy: LegacyInstall, target: Target) -> None:
    legacy.add_user("alice")
    make_collection(legacy.user_files / "alice.anki2", ["old"])
    # A run that died after storing alice's snapshot, before creating her record; the file
    # changed since (the operator re-copied it).
    user_id = migrated_user_id("alice")
    first = install_first_snapshot(
        target.blobs, target.meta, user_id, legacy.user_files / "alice.anki2", target.tmp / "w"
    )
    (legacy.user_files / "alice.anki2").unlink()
    make_collection(legacy.user_files / "alice.anki2", ["new1", "new2"])

    report = migration(legacy, target).run()
    assert statuses(report)["alice"][0] == "migrated"
    head = target.meta.get_head(user_id)
    assert head.snapshot_key == first.key and head.snapshot_etag != first.etag
    engine = target.databases()
    with engine.read(user_id) as col:
        assert note_fronts(col) == ["new1", "new2"]
    engine.close()


def test_existing_users_are_replaced_only_with_force(legacy: LegacyInstall, target: Target) -> None:
    legacy.add_user("alice")
    make_collection(legacy.user_files / "alice.anki2", ["from the old server"])
    target.meta.create_user(UserRecord("alice", "uid-alice", "$argon2id$kept", 1.0))
    live = target.databases("live")
    add_front = _adder("made in the new app")
    live.write("uid-alice", add_front)  # live holds a warm copy from here on

    refused = migration(legacy, target).run()
    assert "--force" in statuses(refused)["alice"][1]
    with live.read("uid-alice") as col:
        assert note_fronts(col) == ["made in the new app"]

    replaced = migration(legacy, target, force=True).run()
    assert statuses(replaced)["alice"][0] == "replaced"
    with live.read("uid-alice") as col:  # the warm copy catches up through the journal
        assert note_fronts(col) == ["from the old server"]
    user = target.meta.get_user("alice")
    assert user is not None and user.password_hash == "$argon2id$kept"
    assert MIGRATION_ATTRIBUTE in user.attributes
    live.close()
    kept = [info.key for info in target.blobs.list(names.snapshots_prefix("uid-alice"))]
    assert len(kept) >= 2  # the replaced state is still a snapshot
    assert statuses(migration(legacy, target, force=True).run())["alice"][0] == "unchanged"


def _adder(front: str) -> Callable[[Collection], int]:
    def add(col: Collection) -> int:
        basic = notetype_by_name(col, "Basic")
        assert basic is not None
        return add_note(col, basic["id"], [front, "back"], 1).id

    return add


def test_a_running_migration_blocks_another(legacy: LegacyInstall, target: Target) -> None:
    legacy.add_user("alice")
    make_collection(legacy.user_files / "alice.anki2", ["a"])
    assert target.meta.acquire_lease(LEASE_NAME, "someone-else", 600, SystemClock().now())
    with pytest.raises(MigrationError, match="another migration"):
        migration(legacy, target).run()
    assert target.meta.get_user("alice") is None


def test_admin_db_problems_stop_the_run(legacy: LegacyInstall, target: Target) -> None:
    with pytest.raises(MigrationError, match="no admin database"):
        migration(legacy, target).run()
    legacy.admin_db.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(MigrationError):
        migration(legacy, target).run()


def test_cli_reports_progress_json_and_exit_status(
    mixed_install: LegacyInstall,
    target: Target,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("JAVUMBO_BACKEND", "embedded")
    monkeypatch.setenv("JAVUMBO_DATA_DIR", str(target.settings.data_dir))
    report_file = target.tmp / "report.json"
    args = ["migrate", "--admin-db", str(mixed_install.admin_db), "--progress", "always"]
    assert main([*args, "--dry-run"]) == 3
    assert target.meta.get_user("alice") is None
    assert main([*args, "--report", str(report_file)]) == 3
    out, err = capsys.readouterr()
    assert "alice" in out and "migrated" in out and "duplicate username" in out
    assert "migrate" in err and "100%" in err and "alice: migrated" in err
    saved = json.loads(report_file.read_text())
    assert saved["summary"]["migrated"] == 2 and saved["bytes_moved"] > 0
    assert main(["migrate", "--admin-db", str(target.tmp / "nope.db")]) == 1


def test_migrates_into_s3_and_dynamodb(
    legacy: LegacyInstall, moto_url: str, tmp_path: Path
) -> None:
    settings: Settings = aws_settings(moto_url, **unique_names("mig"))

    ensure_aws_resources(settings)
    target = Target(
        settings,
        S3BlobStore(settings.s3_bucket, s3_client(settings)),
        DynamoMetaStore(settings, dynamodb_client(settings)),
        tmp_path,
    )
    legacy.add_user("alice")
    make_collection(legacy.user_files / "alice.anki2", [f"card {i}" for i in range(50)])
    report = migration(legacy, target).run()
    assert statuses(report)["alice"][0] == "migrated"
    user = target.meta.get_user("alice")
    assert user is not None
    engine = target.databases()
    gets_before = engine.counters["blob_get"]  # the adapter's count includes the verification
    with engine.read(user.user_id) as col:
        assert len(note_fronts(col)) == 50
    assert engine.counters["blob_get"] == gets_before + 1
    engine.close()
    assert statuses(migration(legacy, target).run())["alice"][0] == "unchanged"
