"""Media sync against the user's media store (the same files the web app and package import
use: ``users/<id>/media/<name>`` in the blob store).

Anki's media protocol needs a per-user log: every file change gets the next media usn, and a
client asks for the changes after the last usn it saw (``[name, usn, sha1]``, an empty sha1
meaning deleted). The log is one small zstd-compressed JSON object per user
(``users/<id>/sync/media-log.json.zst``) holding, per file name, its usn, SHA-1, size and the
blob's ETag. Files written by anything else (web uploads, imports, deletions) are folded in by
comparing the store's listing with the log (new name or ETag changed -> hashed and logged,
gone -> logged as deleted) at the start of a sync, but only when the user's media change marker
(``userdb.media``) is not the one the log recorded: a sync with no web media change in between
costs a HEAD and a GET, not a LIST of every file. Changes to the log are serialised by a short
lease in the metastore, so two devices syncing media at once cannot lose an entry.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zstandard

from javumbo.collection.apkg.package import DEFAULT_LIMITS as DEFAULT_PACKAGE_LIMITS
from javumbo.collection.clock import Clock
from javumbo.stores.ports import BlobNotFoundError, BlobStore, LeaseStore
from javumbo.sync.protocol import SyncHttpError, bad_request
from javumbo.userdb import InvalidNameError, UserMedia
from javumbo.userdb.media import (
    MediaLimits,
    MediaQuotaError,
    StoredMedia,
    media_marker_key,
    write_media_marker,
)
from javumbo.userdb.names import media_prefix, user_prefix

MAX_FILES_PER_ZIP = 100
MAX_CHANGES_PER_ANSWER = 1000
TARGET_ZIP_BYTES = 10 * 1024 * 1024
MAX_NAME_BYTES = 255
MAX_META_BYTES = 1024 * 1024
_HASH_CHUNK = 1024 * 1024
_LEASE_TTL = 60.0
_LEASE_WAIT = 30.0
_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


@dataclass
class MediaLog:
    """name -> [usn, sha1 hex ("" when deleted), size, blob ETag]; ``marker``: the ETag of the
    change marker written before the last listing (None: never listed)."""

    last_usn: int = 0
    entries: dict[str, list[Any]] = field(default_factory=dict)
    marker: str | None = None

    def record(self, name: str, sha1: str, size: int, etag: str) -> None:
        self.last_usn += 1
        self.entries[name] = [self.last_usn, sha1, size, etag]

    @property
    def total_bytes(self) -> int:
        return sum(int(e[2]) for e in self.entries.values())

    @property
    def file_count(self) -> int:
        return sum(1 for e in self.entries.values() if e[1])


def log_key(user_id: str) -> str:
    return user_prefix(user_id) + "sync/media-log.json.zst"


class MediaSync:
    def __init__(
        self,
        blobs: BlobStore,
        meta: LeaseStore,
        user_id: str,
        clock: Clock,
        *,
        limits: MediaLimits | None = None,
        scratch: Path | None = None,
    ) -> None:
        """``limits``: the user's media allowance, the one imports and uploads are held to;
        ``scratch``: a private folder for hashing files written by others."""
        self.blobs = blobs
        self.meta = meta
        self.user_id = user_id
        self.clock = clock
        self.limits = limits or MediaLimits()
        self.scratch = scratch
        self.media = UserMedia(blobs, user_id, marks_changes=False, limits=self.limits)
        self._owner = uuid.uuid4().hex

    # ------------------------------------------------------------------ log storage

    def _load(self) -> MediaLog:
        try:
            raw = self.blobs.get(log_key(self.user_id)).data
        except BlobNotFoundError:
            return MediaLog()
        doc = json.loads(zstandard.ZstdDecompressor().decompress(raw))
        marker = doc.get("marker")
        return MediaLog(int(doc["usn"]), dict(doc["entries"]), marker if marker else None)

    def _save(self, log: MediaLog) -> None:
        doc = {"usn": log.last_usn, "entries": log.entries, "marker": log.marker}
        raw = json.dumps(doc, ensure_ascii=False)
        packed = zstandard.ZstdCompressor(level=3).compress(raw.encode("utf-8"))
        self.blobs.put(log_key(self.user_id), packed)

    @contextmanager
    def _changing(self) -> Iterator[MediaLog]:
        """The log, for changes saved at the end of the block; one writer at a time."""
        with _thread_lock(self.user_id):
            lease = f"media-log:{self.user_id}"
            deadline = time.monotonic() + _LEASE_WAIT
            while not self.meta.acquire_lease(lease, self._owner, _LEASE_TTL, self.clock.now()):
                if time.monotonic() > deadline:
                    raise SyncHttpError(409, "another media sync is running; try again")
                time.sleep(0.05)
            try:
                log = self._load()
                before = (json.dumps(log.entries, sort_keys=True), log.marker)
                yield log
                if (json.dumps(log.entries, sort_keys=True), log.marker) != before:
                    self._save(log)
            finally:
                self.meta.release_lease(lease, self._owner)

    # ------------------------------------------------------------------ protocol

    def reconcile(self) -> int:
        """Fold changes made outside media sync into the log; returns the media usn."""
        log = self._load()
        if self._marker_seen(log):
            return log.last_usn
        with self._changing() as log:
            if self._marker_seen(log):
                return log.last_usn
            # Written before listing: a web change after this point leaves a newer marker.
            log.marker = write_media_marker(self.blobs, self.user_id)
            prefix = media_prefix(self.user_id)
            listed = {info.key[len(prefix) :]: info for info in self.blobs.list(prefix)}
            if _differs(log, listed):
                self._fold_listing(log, listed)
            return log.last_usn

    def _marker_seen(self, log: MediaLog) -> bool:
        """No web media change since the last listing."""
        if log.marker is None:
            return False
        current = self.blobs.head(media_marker_key(self.user_id))
        return current is not None and current.etag == log.marker

    def _fold_listing(self, log: MediaLog, listed: dict[str, Any]) -> None:
        for name, info in sorted(listed.items()):
            entry = log.entries.get(name)
            if entry is not None and entry[1] and entry[3] == info.etag:
                continue
            if not info.size:
                continue
            digest = self.media.sha1(name, scratch=self.scratch)  # never whole in memory
            if digest is None:
                continue
            sha1 = digest.hex()
            if entry is not None and entry[1] == sha1:
                entry[3] = info.etag
                log.entries[name] = entry
                continue
            log.record(name, sha1, int(info.size), info.etag)
        for name, entry in sorted(log.entries.items()):
            if entry[1] and name not in listed:
                log.record(name, "", 0, "")

    def last_usn(self) -> int:
        return self._load().last_usn

    def changes(self, after_usn: int) -> list[list[Any]]:
        log = self._load()
        found = sorted(
            (int(e[0]), name, str(e[1])) for name, e in log.entries.items() if e[0] > after_usn
        )
        return [[name, usn, sha1] for usn, name, sha1 in found[:MAX_CHANGES_PER_ANSWER]]

    def upload(self, zip_path: Path) -> list[int]:
        """Apply a client's zip of additions and deletions; ``[processed, media usn]``. Every
        name, declared size and compression ratio is checked, and the declared sizes against
        the user's media allowance (``MediaQuotaError``), before any file is read; then each
        file is streamed into the blob store, capped at its declared size."""
        with _open_upload(zip_path) as archive:
            changes = _read_upload(archive, self.limits)
            with self._changing() as log:
                media = UserMedia(
                    self.blobs,
                    self.user_id,
                    marks_changes=False,
                    limits=self.limits,
                    used_bytes=log.total_bytes,
                )
                media.ensure_room(_net_growth(log, changes))
                for name, info in changes:
                    entry = log.entries.get(name)
                    if info is None:
                        if entry is not None and entry[1]:
                            media.delete(name)
                            log.record(name, "", 0, "")
                        continue
                    if _unchanged(archive, info, entry) and media.exists(name):
                        continue
                    stored = _store_member(media, archive, name, info)
                    log.record(name, stored.sha1.hex(), stored.size, stored.etag)
                return [len(changes), log.last_usn]

    def download(self, files: list[Any]) -> bytes:
        """A zip of the requested files (``0``, ``1``, ... and a ``_meta`` name map)."""
        if len(files) > MAX_FILES_PER_ZIP:
            raise bad_request("too many files requested")
        if not all(isinstance(f, str) for f in files):
            raise bad_request("'files' must be a list of names")
        log = self._load()
        out = io.BytesIO()
        names: dict[str, str] = {}
        total = 0
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
            for index, name in enumerate(files):
                entry = log.entries.get(name)
                data = self._readable(name) if entry is not None and entry[1] else None
                if data is None:
                    raise SyncHttpError(409, f"missing/empty file entry: {name}")
                archive.writestr(str(index), data)
                names[str(index)] = name
                total += len(data)
                if total > TARGET_ZIP_BYTES:
                    break
            archive.writestr("_meta", json.dumps(names, ensure_ascii=False))
        return out.getvalue()

    def _readable(self, name: str) -> bytes | None:
        try:
            return self.media.get(name)
        except (BlobNotFoundError, InvalidNameError):
            return None

    def sanity(self, client_count: int) -> str:
        return "OK" if self._load().file_count == client_count else "mediaSanity"


def _differs(log: MediaLog, listed: dict[str, Any]) -> bool:
    present = {name: e for name, e in log.entries.items() if e[1]}
    if present.keys() != listed.keys():
        return True
    return any(present[name][3] != info.etag for name, info in listed.items())


@contextmanager
def _open_upload(zip_path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise bad_request("media upload is not a zip file") from exc
    with archive:
        yield archive


def _read_upload(
    archive: zipfile.ZipFile, limits: MediaLimits
) -> list[tuple[str, zipfile.ZipInfo | None]]:
    """The client's changes (a deletion has no entry), every name and size checked."""
    try:
        with archive.open("_meta") as fh:
            entries = json.loads(fh.read(MAX_META_BYTES))
    except (KeyError, ValueError, zipfile.BadZipFile, OSError, EOFError, RecursionError) as exc:
        raise bad_request("media upload has no readable _meta") from exc
    if not isinstance(entries, list) or len(entries) > MAX_FILES_PER_ZIP:
        raise bad_request("media upload _meta must list at most 100 files")
    out: list[tuple[str, zipfile.ZipInfo | None]] = []
    for entry in entries:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)):
            raise bad_request("media upload _meta entries are [name, zip name]")
        name, in_zip = _check_name(entry[0]), entry[1]
        if in_zip is None or in_zip == "":
            out.append((name, None))
            continue
        if not isinstance(in_zip, str):
            raise bad_request("media upload _meta entries are [name, zip name]")
        out.append((name, _checked_member(archive, in_zip, limits)))
    return out


