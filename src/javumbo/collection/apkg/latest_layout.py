"""The pieces of Anki's current package layout (``PackageMetadata`` version LATEST), as Anki 2.1.50
and newer write it: a ``meta`` entry, the schema-18 collection zstd-compressed as
``collection.anki21b``, a dummy ``collection.anki2`` for clients too old to read the rest, media
entries ``0``, ``1``, … each zstd-compressed, and ``media``, a zstd-compressed protobuf
``MediaEntries`` (field numbers in Anki's ``proto/anki/import_export.proto``).

Every entry is stored (no zip compression), as Anki stores them: zstd already did the work.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sqlite3
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import zstandard

from javumbo.collection import notes, notetypes
from javumbo.collection.apkg import protobuf as pb
from javumbo.collection.apkg.errors import PackageError
from javumbo.collection.apkg.media import Readable
from javumbo.collection.apkg.package import CHUNK, Layout, check_media_name
from javumbo.collection.collection import Collection
from javumbo.collection.decks import DEFAULT_DECK_ID

META_ENTRY = "meta"
MEDIA_ENTRY = "media"
COLLECTION_ENTRY = Layout.LATEST.collection_entry
DUMMY_COLLECTION_ENTRY = Layout.LEGACY_1.collection_entry
# Anki's zstd level 0 means the library default, which is 3.
ZSTD_LEVEL = 3
# Python's zip writer must be told up front when an entry of unknown size may pass 2 GiB.
_ZIP64_FROM = 1 << 30
DUMMY_NOTE_TEXT = (
    "Please update to the latest Anki version, then import the .colpkg/.apkg file again."
)
# Anki's media/files.rs: the characters it removes from file names, Windows device names (which
# get "_" appended) and the longest name in bytes. In this layout Anki refuses the whole package
# when one listed name is not already in that form.
_DISALLOWED = re.compile(r'[\[\]<>:"/?*^\\|\x00-\x1f\x7f]')
_WINDOWS_DEVICE = re.compile(r"^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\.|$)", re.IGNORECASE)
MAX_NAME_BYTES = 120


def meta_bytes() -> bytes:
    """``PackageMetadata { version: VERSION_LATEST }``."""
    return pb.varint_field(1, int(Layout.LATEST))


@dataclass(frozen=True)
class WrittenMedia:
    """One media file as the package lists it: the name, and size and SHA-1 of its bytes
    before compression."""

    name: str
    size: int
    sha1: bytes


def media_entries_bytes(entries: list[WrittenMedia]) -> bytes:
    """``MediaEntries``; an entry's position in the list is its zip entry number."""
    return pb.message(
        pb.bytes_field(
            1,
            pb.message(
                (
                    pb.implicit_str(1, e.name),
                    pb.implicit_varint(2, e.size if e.size < 1 << 32 else 0),  # uint32, as Anki's
                    pb.implicit_bytes(3, e.sha1),
                )
            ),
        )
        for e in entries
    )


def anki_media_name(name: str) -> str:
    """``name`` as Anki stores a media file: NFC, without the characters Anki removes, Windows
    device names suffixed with ``_``, at most 120 bytes (stem and extension cut as Anki cuts
    them). A name already in that form comes back unchanged, and every result is in that form.
    """
    out = unicodedata.normalize("NFC", name)
    out = _DISALLOWED.sub("", out)
    out = _WINDOWS_DEVICE.sub(r"\1_\2", out, count=1)
    if len(out.encode("utf-8")) > MAX_NAME_BYTES:
        stem, dot, ext = out.rpartition(".")
        if dot:
            ext = _cut_utf8(ext, 10)
            out = f"{_cut_utf8(stem, MAX_NAME_BYTES - len(ext.encode('utf-8')) - 1)}.{ext}"
        else:
            out = _cut_utf8(out, MAX_NAME_BYTES)  # Anki would leave "stem.": not a safe name
    # what is left must still be a name our own importer (and a file system) takes
    return out if _is_safe(out) else _fallback_name(name)


def anki_media_names(names: Iterable[str]) -> dict[str, str]:
    """The names Anki would store differently, each mapped to a name Anki keeps as it is and
    that none of the other names (or new names) already uses."""
    wanted = sorted(set(names))
    taken = {n for n in wanted if anki_media_name(n) == n}
    renames: dict[str, str] = {}
    for name in wanted:
        new = anki_media_name(name)
        if new == name:
            continue
        attempt = 0
        while new in taken:
            attempt += 1
            new = _with_suffix(new, hashlib.sha1(f"{attempt}:{name}".encode()).hexdigest()[:8])
        taken.add(new)
        renames[name] = new
    return renames


def _with_suffix(name: str, suffix: str) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    room = MAX_NAME_BYTES - len(suffix) - 1 - (len(ext.encode("utf-8")) + 1 if ext else 0)
    stem = _cut_utf8(stem, room)
    return f"{stem}-{suffix}.{ext}" if ext else f"{stem}-{suffix}"


def _is_safe(name: str) -> bool:
    try:
        return check_media_name(name) == name
    except PackageError:
        return False


def _fallback_name(name: str) -> str:
    return f"media-{hashlib.sha1(name.encode()).hexdigest()[:12]}"


def _cut_utf8(text: str, max_bytes: int) -> str:
    return text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")


class EntryWriter:
    """Writes zstd-compressed, stored entries to one zip, reusing one compressor."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)

    def stored(self, name: str, data: bytes) -> None:
        self.zf.writestr(_stored_info(name), data)

    def compressed(self, name: str, src: Readable, *, size_hint: int = 0) -> WrittenMedia:
        """Compress everything ``src`` yields into entry ``name``; the size and SHA-1 are of
        the bytes read."""
        digest = hashlib.sha1()
        size = 0
        info = _stored_info(name)
        with (
            self.zf.open(info, "w", force_zip64=size_hint >= _ZIP64_FROM) as raw,
            self.compressor.stream_writer(raw, closefd=False) as out,
        ):
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        return WrittenMedia(name, size, digest.digest())


def _stored_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


@functools.cache
def dummy_collection() -> bytes:
    """A schema-11 collection holding one Basic note that asks the user to update Anki: what
    clients too old for this layout open instead (the same message Anki's own packages carry).
    Built once per process by our own collection code; small pages keep it ~50 KB."""
    with tempfile.TemporaryDirectory(prefix="javumbo-dummy-") as tmp:
        path = Path(tmp) / "collection.anki2"
        col = Collection.create(path)
        try:
            basic = notetypes.notetype_by_name(col, "Basic")
            if basic is None:
                raise RuntimeError("a new collection has no Basic note type")
            notes.add_note(col, int(basic["id"]), [DUMMY_NOTE_TEXT, ""], DEFAULT_DECK_ID)
        finally:
            col.close()
        db = sqlite3.connect(path, isolation_level=None)
        try:
            db.execute("pragma page_size = 512")
            db.execute("vacuum")
        finally:
            db.close()
        return path.read_bytes()
