"""Reading ``.apkg`` / ``.colpkg`` zip files without trusting them.

A package comes from anyone (shared-deck sites, other apps), so every size is capped before it
is read: total uncompressed bytes, the compression ratio of big entries, the number of entries,
and the output of the zstd streams inside the current layout. Media names are checked here too,
so that nothing later can be tricked into writing outside the media folder.
"""

from __future__ import annotations

import json
import shutil
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import IO

import zstandard

from javumbo.collection.apkg import protobuf
from javumbo.collection.apkg.errors import PackageError

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
CHUNK = 256 * KIB


@dataclass(frozen=True)
class PackageLimits:
    """Caps applied to every package read (see the README's "Anki packages" section)."""

    max_total_bytes: int = 2 * GIB  # all entries together, uncompressed
    max_ratio: int = 200  # uncompressed / compressed, for entries bigger than ratio_floor
    ratio_floor: int = 1 * MIB
    max_entries: int = 200_000
    max_field_bytes: int = 16 * MIB  # one note field
    max_media_map_bytes: int = 64 * MIB


DEFAULT_LIMITS = PackageLimits()


class Layout(IntEnum):
    """The three layouts Anki writes (``PackageMetadata.Version`` in Anki's protobuf)."""

    LEGACY_1 = 1  # collection.anki2, JSON media map (Anki 2.0)
    LEGACY_2 = 2  # collection.anki21, JSON media map (Anki 2.1 "legacy" export)
    LATEST = 3  # collection.anki21b zstd schema 18, zstd protobuf media map, zstd media

    @property
    def collection_entry(self) -> str:
        return {1: "collection.anki2", 2: "collection.anki21", 3: "collection.anki21b"}[self]


@dataclass(frozen=True)
class MediaEntry:
    """One media file in a package: its zip entry, its real name, and (current layout) the
    size and SHA-1 the package claims."""

    zip_name: str
    name: str
    size: int | None = None
    sha1: bytes | None = None


_FORBIDDEN_IN_NAMES = set('/\\:*?"<>|')


def check_media_name(name: object) -> str:
    """The name NFC-normalised, or ``PackageError`` for anything that is not a plain file name
    (path separators, ``..``, absolute paths, control characters, over-long names)."""
    if not isinstance(name, str) or not name:
        raise PackageError(f"the package's media map has an empty or non-text name: {name!r}")
    clean = unicodedata.normalize("NFC", name)
    bad = [ch for ch in clean if ord(ch) < 32 or ord(ch) == 127 or ch in _FORBIDDEN_IN_NAMES]
    if clean in (".", "..") or bad:
        raise PackageError(f"the package has a media file with an unsafe name: {name!r}")
    if clean != clean.strip() or clean.endswith("."):
        raise PackageError(f"the package has a media file with an unsafe name: {name!r}")
    if len(clean.encode("utf-8")) > 255:
        raise PackageError(f"the package has a media file name longer than 255 bytes: {name!r}")
    return clean


class CappedReader:
    """Counts what passes through and stops at ``limit`` bytes (zstd streams and zip entries
    can expand far beyond their declared size)."""

    def __init__(self, raw: IO[bytes], limit: int, what: str) -> None:
        self.raw = raw
        self.limit = limit
        self.what = what
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        want = CHUNK if size is None or size < 0 else size
        data = self.raw.read(min(want, self.limit - self.count + 1))
        self.count += len(data)
        if self.count > self.limit:
            raise PackageError(f"{self.what} expands beyond {self.limit:,} bytes (zip bomb?)")
        return data

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> CappedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PackageReader:
    """An open package. Use as a context manager; nothing is extracted until asked."""

    def __init__(self, path: Path, limits: PackageLimits = DEFAULT_LIMITS) -> None:
        self.path = Path(path)
        self.limits = limits
        self.zip = _open_zip(self.path)
        try:
            self.entries = self._check_entries()
            self.layout = self._layout()
        except BaseException:
            self.zip.close()
            raise
        self._budget = limits.max_total_bytes

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> PackageReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------- structure

    def _check_entries(self) -> dict[str, zipfile.ZipInfo]:
        infos = self.zip.infolist()
        if len(infos) > self.limits.max_entries:
            raise PackageError(
                f"the package has {len(infos):,} entries (limit {self.limits.max_entries:,})"
            )
        entries: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            if info.filename in entries:
                raise PackageError(f"the package has two entries named {info.filename!r}")
            entries[info.filename] = info
            total += info.file_size
            if total > self.limits.max_total_bytes:
                raise PackageError(
                    f"the package expands to more than {self.limits.max_total_bytes:,} bytes"
                )
            if info.file_size > self.limits.ratio_floor and (
                info.file_size > self.limits.max_ratio * max(info.compress_size, 1)
            ):
                ratio = info.file_size // max(info.compress_size, 1)
                raise PackageError(
                    f"entry {info.filename!r} is compressed {ratio:,} to 1"
                    f" (limit {self.limits.max_ratio}); refusing a possible zip bomb"
                )
        return entries

    def _layout(self) -> Layout:
        if "meta" in self.entries:
            raw = self._read_small("meta", 1 * KIB)
            version = protobuf.get_int(protobuf.decode(raw), 1)
            if version not in (1, 2, 3):
                raise PackageError(
                    f"the package's meta says format version {version}, which this version of"
                    " Javumbo does not know (made by a newer Anki?)"
                )
            layout = Layout(version)
        elif "collection.anki21" in self.entries:
            layout = Layout.LEGACY_2
        else:
            layout = Layout.LEGACY_1
        if layout.collection_entry not in self.entries:
            raise PackageError(
                f"the package has no {layout.collection_entry} (not an Anki package?)"
            )
        return layout

    def _read_small(self, name: str, limit: int) -> bytes:
        info = self.entries[name]
        if info.file_size > limit:
            raise PackageError(f"the package's {name!r} entry is {info.file_size:,} bytes")
        with self._open_entry(name) as fh:
            return fh.read(limit + 1)

    def _open_entry(self, name: str) -> IO[bytes]:
        try:
            return self.zip.open(self.entries[name])
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
            raise PackageError(f"cannot read {name!r} from the package: {exc}") from exc

    # ------------------------------------------------------------- collection

    def extract_collection(self, dest: Path) -> Path:
        """Write the package's collection (decompressed) to ``dest``."""
        name = self.layout.collection_entry
        with (
            self.open_stream(name, zstd=self.layout is Layout.LATEST) as src,
            dest.open("wb") as out,
        ):
            _copy(src, out)
        return dest

    def open_stream(self, name: str, *, zstd: bool) -> CappedReader:
        """A capped, streaming reader of one entry (zstd-decoded when ``zstd``)."""
        raw = self._open_entry(name)
        if zstd:
            raw = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
        cap = self._budget
        if zstd:
            # Same rule as for zip entries: small outputs are free, big ones need a sane ratio.
            packed = self.entries[name].file_size
            cap = min(cap, max(self.limits.ratio_floor, packed * self.limits.max_ratio))
        return _BudgetReader(self, raw, cap, f"entry {name!r}")

    # ------------------------------------------------------------- media

    def media_entries(self) -> list[MediaEntry]:
        """The media map, checked: safe unique names, every entry present in the zip."""
        if "media" not in self.entries:
            return []
        if self.layout is Layout.LATEST:
            with self.open_stream("media", zstd=True) as fh:
                raw = _read_all(fh, self.limits.max_media_map_bytes, "the media map")
            entries = _protobuf_media_map(raw)
        else:
            raw = self._read_small("media", self.limits.max_media_map_bytes)
            entries = _json_media_map(raw)
        seen: set[str] = set()
        for entry in entries:
            if entry.zip_name not in self.entries:
                raise PackageError(
                    f"the media map lists {entry.name!r} as entry {entry.zip_name!r},"
                    " which is not in the package"
                )
            if entry.name in seen:
                raise PackageError(f"the media map lists {entry.name!r} twice")
            seen.add(entry.name)
        return entries

    def open_media(self, entry: MediaEntry) -> CappedReader:
        return self.open_stream(entry.zip_name, zstd=self.layout is Layout.LATEST)

    def declared_size(self, entry: MediaEntry) -> int:
        """The file's size as the package states it: the media map's (current layout) or the
        zip entry's. A claim only (reading enforces the caps), but enough to refuse an
        import that cannot fit before anything is written."""
        if entry.size is not None:
            return entry.size
        return self.entries[entry.zip_name].file_size