def _checked_member(archive: zipfile.ZipFile, member: str, limits: MediaLimits) -> zipfile.ZipInfo:
    """The entry, if its compression ratio (the package importer's rule: small entries are
    free, big ones need a sane ratio; a bomb is bad input, 400) and its declared size (the
    allowance's largest file, told to the user) are acceptable."""
    try:
        info = archive.getinfo(member)
    except KeyError as exc:
        raise bad_request(f"media upload lacks the zip entry {member!r}") from exc
    rule = DEFAULT_PACKAGE_LIMITS
    if info.file_size > rule.ratio_floor and info.file_size > rule.max_ratio * max(
        info.compress_size, 1
    ):
        raise bad_request(
            f"media upload entry {member!r} is compressed more than {rule.max_ratio} to 1"
        )
    if info.file_size == 0:
        raise bad_request("media upload has an empty file")
    if info.file_size > limits.max_file_bytes:
        raise MediaQuotaError(
            "media_file_too_large",
            f"a media file is larger than the largest allowed,"
            f" {limits.max_file_bytes / 1048576:.0f} MB",
        )
    return info


def _net_growth(log: MediaLog, changes: list[tuple[str, zipfile.ZipInfo | None]]) -> int:
    """Bytes the upload adds to the user's media, by the sizes it declares."""
    growth = 0
    for name, info in changes:
        entry = log.entries.get(name)
        growth -= int(entry[2]) if entry is not None and entry[1] else 0
        growth += info.file_size if info is not None else 0
    return growth


