"""Checking collection files an operator hands us, and snapshots after they reach the store.

A file is accepted when SQLite's ``PRAGMA integrity_check`` says ``ok`` and ``Collection.open``
accepts it (schema 11, a sane ``col`` row). Checks run on a private copy made with SQLite's
backup API through a read-only connection, so the operator's file (and a ``-wal`` beside it)
is never modified. A collection Anki 2.1.50 or later saved (schema 18, whose tables use Anki's
``unicase`` collation) is checked with that collation registered, and its private copy is
downgraded to schema 11 in place, as a full sync's upload is, before it is opened and stored.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import zstandard

from javumbo.collection import Collection, CollectionError
from javumbo.collection.apkg.errors import PackageError
from javumbo.collection.apkg.schema11_downgrade import downgrade_in_place
from javumbo.collection.apkg.source import SourceCollection, unicase
from javumbo.collection.errors import InvalidCollectionError
from javumbo.stores.ports import BlobStore
from javumbo.userdb import names
from javumbo.userdb.snapshots import restore_snapshot

COUNTED_TABLES = ("notes", "cards", "revlog")
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class CheckedCollection:
    """A verified private copy of a collection, and what identifies its source."""

    path: Path
    source_sha256: str
    source_bytes: int
    counts: dict[str, int]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def source_fingerprint(path: Path) -> str:
    """sha256 of the file and of its ``-wal`` if there is one (both are the collection)."""
    digest = hashlib.sha256(file_sha256(path).encode())
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        digest.update(file_sha256(wal).encode())
    return digest.hexdigest()


def copy_collection(source: Path, dest: Path) -> None:
    """A consistent copy of ``source`` (with its WAL content) without writing to it."""
    if not source.is_file():
        raise InvalidCollectionError(f"no collection file at {source}")
    dest.unlink(missing_ok=True)
    try:
        reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            writer = sqlite3.connect(str(dest))
            try:
                reader.backup(writer)
                writer.execute("pragma journal_mode = delete")
            finally:
                writer.close()
        finally:
            reader.close()
    except sqlite3.Error as exc:
        dest.unlink(missing_ok=True)
        raise InvalidCollectionError(f"{source.name} is not a readable SQLite file: {exc}") from exc


def integrity_problems(path: Path) -> list[str]:
    """What ``PRAGMA integrity_check`` reports (empty when the file is sound)."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            db.create_collation("unicase", unicase)  # schema 18's indexes use it
            rows = [str(r[0]) for r in db.execute("pragma integrity_check").fetchall()]
        finally:
            db.close()
    except sqlite3.Error as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def collection_counts(col: Collection) -> dict[str, int]:
    return {
        table: int(col.db.execute(f"select count(*) from {table}").fetchone()[0])
        for table in COUNTED_TABLES
    }


def schema_version(path: Path) -> int | None:
    """The ``col`` row's ``ver`` (11 for what Javumbo stores, 18 for Anki 2.1.50+), if any."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = db.execute("select ver from col").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return None
    return int(row[0]) if row and isinstance(row[0], int) else None


def downgrade_copy(path: Path) -> None:
    """Turn a private copy of a newer-schema collection into schema 11, in place."""
    try:
        source = SourceCollection(path)
    except PackageError as exc:
        raise InvalidCollectionError(str(exc).replace("the package's collection", "it")) from exc
    try:
        downgrade_in_place(source)
    except sqlite3.Error as exc:
        raise InvalidCollectionError(f"cannot be converted to schema 11: {exc}") from exc
    finally:
        source.close()


def check_collection(path: Path) -> dict[str, int]:
    """``InvalidCollectionError`` unless ``path`` is sound and opens as a collection; returns
    its row counts. ``path`` must be a private copy (opening converts it to WAL and back; a
    schema-18 file is downgraded to schema 11)."""
    problems = integrity_problems(path)
    if problems:
        raise InvalidCollectionError(f"integrity check failed: {'; '.join(problems[:3])}")
    version = schema_version(path)
    if version is not None and version != 11:
        downgrade_copy(path)
    try:
        col = Collection.open(path)
    except CollectionError:
        raise
    except sqlite3.Error as exc:
        raise InvalidCollectionError(f"cannot be opened as a collection: {exc}") from exc
    try:
        return collection_counts(col)
    finally:
        col.close()


def checked_copy(source: Path, workdir: Path) -> CheckedCollection:
    """Copy ``source`` into ``workdir`` and check the copy (``InvalidCollectionError``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    copy = workdir / "checked.anki2"
    fingerprint = source_fingerprint(source) if source.is_file() else ""
    copy_collection(source, copy)
    try:
        counts = check_collection(copy)
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    return CheckedCollection(copy, fingerprint, source.stat().st_size, counts)


class SnapshotCheckError(InvalidCollectionError):
    """A stored snapshot does not match what was uploaded, or is not a sound collection."""


def verify_stored_snapshot(
    blobs: BlobStore,
    key: str,
    *,
    expected_etag: str,
    expected_counts: dict[str, int] | None,
    workdir: Path,
) -> dict[str, int]:
    """Download ``key`` and check it: the ETag the store reports and the MD5 of the bytes
    (single-part ETags are the MD5), then integrity and ``Collection.open`` of the content."""
    workdir.mkdir(parents=True, exist_ok=True)
    stored = workdir / ("download-" + key.rsplit("/", 1)[-1])
    info = blobs.get_to_file(key, stored)
    try:
        etag = _bare(info.etag)
        if etag != _bare(expected_etag):
            raise SnapshotCheckError(f"{key}: ETag {info.etag} differs from {expected_etag}")
        if "-" not in etag and file_md5(stored) != etag:
            raise SnapshotCheckError(f"{key}: content does not match its ETag")
        restored = workdir / "verify.anki2"
        try:
            restore_snapshot(stored, restored, compressed=names.is_compressed_snapshot(key))
        except zstandard.ZstdError as exc:
            raise SnapshotCheckError(f"{key}: cannot be decompressed: {exc}") from exc
    finally:
        stored.unlink(missing_ok=True)
    try:
        counts = check_collection(restored)
    except InvalidCollectionError as exc:
        raise SnapshotCheckError(f"{key}: {exc}") from exc
    finally:
        restored.unlink(missing_ok=True)
    if expected_counts is not None and counts != expected_counts:
        raise SnapshotCheckError(f"{key}: holds {counts}, the source had {expected_counts}")
    return counts


def _bare(etag: str) -> str:
    return etag.strip().strip('"')
