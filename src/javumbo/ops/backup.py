"""``javumbo backup`` / ``javumbo restore``: a user's snapshots out to a folder and back.

A backup first flushes the user (so the newest snapshot holds every acknowledged write), then
copies each kept snapshot under its own file name, checked against the store's ETag, and writes
``manifest.json`` (user, head, and each file's key, seq, size, ETag and sha256).

A restore picks one snapshot (``--snapshot``: its key or file name; default the head the backup
recorded), checks the file against the manifest and as a collection, and puts it in place
through the storage engine (``user_collections.replace_collection``): the state it replaces is
flushed to a snapshot first and the restored one becomes a new snapshot, so nothing is lost.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import zstandard

from javumbo.collection.errors import InvalidCollectionError
from javumbo.ops.collection_checks import check_collection, file_md5, file_sha256
from javumbo.ops.user_collections import replace_collection
from javumbo.stores.ports import BlobStore, JournalStore, UserRecord, UserStore
from javumbo.userdb import ReplaceResult, StorageEngine, names
from javumbo.userdb.snapshots import restore_snapshot

MANIFEST = "manifest.json"
# (done, total, stage): how far a backup or restore is, for a progress bar.
Progress = Callable[[int, int, str], None]
RESTORE_STEPS = 3  # check the file, check the collection, put it in place


def _no_progress(done: int, total: int, stage: str) -> None:
    return None


FORMAT_VERSION = 1


class BackupError(Exception):
    """The backup or restore cannot be done as asked (unknown user, bad folder or file)."""


@dataclass(frozen=True)
class BackedUpSnapshot:
    key: str
    file: str
    seq: int
    compressed: bool
    size: int
    etag: str
    sha256: str


@dataclass(frozen=True)
class BackupReport:
    username: str
    user_id: str
    out_dir: Path
    snapshots: list[BackedUpSnapshot]
    flush_status: str

    @property
    def bytes(self) -> int:
        return sum(s.size for s in self.snapshots)


def _require_user(meta: UserStore, username: str) -> UserRecord:
    user = meta.get_user(username.strip().lower())
    if user is None:
        raise BackupError(f"no user {username!r} in the target")
    return user


class BackupMeta(UserStore, JournalStore, Protocol):
    """What a backup reads from the metastore: the user and their head."""


def backup_user(
    engine: StorageEngine,
    blobs: BlobStore,
    meta: BackupMeta,
    username: str,
    out_dir: Path,
    progress: Progress = _no_progress,
) -> BackupReport:
    """``progress`` hears the bytes of snapshots copied so far, out of their total."""
    user = _require_user(meta, username)
    progress(0, 0, "flushing")
    flushed = engine.flush(user.user_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    head = meta.get_head(user.user_id)
    wanted: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for info in list(blobs.list(names.snapshots_prefix(user.user_id))):
        seq = names.snapshot_seq_of(info.key)
        if seq is not None:
            wanted[info.key] = seq
            sizes[info.key] = info.size
    if head.snapshot_key is not None:  # after a replacement it lives outside snapshots/
        wanted.setdefault(head.snapshot_key, head.snapshot_seq)
    total = sum(sizes.values())
    copied: list[BackedUpSnapshot] = []
    for key, seq in wanted.items():
        progress(sum(s.size for s in copied), total, key.rsplit("/", 1)[-1])
        copied.append(_download(blobs, key, seq, out_dir))
    progress(sum(s.size for s in copied), max(total, sum(s.size for s in copied)), "done")
    if not copied:
        raise BackupError(f"{user.username} has no snapshots to back up")
    manifest = {
        "format": FORMAT_VERSION,
        "username": user.username,
        "user_id": user.user_id,
        "created_at": time.time(),
        "head": {
            "seq": head.seq,
            "snapshot_key": head.snapshot_key,
            "snapshot_seq": head.snapshot_seq,
            "snapshot_etag": head.snapshot_etag,
        },
        "snapshots": [asdict(s) for s in copied],
    }
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return BackupReport(user.username, user.user_id, out_dir, copied, flushed.status)


def _download(blobs: BlobStore, key: str, seq: int, out_dir: Path) -> BackedUpSnapshot:
    name = key.rsplit("/", 1)[-1]
    path = out_dir / name
    info = blobs.get_to_file(key, path)
    etag = info.etag.strip().strip('"')
    if "-" not in etag and file_md5(path) != etag:
        path.unlink(missing_ok=True)
        raise BackupError(f"{key} arrived damaged (its MD5 is not its ETag)")
    return BackedUpSnapshot(
        key=key,
        file=name,
        seq=seq,
        compressed=names.is_compressed_snapshot(key),
        size=path.stat().st_size,
        etag=info.etag,
        sha256=file_sha256(path),
    )


@dataclass(frozen=True)
class RestoreReport:
    username: str
    restored_from: str
    replaced: ReplaceResult


def read_manifest(in_dir: Path) -> dict[str, Any]:
    path = in_dir / MANIFEST
    if not path.is_file():
        raise BackupError(f"{in_dir} holds no {MANIFEST} (not a javumbo backup folder)")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except ValueError as exc:
        raise BackupError(f"{path} is not valid JSON: {exc}") from exc
    if manifest.get("format") != FORMAT_VERSION or not isinstance(manifest.get("snapshots"), list):
        raise BackupError(f"{path} is not a backup manifest this version understands")
    return manifest


def choose_snapshot(manifest: dict[str, Any], wanted: str | None) -> dict[str, Any]:
    snapshots: list[dict[str, Any]] = manifest["snapshots"]
    if not snapshots:
        raise BackupError("the backup holds no snapshots")
    if wanted is not None:
        for entry in snapshots:
            if wanted in (entry.get("key"), entry.get("file")):
                return entry
        known = ", ".join(str(s.get("file")) for s in snapshots)
        raise BackupError(f"no snapshot {wanted!r} in the backup (it has {known})")
    head_key = (manifest.get("head") or {}).get("snapshot_key")
    for entry in snapshots:
        if entry.get("key") == head_key:
            return entry
    return max(snapshots, key=lambda s: int(s.get("seq", -1)))


def restore_user(
    engine: StorageEngine,
    meta: UserStore,
    username: str,
    in_dir: Path,
    snapshot: str | None,
    progress: Progress = _no_progress,
) -> RestoreReport:
    """``progress`` hears the steps (``RESTORE_STEPS``) as they start."""
    user = _require_user(meta, username)
    entry = choose_snapshot(read_manifest(in_dir), snapshot)
    stored = in_dir / str(entry["file"])
    if stored.name != entry["file"] or not stored.is_file():
        raise BackupError(f"{entry['file']} is missing from {in_dir}")
    progress(0, RESTORE_STEPS, "checking the file")
    if file_sha256(stored) != entry.get("sha256"):
        raise BackupError(f"{stored.name} does not match the sha256 in the manifest")
    with tempfile.TemporaryDirectory(prefix="javumbo-restore-") as scratch:
        collection = Path(scratch) / "restore.anki2"
        progress(1, RESTORE_STEPS, "checking the collection")
        try:
            restore_snapshot(stored, collection, compressed=bool(entry.get("compressed")))
            check_collection(collection)
        except InvalidCollectionError as exc:
            raise BackupError(f"{stored.name} is not a sound collection: {exc}") from exc
        except zstandard.ZstdError as exc:
            raise BackupError(f"{stored.name} cannot be read: {exc}") from exc
        progress(2, RESTORE_STEPS, "putting it in place")
        replaced = replace_collection(engine, user.user_id, collection)
    progress(RESTORE_STEPS, RESTORE_STEPS, "done")
    return RestoreReport(user.username, str(entry["key"]), replaced)