def _unchanged(archive: zipfile.ZipFile, info: zipfile.ZipInfo, entry: list[Any] | None) -> bool:
    """The entry holds the file the log has under that name (hashed as a stream, only when
    the sizes already match)."""
    if entry is None or not entry[1] or int(entry[2]) != info.file_size:
        return False
    digest = hashlib.sha1()
    try:
        with archive.open(info) as fh:
            while chunk := fh.read(_HASH_CHUNK):
                digest.update(chunk)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise bad_request("media upload zip is damaged") from exc
    return bool(digest.hexdigest() == entry[1])


def _store_member(
    media: UserMedia, archive: zipfile.ZipFile, name: str, info: zipfile.ZipInfo
) -> StoredMedia:
    """Stream the entry into the user's media, never more than it declared."""
    try:
        with archive.open(info) as fh:
            stored = media.put_stream(name, fh, max_bytes=info.file_size)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise bad_request("media upload zip is damaged") from exc
    if stored.size != info.file_size:
        raise bad_request("media upload zip is damaged")
    return stored


def _check_name(name: str) -> str:
    if (
        not name
        or name in (".", "..")
        or len(name.encode("utf-8")) > MAX_NAME_BYTES
        or any(ch in name for ch in "/\\\x00")
        or unicodedata.normalize("NFC", name) != name
    ):
        raise bad_request(f"bad media file name {name!r}")
    return name


def _thread_lock(user_id: str) -> threading.Lock:
    with _thread_locks_guard:
        return _thread_locks.setdefault(user_id, threading.Lock())
