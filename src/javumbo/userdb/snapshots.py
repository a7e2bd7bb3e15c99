"""Snapshot files: a consistent copy of a live collection, compressed when that pays.

The copy is made with SQLite's backup API (``Collection.backup_to``), never by copying a file
that may have a ``-wal`` beside it. Compression is decided per snapshot: zstd at level 3 when it
saves at least 10 % (collections usually shrink to a third; already compact ones are kept raw).
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import zstandard

from javumbo.collection import Collection

_WORTH_COMPRESSING = 0.9


@dataclass(frozen=True)
class PreparedSnapshot:
    path: Path
    compressed: bool
    raw_bytes: int
    stored_bytes: int


def prepare_snapshot(col: Collection, workdir: Path) -> PreparedSnapshot:
    """Write a snapshot of ``col`` into ``workdir``, compressed if that pays."""
    workdir.mkdir(parents=True, exist_ok=True)
    raw = workdir / f".snap-{uuid.uuid4().hex}.anki2"
    col.backup_to(raw)
    return compress_if_it_pays(raw)


def compress_if_it_pays(raw: Path) -> PreparedSnapshot:
    """``raw`` compressed beside itself when that pays (``raw`` is then removed), else ``raw``."""
    prepared = compress_beside(raw)
    if prepared.compressed:
        raw.unlink()
    return prepared


def compress_beside(raw: Path) -> PreparedSnapshot:
    """Like ``compress_if_it_pays`` but ``raw`` stays where it is either way."""
    raw_size = raw.stat().st_size
    packed = raw.with_name(raw.name + ".zst")
    with raw.open("rb") as src, packed.open("wb") as dst:
        zstandard.ZstdCompressor(level=3).copy_stream(src, dst)
    packed_size = packed.stat().st_size
    if packed_size < raw_size * _WORTH_COMPRESSING:
        return PreparedSnapshot(packed, True, raw_size, packed_size)
    packed.unlink()
    return PreparedSnapshot(raw, False, raw_size, raw_size)


def restore_snapshot(stored: Path, dest: Path, *, compressed: bool) -> None:
    """Materialise a stored snapshot as a collection file at ``dest`` (replacing it)."""
    remove_collection_files(dest)
    tmp = dest.with_name(dest.name + f".{uuid.uuid4().hex}.tmp")
    try:
        if compressed:
            with stored.open("rb") as src, tmp.open("wb") as dst:
                zstandard.ZstdDecompressor().copy_stream(src, dst)
        else:
            shutil.copyfile(stored, tmp)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def remove_collection_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
