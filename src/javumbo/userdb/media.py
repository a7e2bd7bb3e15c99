"""A user's media files (images, sounds) on the blob store under ``users/<id>/media/<name>``.

Media never passes through the journal: files are content the client uploads whole, and the
collection only refers to them by name.

Change marker. Media sync must notice files written here (web uploads, package imports) without
listing the whole store on every sync. So every write or deletion is followed by a check of a
tiny per-user blob, ``users/<id>/media-changed``: if it is not the one this ``UserMedia`` last
wrote, a new one (random content, so a new ETag) replaces it. Media sync, when the marker's ETag
is not the one it recorded, writes a marker of its own, lists the store and records that
marker's ETag. A write is thus always followed by a marker the sync has not seen, unless the
sync's marker came after the write's check, in which case its listing saw the write. An import
of many files (one ``UserMedia``) writes the marker once plus one HEAD per file.

Quota. Each user has one media allowance (``MediaLimits``: total bytes and the largest single
file), shared by package import, media sync and anything else writing here. What is in use is
learnt from one listing of the user's media per ``UserMedia`` (or given by a caller that keeps
its own total, as media sync's log does) and kept up to date by this object's own writes, so a
thousand-file import lists once, not once per file. Writers working at the same moment each
check against what they saw, so together they can overshoot by at most one file each.
"""

from __future__ import annotations

import hashlib
import tempfile
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from javumbo.settings import Settings
from javumbo.stores.ports import BlobNotFoundError, BlobStore, ByteSource
from javumbo.userdb.names import check_segment, media_prefix, user_prefix

MiB = 1024 * 1024
DEFAULT_MEDIA_QUOTA_BYTES = Settings.media_quota_bytes
DEFAULT_MEDIA_MAX_FILE_BYTES = Settings.media_max_file_bytes
_HASH_CHUNK = MiB


class MediaQuotaError(Exception):
    """A media write would pass the user's allowance (``code`` ``media_quota_exceeded``) or
    the largest file allowed (``media_file_too_large``); nothing was written. Not a
    ``ValueError``: callers that turn bad input into "invalid package" must let it through."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class MediaLimits:
    """A user's media allowance: all files together, and any one file."""

    quota_bytes: int = DEFAULT_MEDIA_QUOTA_BYTES
    max_file_bytes: int = DEFAULT_MEDIA_MAX_FILE_BYTES

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaLimits:
        return cls(settings.media_quota_bytes, settings.media_max_file_bytes)


@dataclass(frozen=True)
class StoredMedia:
    """What ``put_stream`` wrote: the blob's ETag, the size and the SHA-1 (Anki's media hash)."""

    etag: str
    size: int
    sha1: bytes


def describe_size(size: int) -> str:
    """A size for messages: ``12.5 MiB``."""
    return f"{size / MiB:,.1f} MiB"


def media_marker_key(user_id: str) -> str:
    """The user's media change marker (outside the media prefix, so never listed as a file)."""
    return user_prefix(user_id) + "media-changed"


def write_media_marker(blobs: BlobStore, user_id: str) -> str:
    """Replace the user's change marker with a new one; returns its ETag."""
    return blobs.put(media_marker_key(user_id), uuid.uuid4().hex.encode("ascii"))


