"""The media side of an ``.apkg`` merge: which package files clash with files already stored
(renamed with Anki's hash suffix), which ones the imported notes refer to, and getting those
into the media store.

Files go from the package straight into the store, a chunk at a time, inside the collection's
transaction: no file is ever whole in memory or copied to a staging folder first. Before the
first one, the store is asked whether all of them fit (``MediaStore.ensure_room``, from the
sizes the package declares). A file whose bytes do not match the package's checksum, or a
damaged entry, fails while it is being written, so the store keeps no part of it, and the
transaction rolls the notes back. Files stored before such a failure stay: they only ever take
a name that was free (a clashing name gets the hash suffix), nothing refers to them, and
importing the package again finds them already there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from javumbo.collection.apkg import media as media_mod
from javumbo.collection.apkg.errors import PackageError
from javumbo.collection.apkg.import_report import ImportReport
from javumbo.collection.apkg.media import MediaStore
from javumbo.collection.apkg.package import CappedReader, MediaEntry, PackageReader
from javumbo.collection.apkg.progress import Progress


class MediaImport:
    """One merge's media: planned before the notes, referenced while they are rewritten,
    stored before the commit."""

    def __init__(
        self,
        package: PackageReader,
        entries: list[MediaEntry],
        store: MediaStore | None,
        report: ImportReport,
    ) -> None:
        self.package = package
        self.store = store
        self.report = report
        self.entries = {e.name: e for e in entries}
        self.renamed: dict[str, str] = {}  # package media name → name in the store
        self.used: set[str] = set()

    def plan_renames(self) -> None:
        """Names already in the store with other content get Anki's hash suffix. Sizes are
        compared first, so a stored file is only read back when it may be the same."""
        if self.store is None:
            return
        for entry in self.entries.values():
            if media_mod.is_static(entry.name):
                continue
            stored_size = self.store.size(entry.name)
            if stored_size is None:
                continue
            with self.package.open_media(entry) as fh:
                incoming, incoming_size = _sha1_and_size(fh)
            if incoming_size == stored_size and incoming == self.store.sha1(entry.name):
                self.renamed[entry.name] = ""  # already there: nothing to copy
            else:
                new_name = media_mod.add_hash_suffix(entry.name, incoming)
                self.renamed[entry.name] = new_name
                self.report.media_renamed[entry.name] = new_name

    def rename_reference(self, name: str) -> str | None:
        """For ``rewrite_references``: the stored name of a package file a note refers to."""
        if name not in self.entries:
            return None
        self.used.add(name)
        new = self.renamed.get(name)
        return new or None

    def store_used(self, progress: Progress) -> None:
        """Stream the media the imported notes use (and static files) into the store.

        Runs inside the transaction, so a damaged entry or a refused write rolls everything
        back."""
        if self.store is None:
            return
        wanted = [
            e
            for e in self.entries.values()
            if e.name in self.used
            or (media_mod.is_static(e.name) and not self.store.exists(e.name))
        ]
        to_copy: list[tuple[MediaEntry, str]] = []
        for entry in wanted:
            target = self.renamed.get(entry.name, entry.name)
            if target == "" or (target != entry.name and self.store.exists(target)):
                self.report.media_unchanged += 1  # already there, or a renamed copy is
                continue
            to_copy.append((entry, target))
        sizes = [self.package.declared_size(entry) for entry, _ in to_copy]
        self.store.ensure_room(sum(sizes), max(sizes, default=0))
        for done, (entry, target) in enumerate(to_copy, 1):
            progress(done, len(to_copy), "media")
            with self.package.open_media(entry) as src:
                self.store.write(target, ChecksummedReader(src, entry))
            self.report.media_added += 1


def _sha1_and_size(source: CappedReader) -> tuple[bytes, int]:
    digest = hashlib.sha1()
    size = 0
    while chunk := source.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    return digest.digest(), size


class ChecksummedReader:
    """A package's media entry, read through SHA-1: at its end, a file whose bytes do not match
    the checksum the package states raises ``PackageError`` instead of the final empty read,
    so the store's write is abandoned before the file is in place."""

    def __init__(self, source: CappedReader, entry: MediaEntry) -> None:
        self.source = source
        self.entry = entry
        self.digest = hashlib.sha1()

    def read(self, size: int = -1, /) -> bytes:
        if size is None or size < 0:
            return b"".join(self._chunks())
        chunk = self.source.read(size)
        if chunk:
            self.digest.update(chunk)
        else:
            self._check()
        return chunk

    def _chunks(self) -> Iterator[bytes]:
        while chunk := self.read(1 << 20):
            yield chunk

    def _check(self) -> None:
        if self.entry.sha1 is not None and self.digest.digest() != self.entry.sha1:
            raise PackageError(f"media file {self.entry.name!r} does not match its checksum")
