"""The wire format of Anki's sync protocol version 11, as its client speaks it.

Every call is a ``POST`` whose body is zstd-compressed, with an ``anki-sync`` header holding
``{"v": <protocol>, "k": <host key>, "c": <client>, "s": <session>}``. Answers are
zstd-compressed too and carry ``anki-original-size`` (the client refuses an answer without it).
Errors are a bare status with a short text body: the client only looks at the status
(403 = wrong credentials, 501 = client too old, 409 = try again later, other 4xx/5xx shown).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
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
MAX_HEADER_CHARS = 2048
MAX_JSON_DEPTH = 64
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


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
    """The ``anki-sync`` header; a request without it is an old (multipart) client. Read before
    the body, with the body's strict JSON rules and a length cap."""
    if raw is None:
        raise SyncHttpError(501, "this server speaks sync protocol 11 only; update Anki")
    if len(raw) > MAX_HEADER_CHARS:
        raise bad_request("bad anki-sync header: too long")
    try:
        value = parse_json(raw.encode("latin-1", "replace"))
    except SyncHttpError as exc:
        raise bad_request(f"bad anki-sync header: {exc.message}") from exc
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


def parse_json(data: bytes) -> Any:
    """JSON as the API reads it (``javumbo.api.json_body``), and a little stricter: no
    ``NaN``/``Infinity`` (nor a number too big for a float, ``1e400``), integers within signed
    64 bits (SQLite's), no lone UTF-16 surrogate, at most ``MAX_JSON_DEPTH`` levels. Anything
    else is a 400, never an error deeper down."""
    try:
        value = json.loads(
            data, parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_int64
        )
    except RecursionError as exc:
        raise bad_request("request body is not JSON: it is nested too deeply") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"request body is not JSON: {exc}") from exc
    _check_structure(value, may_hold_surrogates=_SURROGATE_ESCAPE.search(data) is not None)
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is too large a number")
    return value


def _int64(text: str) -> int:
    value = int(text) if len(text) <= 20 else INT64_MAX + 1
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError(f"{text[:40]} is outside signed 64-bit integers")
    return value


# A ``\uD800``-``\uDFFF`` escape, the only way JSON text can carry a lone surrogate (UTF-8 input
# cannot): when there is none, no string needs checking.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _check_structure(value: Any, *, may_hold_surrogates: bool) -> None:
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
            if may_hold_surrogates:
                children = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            if may_hold_surrogates and isinstance(item, str):
                _check_text(item)
            continue
        if depth >= MAX_JSON_DEPTH:
            raise bad_request(f"request body is nested deeper than {MAX_JSON_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise bad_request(
            "request body holds a lone UTF-16 surrogate escape (\\ud800-\\udfff)"
        ) from exc


def check_int64(value: int, what: str) -> int:
    if not INT64_MIN <= value <= INT64_MAX:
        raise bad_request(f"{what} is outside signed 64-bit integers")
    return value


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
    return check_int64(int(value), repr(key))


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
            number = int(v) if not isinstance(v, str) or len(v) <= 20 else INT64_MAX + 1
        except ValueError as exc:  # old AnkiMobile sends ids as strings
            raise bad_request(f"{what} must be a list of ids") from exc
        out.append(check_int64(number, what))
    return out