class _BudgetReader(CappedReader):
    """A capped reader that also spends the package-wide uncompressed budget."""

    def __init__(self, package: PackageReader, raw: IO[bytes], limit: int, what: str) -> None:
        super().__init__(raw, limit, what)
        self.package = package

    def read(self, size: int = -1) -> bytes:
        try:
            data = super().read(size)
        except zstandard.ZstdError as exc:
            raise PackageError(f"{self.what} is not valid zstd data: {exc}") from exc
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise PackageError(f"{self.what} is damaged: {exc}") from exc
        self.package._budget -= len(data)
        if self.package._budget < 0:
            raise PackageError(
                f"the package expands to more than {self.package.limits.max_total_bytes:,} bytes"
            )
        return data


def _open_zip(path: Path) -> zipfile.ZipFile:
    if not path.is_file():
        raise PackageError(f"no package file at {path}")
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise PackageError(
            f"{path.name} is not a zip file (truncated or not a package): {exc}"
        ) from exc
    except OSError as exc:
        raise PackageError(f"cannot read {path.name}: {exc}") from exc


def _copy(src: CappedReader, out: IO[bytes]) -> None:
    while chunk := src.read(CHUNK):
        out.write(chunk)


def _read_all(src: CappedReader, limit: int, what: str) -> bytes:
    parts: list[bytes] = []
    size = 0
    while chunk := src.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise PackageError(f"{what} is larger than {limit:,} bytes")
        parts.append(chunk)
    return b"".join(parts)


def _json_media_map(raw: bytes) -> list[MediaEntry]:
    try:
        mapping = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (UnicodeDecodeError, ValueError) as exc:
        raise PackageError(f"the package's media map is not valid JSON: {exc}") from exc
    if not isinstance(mapping, dict):
        raise PackageError("the package's media map is not a JSON object")
    entries = []
    for zip_name, name in mapping.items():
        if not zip_name.isdigit():
            raise PackageError(f"the media map has a non-numeric entry name {zip_name!r}")
        entries.append(MediaEntry(zip_name, check_media_name(name)))
    return sorted(entries, key=lambda e: int(e.zip_name))


def _protobuf_media_map(raw: bytes) -> list[MediaEntry]:
    entries = []
    for index, msg in enumerate(protobuf.get_messages(protobuf.decode(raw), 1)):
        zip_index = protobuf.get_int(msg, 255, index)
        sha1 = protobuf.get_bytes(msg, 3)
        entries.append(
            MediaEntry(
                str(zip_index),
                check_media_name(protobuf.get_str(msg, 1)),
                protobuf.get_int(msg, 2),
                sha1 if len(sha1) == 20 else None,
            )
        )
    return entries


def iter_chunks(src: CappedReader) -> Iterator[bytes]:
    while chunk := src.read(CHUNK):
        yield chunk


def copy_stream(src: IO[bytes], out: IO[bytes]) -> None:
    shutil.copyfileobj(src, out, CHUNK)
