"""Page-level deltas: the SQLite pages that differ between a compaction and the one before it.

A delta object (``users/<id>/deltas/<seq>-<rnd>.delta``) is immutable and zstd-compressed. It
names its chain: the base snapshot and the deltas before it, each with its ETag, so a loader
can fetch and check every link. Applied in order on the base's bytes, the chain gives exactly
the file the compaction took (SQLite's backup API copies pages verbatim), so the page numbers
are those of the stored parent, never of a working copy that may differ from it page by page.

Layout (inside the zstd frame): ``JVD1``, a 4-byte big-endian header length, the header as JSON
(``base``, ``deltas``: ``[key, etag]`` pairs; ``page_size``, ``page_count``, ``base_bytes``,
``parents_bytes``), then each changed page as a 4-byte page number and ``page_size`` bytes.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import zstandard

from javumbo.userdb.snapshots import restore_snapshot

_MAGIC = b"JVD1"
_U32 = struct.Struct(">I")


class DeltaFormatError(ValueError):
    """A delta object this version cannot read."""


@dataclass(frozen=True)
class ChainLink:
    key: str
    etag: str


@dataclass(frozen=True)
class DeltaHeader:
    base: ChainLink
    deltas: tuple[ChainLink, ...]  # the deltas before this one, oldest first
    page_size: int
    page_count: int
    base_bytes: int  # stored size of the base
    parents_bytes: int  # stored size of the deltas before this one

    @property
    def parents(self) -> tuple[ChainLink, ...]:
        return (self.base, *self.deltas)


def page_size_of(path: Path) -> int:
    """The page size in a SQLite file's header (bytes 16-17; 1 means 65536)."""
    with path.open("rb") as fh:
        header = fh.read(100)
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        raise DeltaFormatError(f"{path.name} is not an SQLite file")
    size = int.from_bytes(header[16:18], "big")
    return 65536 if size == 1 else size


def write_delta(old: Path, new: Path, header: DeltaHeader, out: Path) -> tuple[int, int]:
    """Write the pages of ``new`` that differ from ``old`` as a delta at ``out``; returns the
    number of changed pages and the stored size. ``header.page_size`` must be both files'."""
    size = header.page_size
    changed = 0
    doc = {
        "base": [header.base.key, header.base.etag],
        "deltas": [[link.key, link.etag] for link in header.deltas],
        "page_size": size,
        "page_count": header.page_count,
        "base_bytes": header.base_bytes,
        "parents_bytes": header.parents_bytes,
    }
    encoded = json.dumps(doc, separators=(",", ":")).encode("utf-8")
    with (
        old.open("rb") as before,
        new.open("rb") as after,
        out.open("wb") as raw,
        zstandard.ZstdCompressor(level=3).stream_writer(raw) as packed,
    ):
        packed.write(_MAGIC + _U32.pack(len(encoded)) + encoded)
        number = 0
        while True:
            page = after.read(size)
            if not page:
                break
            number += 1
            if before.read(size) != page:
                packed.write(_U32.pack(number) + page)
                changed += 1
    return changed, out.stat().st_size


def _read_exact(stream: IO[bytes], count: int) -> bytes:
    data = stream.read(count)
    if len(data) != count:
        raise DeltaFormatError("a delta object ends early")
    return data


def _open_header(stream: IO[bytes]) -> DeltaHeader:
    if _read_exact(stream, 4) != _MAGIC:
        raise DeltaFormatError("not a delta object")
    (length,) = _U32.unpack(_read_exact(stream, 4))
    try:
        doc = json.loads(_read_exact(stream, length))
        return DeltaHeader(
            base=ChainLink(*doc["base"]),
            deltas=tuple(ChainLink(*link) for link in doc["deltas"]),
            page_size=int(doc["page_size"]),
            page_count=int(doc["page_count"]),
            base_bytes=int(doc["base_bytes"]),
            parents_bytes=int(doc["parents_bytes"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise DeltaFormatError(f"a delta object's header is malformed: {exc}") from exc


def read_header(path: Path) -> DeltaHeader:
    with path.open("rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as stream:
        return _open_header(stream)


def apply_delta(delta: Path, target: Path) -> None:
    """Write the delta's pages into the SQLite file at ``target`` and cut it to its length."""
    with (
        delta.open("rb") as raw,
        zstandard.ZstdDecompressor().stream_reader(raw) as stream,
        target.open("r+b") as out,
    ):
        header = _open_header(stream)
        size = header.page_size
        while True:
            number_bytes = stream.read(4)
            if not number_bytes:
                break
            if len(number_bytes) != 4:
                raise DeltaFormatError("a delta object ends early")
            (number,) = _U32.unpack(number_bytes)
            if not 1 <= number <= header.page_count:
                raise DeltaFormatError(f"page {number} is outside the file")
            out.seek((number - 1) * size)
            out.write(_read_exact(stream, size))
        out.truncate(header.page_count * size)


def materialize(base: Path, base_compressed: bool, deltas: list[Path], dest: Path) -> None:
    """The file a chain stands for, at ``dest`` (replacing it; on failure ``dest`` is left
    half-written and must be restored again)."""
    restore_snapshot(base, dest, compressed=base_compressed)
    for delta in deltas:
        apply_delta(delta, dest)
