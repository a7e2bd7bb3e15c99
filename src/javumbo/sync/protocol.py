"""The wire format of Anki's sync protocol version 11, as its client speaks it.

Every call is a ``POST`` whose body is zstd-compressed, with an ``anki-sync`` header holding
``{"v": <protocol>, "k": <host key>, "c": <client>, "s": <session>}``. Answers are
zstd-compressed too and carry ``anki-original-size`` (the client refuses an answer without it).
Errors are a bare status with a short text body: the client only looks at the status
(403 = wrong credentials, 501 = client too old, 409 = try again later, other 4xx/5xx shown).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import zstandard

SYNC_HEADER = "anki-sync"
ORIGINAL_SIZE_HEADER = "anki-original-size"
PROTOCOL_MIN = 8
PROTOCOL_MAX = 11
# Version 11 is the first one with zstd bodies and direct POSTs; older clients post multipart
# forms that this server does not speak.
PROTOCOL_ZSTD = 11
DEFAULT_MAX_BODY_BYTES = 300 * 1024 * 1024
_READ_CHUNK = 1 << 20


class SyncHttpError(Exception):
    """Answered as ``status`` with ``message`` as a plain-text body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message: str) -> SyncHttpError:
    return SyncHttpError(400, message)


@dataclass(frozen=True)
class SyncHeader:
    version: int
    host_key: str
    client: str
    session: str


def parse_sync_header(raw: str | None) -> SyncHeader:
    """The ``anki-sync`` header; a request without it is an old (multipart) client."""
    if raw is None:
        raise SyncHttpError(501, "this server speaks sync protocol 11 only; update Anki")
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise bad_request("bad anki-sync header") from exc
    if not isinstance(value, dict):
        raise bad_request("bad anki-sync header")
    version = value.get("v")
    if not isinstance(version, int) or isinstance(version, bool):
        raise bad_request("bad anki-sync header: no protocol version")
    if not PROTOCOL_MIN <= version <= PROTOCOL_MAX:
        raise bad_request(f"unsupported sync version: {version}")
    if version < PROTOCOL_ZSTD:
        raise SyncHttpError(501, "this server speaks sync protocol 11 only; update Anki")
    fields = [value.get(name, "") for name in ("k", "c", "s")]
    if not all(isinstance(f, str) for f in fields):
        raise bad_request("bad anki-sync header")
    return SyncHeader(version, fields[0], fields[1], fields[2])


def decode_body(body: bytes, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> bytes:
    """Decompress a request body, refusing more than ``max_bytes`` of output (zstd bombs)."""
    if not body:
        return b""
    reader = zstandard.ZstdDecompressor().stream_reader(body, read_across_frames=True)
    parts: list[bytes] = []
    total = 0
    try:
        while chunk := reader.read(_READ_CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise SyncHttpError(413, f"request body exceeds {max_bytes} bytes")
            parts.append(chunk)
    except zstandard.ZstdError as exc:
        raise bad_request("request body is not zstd-compressed") from exc
    return b"".join(parts)


def parse_json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request("request body is not JSON") from exc


def parse_object(data: bytes) -> dict[str, Any]:
    value = parse_json(data)
    if not isinstance(value, dict):
        raise bad_request("request body is not a JSON object")
    return value


_STREAM_ABOVE_BYTES = 1024 * 1024
_STREAM_CHUNK_BYTES = 256 * 1024


def encode_body(data: bytes) -> tuple[bytes | Iterator[bytes], dict[str, str]]:
    """The compressed answer and its headers. A large answer (a full download) is compressed
    as it is sent, so the client receives and decompresses while the rest is compressed."""
    headers = {ORIGINAL_SIZE_HEADER: str(len(data)), "Content-Type": "application/octet-stream"}
    if len(data) > _STREAM_ABOVE_BYTES:
        return _compressed_chunks(data), headers
    return zstandard.ZstdCompressor(level=1).compress(data), headers


def _compressed_chunks(data: bytes) -> Iterator[bytes]:
    compressor = zstandard.ZstdCompressor(level=1).compressobj()
    view = memoryview(data)
    for start in range(0, len(view), _STREAM_CHUNK_BYTES):
        piece = compressor.compress(view[start : start + _STREAM_CHUNK_BYTES])
        yield piece + compressor.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    yield compressor.flush()


def dump_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# ------------------------------------------------------------------ field readers


def get_int(obj: dict[str, Any], key: str, default: int | None = None) -> int:
    value = obj.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_request(f"{key!r} must be a number")
    return int(value)


def get_bool(obj: dict[str, Any], key: str, default: bool = False) -> bool:
    value = obj.get(key, default)
    if not isinstance(value, bool):
        raise bad_request(f"{key!r} must be true or false")
    return value


def get_list(obj: dict[str, Any], key: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request(f"{key!r} must be a list")
    return value


def int_list(values: list[Any], what: str) -> list[int]:
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | str):
            raise bad_request(f"{what} must be a list of ids")
        try:
            out.append(int(v))  # old AnkiMobile sends ids as strings
        except ValueError as exc:
            raise bad_request(f"{what} must be a list of ids") from exc
    return out
