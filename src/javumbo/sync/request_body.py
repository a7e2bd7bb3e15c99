"""Reading a sync request's body without trusting it.

Anyone can post to ``/sync/hostKey``, and a zstd body of a few KB can expand to hundreds of MB.
So every body is read as a stream with two caps known before the first byte: what may arrive on
the wire and what it may expand to, both chosen per method (``BodyLimit``): a few KB for the
login and the small calls, more for the JSON calls of a sync in progress, and the large limits
only for a full upload or a media zip of a user whose host key was already checked. Expanding is
also held to the package importer's compression-ratio rule (small outputs are free, beyond
``ratio_floor`` each byte read may yield at most ``max_ratio`` bytes), so a bomb is cut off after
at most ``ratio_floor`` bytes whatever the method's cap. Large bodies go to a file, never to
memory as a whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, cast

import zstandard

from javumbo.collection.apkg.package import DEFAULT_LIMITS
from javumbo.sync.protocol import SyncHttpError, bad_request

KIB = 1024
MIB = 1024 * KIB
_CHUNK = 256 * KIB
_WIRE_MARGIN = KIB  # a zstd frame of incompressible data is a few bytes longer than its input


@dataclass(frozen=True)
class BodyLimit:
    """At most ``output`` bytes once decompressed (and about as many on the wire)."""

    output: int

    @property
    def wire(self) -> int:
        return self.output + _WIRE_MARGIN


LOGIN_LIMIT = BodyLimit(8 * KIB)  # {"u": ..., "p": ...}: a password of up to 1024 characters
SMALL_LIMIT = BodyLimit(16 * KIB)  # meta, chunk, sanityCheck2, finish, media begin/changes...
FILE_LIST_LIMIT = BodyLimit(64 * KIB)  # downloadFiles: up to 100 names of up to 255 bytes


@dataclass(frozen=True)
class RatioRule:
    max_ratio: int = DEFAULT_LIMITS.max_ratio
    floor: int = DEFAULT_LIMITS.ratio_floor


def check_declared_length(content_length: int | None, limit: BodyLimit) -> None:
    """Refuse a body announced too large before reading any of it."""
    if content_length is not None and content_length > limit.wire:
        raise SyncHttpError(413, f"request body exceeds {limit.wire} bytes")


def read_body(source: IO[bytes], limit: BodyLimit, rule: RatioRule | None = None) -> bytes:
    """The decompressed body, in memory (for the JSON calls; ``limit`` keeps it small)."""
    parts: list[bytes] = []
    decompress(source, limit, parts.append, rule)
    return b"".join(parts)


def read_body_into(
    source: IO[bytes], limit: BodyLimit, out: IO[bytes], rule: RatioRule | None = None
) -> int:
    """Decompress the body into ``out`` (a file) as it arrives; returns its size."""
    return decompress(source, limit, out.write, rule)


def decompress(
    source: IO[bytes],
    limit: BodyLimit,
    sink: Callable[[bytes], object],
    rule: RatioRule | None = None,
) -> int:
    rule = rule or RatioRule()
    wire = _WireReader(source, limit.wire)
    reader = zstandard.ZstdDecompressor().stream_reader(
        cast("IO[bytes]", wire), read_size=64 * KIB, read_across_frames=True
    )
    total = 0
    try:
        while chunk := reader.read(_CHUNK):
            total += len(chunk)
            if total > limit.output:
                raise SyncHttpError(413, f"request body expands to more than {limit.output} bytes")
            if total > rule.floor and total > rule.max_ratio * wire.count:
                raise SyncHttpError(
                    413, f"request body is compressed more than {rule.max_ratio} to 1"
                )
            sink(chunk)
    except zstandard.ZstdError as exc:
        if wire.count == 0:
            return 0
        raise bad_request("request body is not zstd-compressed") from exc
    return total


class _WireReader:
    """The request stream, counted and capped (a body sent without a length is cut off too)."""

    def __init__(self, raw: IO[bytes], cap: int) -> None:
        self.raw = raw
        self.cap = cap
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        if size < 0 or size > _CHUNK:
            size = _CHUNK
        data = self.raw.read(min(size, self.cap + 1 - self.count))
        self.count += len(data)
        if self.count > self.cap:
            raise SyncHttpError(413, f"request body exceeds {self.cap} bytes")
        return data
