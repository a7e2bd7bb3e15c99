"""``BlobStore`` on a local folder: the embedded mode's object store.

Layout: ``<root>/objects/<key>`` holds each object, ``<root>/tmp/`` the files being written.
Every write goes to a temporary file that is fsynced and then renamed (``put``) or hard-linked
(``put_if_absent``) into place, so a reader sees the old object or the new one, never half of
one, and a crash leaves at worst a stray file in ``tmp/``.

ETags are S3-style: the MD5 of the content in hex, in double quotes (what S3 returns for a
single-part upload). They are content hashes, so equal content gives equal ETags.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from javumbo.stores.keys import validate_key, validate_prefix
from javumbo.stores.metrics import OperationCounters
from javumbo.stores.ports import Blob, BlobExistsError, BlobInfo, BlobNotFoundError, ByteSource

CHUNK_SIZE = 1024 * 1024
_ETAG_CACHE_LIMIT = 10_000
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

BlobData = bytes | bytearray | memoryview | BinaryIO


def quoted_md5(digest: hashlib._Hash) -> str:
    return f'"{digest.hexdigest()}"'


def private_directory(path: Path) -> Path:
    """``path`` as a folder only its owner can enter (0700), whatever the umask: created so,
    or made so if it exists and is ours. The data folder holds password hashes and everyone's
    collections; other local users must not read them."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_mode & 0o077 and info.st_uid == os.getuid():
        os.chmod(path, PRIVATE_DIR_MODE)
    return path


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (the entry itself, not only the file's data)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_stream_atomically(source: BinaryIO, target: Path) -> tuple[str, int]:
    """Copy ``source`` into ``target`` via a fsynced temp file beside it; (ETag, size)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            digest, size = _copy_hashing(source, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    fsync_directory(target.parent)
    return quoted_md5(digest), size


def _copy_hashing(source: BinaryIO, out: BinaryIO) -> tuple[hashlib._Hash, int]:
    digest = hashlib.md5(usedforsecurity=False)
    size = 0
    while chunk := source.read(CHUNK_SIZE):
        digest.update(chunk)
        out.write(chunk)
        size += len(chunk)
    return digest, size


class LocalBlobStore:
    """Objects as files under ``root``; safe for many threads and processes at once."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._objects = self.root / "objects"
        self._tmp = self.root / "tmp"
        private_directory(self.root)
        self._objects.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        self._tmp.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        self.counters = OperationCounters()
        self._etags: dict[tuple[int, int, int, int], str] = {}
        self._etags_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LocalBlobStore({str(self.root)!r})"

    # reads

    def get(self, key: str) -> Blob:
        with self._open_object(key) as source:
            data = source.read()
            stat = os.fstat(source.fileno())
        digest = hashlib.md5(data, usedforsecurity=False)
        etag = quoted_md5(digest)
        self._remember_etag(stat, etag)
        self.counters.add("blob_get")
        self.counters.add("blob_bytes_in", len(data))
        return Blob(data=data, etag=etag)

    def get_to_file(self, key: str, path: Path) -> BlobInfo:
        with self._open_object(key) as source:
            etag, size = write_stream_atomically(source, Path(path))
        self.counters.add("blob_get")
        self.counters.add("blob_bytes_in", size)
        return BlobInfo(key=key, etag=etag, size=size)

    def head(self, key: str) -> BlobInfo | None:
        path = self._path(key)
        self.counters.add("blob_head")
        try:
            return self._info(key, path)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    def list(self, prefix: str) -> Iterator[BlobInfo]:
        validate_prefix(prefix)
        self.counters.add("blob_list")
        start = self._objects / prefix.rpartition("/")[0] if "/" in prefix else self._objects
        keys = sorted(key for key in self._keys_under(start) if key.startswith(prefix))
        for key in keys:
            with contextlib.suppress(FileNotFoundError):
                yield self._info(key, self._objects / key)

    # writes

    def put(self, key: str, data: BlobData) -> str:
        return self._replace(key, data).etag

    def put_stream(self, key: str, stream: ByteSource) -> BlobInfo:
        return self._replace(key, cast(BinaryIO, stream))

    def _replace(self, key: str, data: BlobData) -> BlobInfo:
        """Write to a temporary file, then rename it over the key's file."""
        target = self._path(key)
        temp, etag, size = self._write_temp(data)
        try:
            self._prepare_parent(key, target)
            try:
                os.replace(temp, target)
            except IsADirectoryError as exc:
                raise ValueError(f"blob key {key!r} is a prefix of other keys") from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        fsync_directory(target.parent)
        self.counters.add("blob_put")
        self.counters.add("blob_bytes_out", size)
        return BlobInfo(key=key, etag=etag, size=size)

    def put_if_absent(self, key: str, data: BlobData) -> str:
        target = self._path(key)
        temp, etag, size = self._write_temp(data)
        try:
            self._prepare_parent(key, target)
            if target.is_dir():
                raise ValueError(f"blob key {key!r} is a prefix of other keys")
            try:
                os.link(temp, target)
            except FileExistsError as exc:
                raise BlobExistsError(key) from exc
        finally:
            temp.unlink()
        fsync_directory(target.parent)
        self.counters.add("blob_put")
        self.counters.add("blob_bytes_out", size)
        return etag

    def delete(self, key: str) -> None:
        path = self._path(key)
        self.counters.add("blob_delete")
        with contextlib.suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError):
            path.unlink()

    # internals

    def _path(self, key: str) -> Path:
        return self._objects / validate_key(key)

    def _open_object(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            return path.open("rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise BlobNotFoundError(key) from exc

    def _write_temp(self, data: BlobData) -> tuple[Path, str, int]:
        fd, name = tempfile.mkstemp(dir=self._tmp, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(data, bytes | bytearray | memoryview):
                    payload = bytes(data)
                    digest = hashlib.md5(payload, usedforsecurity=False)
                    out.write(payload)
                    size = len(payload)
                else:
                    digest, size = _copy_hashing(data, out)
                out.flush()
                os.fsync(out.fileno())
                stat = os.fstat(out.fileno())
        except BaseException:
            os.unlink(name)
            raise
        etag = quoted_md5(digest)
        self._remember_etag(stat, etag)
        return Path(name), etag, size

    def _prepare_parent(self, key: str, target: Path) -> None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            raise ValueError(f"a prefix of blob key {key!r} is itself an object") from exc

    def _info(self, key: str, path: Path) -> BlobInfo:
        stat = path.stat()
        if not path.is_file():
            raise IsADirectoryError(key)
        etag = self._cached_etag(stat)
        if etag is None:
            with path.open("rb") as source:
                digest = hashlib.file_digest(source, lambda: hashlib.md5(usedforsecurity=False))
                stat = os.fstat(source.fileno())
            etag = quoted_md5(digest)
            self._remember_etag(stat, etag)
        return BlobInfo(key=key, etag=etag, size=stat.st_size)

    def _keys_under(self, start: Path) -> Iterator[str]:
        if not start.is_dir():
            return
        for directory, _dirs, files in os.walk(start):
            relative = Path(directory).relative_to(self._objects)
            for name in files:
                yield (relative / name).as_posix() if relative.parts else name

    @staticmethod
    def _stat_identity(stat: os.stat_result) -> tuple[int, int, int, int]:
        # Every write lands as a new inode (rename or link of a fresh temp file), so this
        # identity changes whenever the content can have changed. Not ctime: linking changes it.
        return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)

    def _cached_etag(self, stat: os.stat_result) -> str | None:
        with self._etags_lock:
            return self._etags.get(self._stat_identity(stat))

    def _remember_etag(self, stat: os.stat_result, etag: str) -> None:
        with self._etags_lock:
            if len(self._etags) >= _ETAG_CACHE_LIMIT:
                self._etags.clear()
            self._etags[self._stat_identity(stat)] = etag
