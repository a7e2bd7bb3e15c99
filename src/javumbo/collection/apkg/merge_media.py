"""The media side of an ``.apkg`` merge: which package files clash with files already stored
(renamed with Anki's hash suffix), which ones the imported notes refer to, and getting those
into the media store.

Media are extracted to a staging folder inside the collection's transaction (so a damaged entry
rolls the notes back) and moved into the media store only after the commit.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from javumbo.collection.apkg import media as media_mod
from javumbo.collection.apkg.errors import PackageError
from javumbo.collection.apkg.import_report import ImportReport
from javumbo.collection.apkg.media import MediaStore
from javumbo.collection.apkg.package import MediaEntry, PackageReader
from javumbo.collection.apkg.progress import Progress


class MediaImport:
    """One merge's media: planned before the notes, referenced while they are rewritten."""

    def __init__(
        self,
        package: PackageReader,
        entries: list[MediaEntry],
        store: MediaStore | None,
        report: ImportReport,
        work: Path,
    ) -> None:
        self.package = package
        self.store = store
        self.report = report
        self.work = work
        self.entries = {e.name: e for e in entries}
        self.renamed: dict[str, str] = {}  # package media name → name in the store
        self.used: set[str] = set()

    def plan_renames(self) -> None:
        """Names already in the store with other content get Anki's hash suffix."""
        if self.store is None:
            return
        for entry in self.entries.values():
            if media_mod.is_static(entry.name):
                continue
            existing = self.store.sha1(entry.name)
            if existing is None:
                continue
            with self.package.open_media(entry) as fh:
                incoming = media_mod.sha1_of_stream(fh)
            if incoming == existing:
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

    def stage(self, progress: Progress) -> dict[str, Path]:
        """Extract the media the imported notes use (and static files) to the staging folder.

        Runs inside the transaction so a damaged entry still rolls everything back."""
        staged: dict[str, Path] = {}
        if self.store is None:
            return staged
        wanted = [
            e
            for e in self.entries.values()
            if e.name in self.used
            or (media_mod.is_static(e.name) and not self.store.exists(e.name))
        ]
        for done, entry in enumerate(wanted, 1):
            progress(done, len(wanted), "extracting media")
            target = self.renamed.get(entry.name, entry.name)
            if target == "":
                self.report.media_unchanged += 1
                continue
            if target != entry.name and self.store.exists(target):
                self.report.media_unchanged += 1  # renamed copy imported before
                continue
            path = self.work / f"media-{len(staged)}"
            digest = hashlib.sha1()
            with self.package.open_media(entry) as src, path.open("wb") as out:
                while chunk := src.read(1 << 18):
                    digest.update(chunk)
                    out.write(chunk)
            if entry.sha1 is not None and digest.digest() != entry.sha1:
                raise PackageError(f"media file {entry.name!r} does not match its checksum")
            staged[target] = path
            self.report.media_added += 1
        return staged

    def write_staged(self, staged: dict[str, Path], progress: Progress) -> None:
        """After the commit: the staged files into the store."""
        progress(0, len(staged), "media")
        for done, (name, path) in enumerate(staged.items(), 1):
            assert self.store is not None
            with path.open("rb") as fh:
                self.store.write(name, fh)
            progress(done, len(staged), "media")
