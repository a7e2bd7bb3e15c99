"""Media files: where they live (a ``MediaStore``), which ones notes refer to, and how clashing
names are made unique.

The collection layer does no I/O but SQLite, so media goes through the small ``MediaStore``
protocol: a folder (``LocalMediaStore``, the command line's ``collection.media``), or the user's
media in the object store (``javumbo.userdb.package_media``). Files pass through as streams,
never whole in memory.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Protocol

from javumbo.collection.apkg.errors import PackageError
from javumbo.collection.apkg.package import CHUNK, check_media_name


class MediaStore(Protocol):
    """A flat namespace of media files, addressed by (checked) file name."""

    def exists(self, name: str) -> bool: ...

    def size(self, name: str) -> int | None:
        """The file's size in bytes, or None when there is no such file."""
        ...

    def open(self, name: str) -> IO[bytes]:
        """A binary reader of the file (``FileNotFoundError`` when absent)."""
        ...

    def ensure_room(self, total_bytes: int, largest_file: int) -> None:
        """Raise (an error of the store's own, not a ``PackageError``) unless files of
        ``total_bytes`` together, the largest ``largest_file``, may be written: the check
        before an import writes anything."""
        ...

    def write(self, name: str, stream: Readable) -> None:
        """Store (replacing) ``name`` with everything ``stream`` yields, read in chunks. When
        ``stream.read`` raises, nothing is stored under ``name`` (the old file stays)."""
        ...

    def sha1(self, name: str) -> bytes | None:
        """The file's SHA-1 digest, or None when there is no such file."""
        ...


def resolve_media_store(
    media_dir: Path | None, media_store: MediaStore | None
) -> MediaStore | None:
    """The store an import or export uses: the one given, else a folder, else none."""
    if media_store is not None:
        return media_store
    return LocalMediaStore(media_dir) if media_dir is not None else None


class LocalMediaStore:
    """Media in one folder (Anki's ``collection.media``), created on the first write."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        clean = check_media_name(name)
        path = self.root / clean
        if path.parent != self.root:
            raise PackageError(f"media name {name!r} would leave the media folder")
        return path

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def size(self, name: str) -> int | None:
        path = self._path(name)
        return path.stat().st_size if path.is_file() else None

    def open(self, name: str) -> IO[bytes]:
        return self._path(name).open("rb")

    def ensure_room(self, total_bytes: int, largest_file: int) -> None:
        """A folder has no allowance of its own (the disk's is the operator's business)."""

    def read(self, name: str) -> bytes:
        return self._path(name).read_bytes()

    def write(self, name: str, stream: Readable) -> None:
        path = self._path(name)
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    out.write(chunk)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def sha1(self, name: str) -> bytes | None:
        path = self._path(name)
        if not path.is_file():
            return None
        with path.open("rb") as fh:
            return sha1_of_stream(fh)

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_file() and p.name[0] != ".")


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def sha1_of_stream(stream: Readable) -> bytes:
    digest = hashlib.sha1()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
    return digest.digest()


def add_hash_suffix(name: str, sha1: bytes) -> str:
    """``cell.png`` → ``cell-<40 hex digits of SHA-1>.png``, as Anki renames a clashing file."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    stem = stem.encode("utf-8")[: 255 - 42 - len(ext.encode("utf-8"))].decode("utf-8", "ignore")
    return f"{stem}-{sha1.hex()}.{ext}" if ext else f"{stem}-{sha1.hex()}"


def is_static(name: str) -> bool:
    """Files a template or CSS uses directly (``_font.ttf``, LaTeX images): Anki imports them
    whether or not a note refers to them."""
    return name.startswith("_") or name.startswith("latex-")


# ----------------------------------------------------------------- references in HTML

_TAG_REF = re.compile(
    r"""(?P<prefix><(?:img|audio|video|source|object|embed)\b[^>]*?\b(?:src|data)\s*=\s*)
        (?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s>"']+))""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
_SOUND_REF = re.compile(r"\[sound:(?P<name>[^\]]+)\]")
_CSS_URL = re.compile(
    r"""url\(\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^)\s"']+))\s*\)""", re.IGNORECASE
)


def _is_local(name: str) -> bool:
    lowered = name.strip().lower()
    return bool(lowered) and "://" not in lowered and not lowered.startswith(("data:", "//"))


def media_references(text: str) -> Iterator[str]:
    """File names a field, template or stylesheet refers to: ``<img src>`` (and other media
    tags), ``[sound:…]`` and CSS ``url()``; remote URLs are left out."""
    if "<" not in text and "[sound:" not in text and "url(" not in text.lower():
        return
    for match in _TAG_REF.finditer(text):
        raw = match.group("dq") or match.group("sq") or match.group("bare") or ""
        name = html.unescape(raw)
        if _is_local(name):
            yield name
    for match in _SOUND_REF.finditer(text):
        name = html.unescape(match.group("name"))
        if _is_local(name):
            yield name
    for match in _CSS_URL.finditer(text):
        name = html.unescape(match.group("dq") or match.group("sq") or match.group("bare") or "")
        if _is_local(name):
            yield name


def rewrite_references(text: str, rename: Callable[[str], str | None]) -> str:
    """``text`` with every media reference ``rename`` maps (to a non-None new name) replaced."""

    def tag(match: re.Match[str]) -> str:
        raw = match.group("dq") or match.group("sq") or match.group("bare") or ""
        new = rename(html.unescape(raw))
        if new is None:
            return match.group(0)
        quote = "'" if match.group("sq") is not None else '"'
        return f"{match.group('prefix')}{quote}{html.escape(new, quote=True)}{quote}"

    def sound(match: re.Match[str]) -> str:
        new = rename(html.unescape(match.group("name")))
        return match.group(0) if new is None else f"[sound:{new}]"

    if "<" in text:
        text = _TAG_REF.sub(tag, text)
    if "[sound:" in text:
        text = _SOUND_REF.sub(sound, text)
    return text


@contextmanager
def staging_folder(parent: Path | None = None) -> Iterator[Path]:
    """A private folder for files extracted before the collection commit; always removed."""
    with tempfile.TemporaryDirectory(prefix="javumbo-media-", dir=parent) as tmp:
        yield Path(tmp)