class UserMedia:
    def __init__(
        self,
        blobs: BlobStore,
        user_id: str,
        *,
        marks_changes: bool = True,
        limits: MediaLimits | None = None,
        used_bytes: int | None = None,
    ) -> None:
        """``marks_changes=False`` is for media sync, which logs its own writes;
        ``used_bytes``: the user's media total when the caller already knows it (saves the
        listing ``used_bytes()`` would otherwise do once)."""
        self.blobs = blobs
        self.user_id = user_id
        self.prefix = media_prefix(user_id)
        self.marks_changes = marks_changes
        self.limits = limits or MediaLimits()
        self._used = used_bytes
        self._marker_etag: str | None = None

    def _key(self, name: str) -> str:
        return self.prefix + check_segment(name, "media file name")

    # ------------------------------------------------------------------ quota

    def used_bytes(self) -> int:
        """Bytes of media the user holds: listed once, then kept by this object's writes."""
        if self._used is None:
            self._used = sum(info.size for info in self.blobs.list(self.prefix))
        return self._used

    def room(self, *, replacing: int = 0) -> int:
        """Bytes that may still be written (``replacing``: the size of a file being replaced,
        whose bytes are given back)."""
        return max(0, self.limits.quota_bytes - self.used_bytes() + replacing)

    def ensure_room(self, extra_bytes: int) -> None:
        """``MediaQuotaError`` unless ``extra_bytes`` more would fit in the allowance: the
        check before a write whose size is announced (an import's declared sizes)."""
        if extra_bytes > self.room():
            raise MediaQuotaError(
                "media_quota_exceeded",
                f"{describe_size(extra_bytes)} of media would take you past your media"
                f" allowance of {describe_size(self.limits.quota_bytes)}"
                f" ({describe_size(self.used_bytes())} in use)",
            )

    def _account(self, added: int, removed: int) -> None:
        if self._used is not None:
            self._used = max(0, self._used + added - removed)

    # ------------------------------------------------------------------ writes

    def put(self, name: str, data: bytes) -> str:
        """Store (replacing) a file; returns its ETag. Not checked against the allowance: the
        writes users can make in bulk (imports, media sync) go through ``put_stream``."""
        key = self._key(name)
        old = self.blobs.head(key) if self._used is not None else None
        etag = self.blobs.put(key, data)
        self._account(len(data), old.size if old is not None else 0)
        self._mark_changed()
        return etag

    def put_stream(
        self, name: str, stream: ByteSource, *, max_bytes: int | None = None
    ) -> StoredMedia:
        """Store (replacing) a file from ``stream``, read in chunks and hashed on the way, so
        no file is ever whole in memory. ``MediaQuotaError`` once it passes ``max_bytes``, the
        largest file allowed or the room left; then, as on any error of ``stream``, nothing is
        written and the previous file (if any) stays."""
        key = self._key(name)
        old = self.blobs.head(key)
        replacing = old.size if old is not None else 0
        file_cap = self.limits.max_file_bytes
        if max_bytes is not None:
            file_cap = min(file_cap, max_bytes)
        reader = _MeteredReader(stream, file_cap=file_cap, room=self.room(replacing=replacing))
        info = self.blobs.put_stream(key, reader)
        self._account(info.size, replacing)
        self._mark_changed()
        return StoredMedia(etag=info.etag, size=info.size, sha1=reader.digest.digest())

    def get(self, name: str) -> bytes:
        """The file's bytes; ``BlobNotFoundError`` if there is none. A decomposed (NFD) name
        finds the file stored under its NFC form, the form Anki and our importer store: a note
        typed on macOS may refer to it either way."""
        try:
            return self.blobs.get(self._key(name)).data
        except BlobNotFoundError:
            nfc = unicodedata.normalize("NFC", name)
            if nfc == name:
                raise
            return self.blobs.get(self._key(nfc)).data

    def get_to_file(self, name: str, path: Path) -> None:
        """Stream the file into ``path`` (``BlobNotFoundError`` if there is none); finds a
        decomposed name's file as ``get`` does."""
        try:
            self.blobs.get_to_file(self._key(name), path)
        except BlobNotFoundError:
            nfc = unicodedata.normalize("NFC", name)
            if nfc == name:
                raise
            self.blobs.get_to_file(self._key(nfc), path)

    def get_or_none(self, name: str) -> bytes | None:
        try:
            return self.get(name)
        except BlobNotFoundError:
            return None

    def exists(self, name: str) -> bool:
        return self.blobs.head(self._key(name)) is not None

    def size(self, name: str) -> int | None:
        info = self.blobs.head(self._key(name))
        return info.size if info is not None else None

    def sha1(self, name: str, *, scratch: Path | None = None) -> bytes | None:
        """The file's SHA-1, or None when there is none. The file is copied to a temporary
        file under ``scratch`` (the system's temporary folder by default) and hashed from
        there, never read whole into memory."""
        with tempfile.TemporaryDirectory(prefix="javumbo-media-hash-", dir=scratch) as tmp:
            copy = Path(tmp) / "file"
            try:
                self.get_to_file(name, copy)
            except BlobNotFoundError:
                return None
            with copy.open("rb") as fh:
                return hashlib.file_digest(fh, "sha1").digest()

    def delete(self, name: str) -> None:
        key = self._key(name)
        old = self.blobs.head(key) if self._used is not None else None
        self.blobs.delete(key)
        self._account(0, old.size if old is not None else 0)
        self._mark_changed()

    def list(self) -> list[str]:
        """File names, sorted."""
        return [info.key[len(self.prefix) :] for info in self.blobs.list(self.prefix)]

    def _mark_changed(self) -> None:
        """Make sure a marker media sync has not seen follows this change (see the module
        docstring); only a HEAD when this object's marker is still the current one."""
        if not self.marks_changes:
            return
        if self._marker_etag is not None:
            current = self.blobs.head(media_marker_key(self.user_id))
            if current is not None and current.etag == self._marker_etag:
                return
        self._marker_etag = write_media_marker(self.blobs, self.user_id)


class _MeteredReader:
    """``stream`` read through a SHA-1 and a byte count that stops at the file cap or the room
    left, raising ``MediaQuotaError`` from ``read`` (so the blob store's put aborts)."""

    def __init__(self, stream: ByteSource, *, file_cap: int, room: int) -> None:
        self.stream = stream
        self.file_cap = file_cap
        self.room = room
        self.size = 0
        self.digest = hashlib.sha1()

    def read(self, size: int = -1, /) -> bytes:
        if size is None or size < 0:  # "everything": still read (and capped) chunk by chunk
            parts = []
            while part := self.read(_HASH_CHUNK):
                parts.append(part)
            return b"".join(parts)
        chunk = self.stream.read(size)
        self.size += len(chunk)
        if self.size > self.file_cap:
            raise MediaQuotaError(
                "media_file_too_large",
                f"a media file is larger than the largest allowed, {describe_size(self.file_cap)}",
            )
        if self.size > self.room:
            raise MediaQuotaError(
                "media_quota_exceeded",
                f"this media file does not fit in your media allowance (room left:"
                f" {describe_size(self.room)})",
            )
        self.digest.update(chunk)
        return chunk
