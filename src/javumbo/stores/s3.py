"""``BlobStore`` on S3 (or anything speaking its API: moto, SeaweedFS, MinIO).

Overwriting puts above ``multipart_threshold`` go up in parts of ``part_size`` bytes, so a large
object never sits in memory whole. Create-only puts use ``If-None-Match: *`` on a single
``PutObject`` (the body spooled to a temporary file when large) up to
``create_only_single_put_limit`` (S3's 5 GiB), and on ``CompleteMultipartUpload`` beyond it:
S3 evaluates both atomically, but the emulators only the first (see ``_create_only_upload``).
ETags are what S3 returns (quoted MD5 for single-part objects, ``"<md5>-<parts>"`` for
multipart ones).

Not every S3-compatible server honours ``If-None-Match`` (S3 has since 2024; SeaweedFS and
recent MinIO do; older MinIO, s3rver and others ignore it and overwrite). With
``conditional_writes=None`` the store asks the server once, on its first create-only put, by
writing a probe object twice (the answer is cached for the store's life); ``False`` skips the
question. Without conditional writes a create-only put is a check, a put and a check: it refuses
a key that already exists and reports a lost race it can see, but writers of one key at the
same instant may both succeed (or all fail), and either's object may stand. The storage engine
keeps such writers apart with the user's flush lease, and the head that names a snapshot records
its ETag, which loading checks: a collision is refused as inconsistent, never served as the
wrong data.

Errors are mapped onto the port's: missing object → ``BlobNotFoundError``, lost create race →
``BlobExistsError``, and anything meaning "the store is not answering properly right now"
(connection refused, timeouts, throttling, 5xx, missing bucket) → ``StoreUnavailableError``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn, cast

from botocore.exceptions import BotoCoreError, ClientError

from javumbo.stores.keys import validate_key, validate_prefix
from javumbo.stores.local import fsync_directory
from javumbo.stores.metrics import OperationCounters
from javumbo.stores.ports import (
    Blob,
    BlobExistsError,
    BlobInfo,
    BlobNotFoundError,
    ByteSource,
    StoreError,
    StoreUnavailableError,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MiB = 1024 * 1024
DEFAULT_MULTIPART_THRESHOLD = 8 * MiB
DEFAULT_PART_SIZE = 8 * MiB
MIN_PART_SIZE = 5 * MiB  # S3 refuses smaller parts (except the last)
MAX_SINGLE_PUT = 5 * 1024 * MiB  # S3's limit for one PutObject
DOWNLOAD_CHUNK = MiB
# S3 answers 409 ConditionalRequestConflict while another conditional write to the key is in
# flight; the caller must retry, and the retry then learns who won.
CONFLICT_RETRIES = 5

BlobData = bytes | bytearray | memoryview | BinaryIO
_Parts = list[Any]  # CompletedPartTypeDef dicts (stubs are a test-only dependency)

_NOT_FOUND = frozenset({"NoSuchKey", "404", "NotFound"})
_PRECONDITION = frozenset({"PreconditionFailed", "412"})
_UNAVAILABLE = frozenset(
    {
        "NoSuchBucket",
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "RequestTimeout",
        "RequestTimeTooSkewed",
        "ServiceUnavailable",
        "InternalError",
        "503",
        "500",
    }
)


PROBE_PREFIX = "_javumbo/probes/"

log = logging.getLogger(__name__)


class S3BlobStore:
    """Objects in one bucket; every method is safe to call from many threads."""

    def __init__(
        self,
        bucket: str,
        client: S3Client,
        *,
        multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD,
        part_size: int = DEFAULT_PART_SIZE,
        create_only_single_put_limit: int = MAX_SINGLE_PUT,
        conditional_writes: bool | None = True,
    ) -> None:
        """``conditional_writes``: True when the server honours ``If-None-Match: *`` (S3),
        False when it does not, None to ask it on the first create-only put."""
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes (S3's minimum)")
        self.bucket = bucket
        self.client = client
        self.multipart_threshold = multipart_threshold
        self.part_size = part_size
        self.create_only_single_put_limit = create_only_single_put_limit
        self.conditional_writes = conditional_writes
        self._probe_lock = threading.Lock()
        self.counters = OperationCounters()

    def __repr__(self) -> str:
        return f"S3BlobStore({self.bucket!r})"

    # reads

    def get(self, key: str) -> Blob:
        validate_key(key)
        self.counters.add("blob_get")
        with self._mapped_errors(key):
            response = self.client.get_object(Bucket=self.bucket, Key=key)
            data = response["Body"].read()
        self.counters.add("blob_bytes_in", len(data))
        return Blob(data=data, etag=response["ETag"])

    def get_to_file(self, key: str, path: Path) -> BlobInfo:
        validate_key(key)
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.counters.add("blob_get")
        fd, temp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".part"
        )
        size = 0
        try:
            with os.fdopen(fd, "wb") as out, self._mapped_errors(key):
                response = self.client.get_object(Bucket=self.bucket, Key=key)
                for chunk in response["Body"].iter_chunks(DOWNLOAD_CHUNK):
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
        fsync_directory(target.parent)
        self.counters.add("blob_bytes_in", size)
        return BlobInfo(key=key, etag=response["ETag"], size=size)

    def head(self, key: str) -> BlobInfo | None:
        validate_key(key)
        self.counters.add("blob_head")
        try:
            with self._mapped_errors(key):
                response = self.client.head_object(Bucket=self.bucket, Key=key)
        except BlobNotFoundError:
            return None
        return BlobInfo(key=key, etag=response["ETag"], size=response["ContentLength"])

    def list(self, prefix: str) -> Iterator[BlobInfo]:
        validate_prefix(prefix)
        paginator = self.client.get_paginator("list_objects_v2")
        with self._mapped_errors(prefix):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                self.counters.add("blob_list")
                for item in page.get("Contents", []):
                    yield BlobInfo(key=item["Key"], etag=item["ETag"], size=item["Size"])

    # writes

    def put(self, key: str, data: BlobData) -> str:
        return self._upload(key, data, create_only=False)[0]

    def put_stream(self, key: str, stream: ByteSource) -> BlobInfo:
        """One ``PutObject`` up to ``multipart_threshold`` bytes, parts of ``part_size`` beyond
        (an error of ``stream`` aborts the multipart upload): at most about two parts in
        memory."""
        etag, size = self._upload(key, cast(BinaryIO, stream), create_only=False)
        return BlobInfo(key=key, etag=etag, size=size)

    def put_if_absent(self, key: str, data: BlobData) -> str:
        return self._upload(key, data, create_only=True)[0]

    def delete(self, key: str) -> None:
        validate_key(key)
        self.counters.add("blob_delete")
        with self._mapped_errors(key):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    # internals

    def _upload(self, key: str, data: BlobData, *, create_only: bool) -> tuple[str, int]:
        validate_key(key)
        if create_only:
            etag, size = self._create_only_upload(key, _as_stream(data))
        else:
            etag, size = self._overwriting_upload(key, _as_stream(data))
        self.counters.add("blob_put")
        self.counters.add("blob_bytes_out", size)
        return etag, size

    def _overwriting_upload(self, key: str, stream: BinaryIO) -> tuple[str, int]:
        first = stream.read(self.multipart_threshold + 1)
        if len(first) <= self.multipart_threshold:
            return self._put_single(key, first, size=len(first), create_only=False), len(first)
        return self._put_multipart(key, first, stream, create_only=False)

    def _create_only_upload(self, key: str, stream: BinaryIO) -> tuple[str, int]:
        if not self.honours_conditional_writes():
            return self._create_only_without_condition(key, stream)
        return self._conditional_upload(key, stream)

    def honours_conditional_writes(self) -> bool:
        """Whether create-only puts are conditional; asks the server once when unknown."""
        if self.conditional_writes is None:
            with self._probe_lock:
                if self.conditional_writes is None:
                    self.conditional_writes = self.probe_conditional_writes()
                    if not self.conditional_writes:
                        log.warning(
                            "s3://%s ignores If-None-Match: create-only puts check, put and"
                            " check again instead (set S3_CONDITIONAL_WRITES=off to skip the"
                            " probe)",
                            self.bucket,
                        )
        return self.conditional_writes

    def probe_conditional_writes(self) -> bool:
        """Put a probe object twice with ``If-None-Match: *``: a server that refuses the second
        honours the condition. The probe object is deleted; counters do not count it."""
        key = f"{PROBE_PREFIX}conditional-write-{uuid.uuid4().hex}"
        try:
            with self._mapped_errors(key):
                self.client.put_object(Bucket=self.bucket, Key=key, Body=b"1", IfNoneMatch="*")
            try:
                self.client.put_object(Bucket=self.bucket, Key=key, Body=b"2", IfNoneMatch="*")
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", ""))
                if code in _PRECONDITION or code == "ConditionalRequestConflict":
                    return True
                if code == "NotImplemented" or _status(exc) == 501:
                    return False
                self._raise_mapped(exc, key, create_only=False)
            return False
        finally:
            with contextlib.suppress(ClientError, BotoCoreError):
                self.client.delete_object(Bucket=self.bucket, Key=key)

    def _create_only_without_condition(self, key: str, stream: BinaryIO) -> tuple[str, int]:
        """A check, a put and a check (see the module's docstring for what it cannot see)."""
        if self.head(key) is not None:
            raise BlobExistsError(key)
        etag, size = self._overwriting_upload(key, stream)
        now = self.head(key)
        if now is None or now.etag != etag:
            raise BlobExistsError(key)  # another writer's object stands
        return etag, size

    def _conditional_upload(self, key: str, stream: BinaryIO) -> tuple[str, int]:
        """One conditional ``PutObject`` whenever S3 allows it (up to 5 GiB), spooled to disk
        above the multipart threshold: emulators evaluate ``If-None-Match`` on
        ``CompleteMultipartUpload`` non-atomically (moto 5.2 and SeaweedFS 4.48 both let
        several racers win), while a single conditional put is atomic everywhere."""
        with tempfile.SpooledTemporaryFile(max_size=self.multipart_threshold) as spool:
            shutil.copyfileobj(stream, spool, DOWNLOAD_CHUNK)
            size = spool.tell()
            spool.seek(0)
            body = cast(BinaryIO, spool)
            if size <= self.create_only_single_put_limit:
                return self._put_single(key, body, size=size, create_only=True), size
            first = body.read(self.multipart_threshold + 1)
            return self._put_multipart(key, first, body, create_only=True)

    def _put_single(self, key: str, body: bytes | BinaryIO, *, size: int, create_only: bool) -> str:
        extra: dict[str, Any] = {"IfNoneMatch": "*"} if create_only else {}
        for attempt in range(CONFLICT_RETRIES):
            if not isinstance(body, bytes):
                body.seek(0)
            try:
                with self._mapped_errors(key, create_only=create_only):
                    response = self.client.put_object(
                        Bucket=self.bucket, Key=key, Body=body, ContentLength=size, **extra
                    )
                return response["ETag"]
            except _ConditionalConflict:
                if attempt == CONFLICT_RETRIES - 1:
                    raise StoreUnavailableError(
                        f"s3://{self.bucket}/{key}: write conflicts"
                    ) from None
        raise AssertionError("unreachable")

    def _put_multipart(
        self, key: str, first: bytes, stream: BinaryIO, *, create_only: bool
    ) -> tuple[str, int]:
        with self._mapped_errors(key):
            upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        try:
            parts, size = self._upload_parts(key, upload_id, first, stream)
            extra: dict[str, Any] = {"IfNoneMatch": "*"} if create_only else {}
            for attempt in range(CONFLICT_RETRIES):
                try:
                    with self._mapped_errors(key, create_only=create_only):
                        response = self.client.complete_multipart_upload(
                            Bucket=self.bucket,
                            Key=key,
                            UploadId=upload_id,
                            MultipartUpload={"Parts": parts},
                            **extra,
                        )
                    return response["ETag"], size
                except _ConditionalConflict:
                    if attempt == CONFLICT_RETRIES - 1:
                        raise StoreUnavailableError(
                            f"s3://{self.bucket}/{key}: write conflicts"
                        ) from None
        except BaseException:
            with contextlib.suppress(ClientError, BotoCoreError):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise
        raise AssertionError("unreachable")

    def _upload_parts(
        self, key: str, upload_id: str, first: bytes, stream: BinaryIO
    ) -> tuple[_Parts, int]:
        parts: _Parts = []
        buffer = first
        size = 0
        number = 1
        while True:
            while len(buffer) < self.part_size:
                more = stream.read(self.part_size - len(buffer))
                if not more:
                    break
                buffer += more
            if not buffer:
                break
            body, buffer = buffer[: self.part_size], buffer[self.part_size :]
            with self._mapped_errors(key):
                response = self.client.upload_part(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
                )
            parts.append({"PartNumber": number, "ETag": response["ETag"]})
            size += len(body)
            number += 1
        return parts, size

    @contextlib.contextmanager
    def _mapped_errors(self, key: str, *, create_only: bool = False) -> Iterator[None]:
        try:
            yield
        except ClientError as exc:
            self._raise_mapped(exc, key, create_only=create_only)
        except BotoCoreError as exc:
            raise StoreUnavailableError(f"s3://{self.bucket}/{key}: {exc}") from exc

    def _raise_mapped(self, exc: ClientError, key: str, *, create_only: bool) -> NoReturn:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = _status(exc)
        where = f"s3://{self.bucket}/{key}"
        if code in _NOT_FOUND:
            raise BlobNotFoundError(key) from exc
        if code in _PRECONDITION and create_only:
            raise BlobExistsError(key) from exc
        if code == "ConditionalRequestConflict" and create_only:
            raise _ConditionalConflict(key) from exc
        if code in _UNAVAILABLE or status >= 500 or status == 429:
            raise StoreUnavailableError(
                f"{where}: {code or status} {error.get('Message', '')}"
            ) from exc
        raise StoreError(f"{where}: {code or status} {error.get('Message', '')}") from exc


class _ConditionalConflict(Exception):
    """Another conditional write to the same key was in flight: retry to learn the outcome."""


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


def _as_stream(data: BlobData) -> BinaryIO:
    if isinstance(data, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(data))
    return data
