"""A tiny protobuf wire-format reader and writer.

Anki's current package layout keeps note types, decks, deck options and the media map as
protobuf messages. We need only a handful of fields from them, so a general protobuf runtime
(and generated code for Anki's ``.proto`` files) would be weight without benefit: this reads a
message into ``{field_number: [values]}`` and writes one back.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable
from decimal import Decimal

from javumbo.collection.apkg.errors import PackageError

VARINT = 0
FIXED64 = 1
LENGTH = 2
FIXED32 = 5

Fields = dict[int, list[int | bytes]]


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise PackageError("a protobuf message in the package is truncated or malformed")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def decode(data: bytes) -> Fields:
    """Every field of one message; varints and fixed-width values as ints, the rest as bytes."""
    fields: Fields = {}
    pos = 0
    while pos < len(data):
        key, pos = read_varint(data, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == VARINT:
            value, pos = read_varint(data, pos)
        elif wire == FIXED64:
            value, pos = int.from_bytes(data[pos : pos + 8], "little"), pos + 8
        elif wire == FIXED32:
            value, pos = int.from_bytes(data[pos : pos + 4], "little"), pos + 4
        elif wire == LENGTH:
            size, pos = read_varint(data, pos)
            value, pos = data[pos : pos + size], pos + size
        else:
            raise PackageError(f"a protobuf message in the package uses wire type {wire}")
        if pos > len(data) or number == 0:
            raise PackageError("a protobuf message in the package is truncated or malformed")
        fields.setdefault(number, []).append(value)
    return fields


# ----------------------------------------------------------------- typed getters


def get_int(fields: Fields, number: int, default: int = 0) -> int:
    """A varint field (the last one wins, as in protobuf)."""
    values = fields.get(number)
    if not values or not isinstance(values[-1], int):
        return default
    return values[-1]


def get_sint(fields: Fields, number: int, default: int = 0) -> int:
    """A signed varint: ``int32``/``int64`` in two's complement."""
    value = get_int(fields, number, default)
    return value - (1 << 64) if value >= 1 << 63 else value


def get_bool(fields: Fields, number: int) -> bool:
    return get_int(fields, number) != 0


def get_bytes(fields: Fields, number: int) -> bytes:
    values = fields.get(number)
    if not values or not isinstance(values[-1], bytes):
        return b""
    return values[-1]


def get_str(fields: Fields, number: int) -> str:
    try:
        return get_bytes(fields, number).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PackageError("a protobuf text field in the package is not UTF-8") from exc


def get_float(fields: Fields, number: int, default: float = 0.0) -> float:
    """A ``float`` field as Anki's JSON shows it (``shortest_float32``)."""
    values = fields.get(number)
    if not values or not isinstance(values[-1], int):
        return default
    return _float32_from_bits(values[-1])


def get_floats(fields: Fields, number: int) -> list[float]:
    """A ``repeated float``, packed (one length-delimited run) or not, as in ``get_float``."""
    out: list[float] = []
    for value in fields.get(number, []):
        if isinstance(value, bytes):
            run = struct.unpack(f"<{len(value) // 4}f", value[: len(value) // 4 * 4])
            out += [shortest_float32(v) for v in run]
        else:
            out.append(_float32_from_bits(value))
    return out


def _float32_from_bits(bits: int) -> float:
    # a value that came as a varint or fixed64 keeps its low 32 bits instead of overflowing
    value: float = struct.unpack("<f", (bits & 0xFFFFFFFF).to_bytes(4, "little"))[0]
    return shortest_float32(value)


def get_messages(fields: Fields, number: int) -> list[Fields]:
    return [decode(v) for v in fields.get(number, []) if isinstance(v, bytes)]


def get_message(fields: Fields, number: int) -> Fields:
    messages = get_messages(fields, number)
    return messages[-1] if messages else {}


# ----------------------------------------------------------------- writing


def _varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def varint_field(number: int, value: int) -> bytes:
    return _varint(number << 3 | VARINT) + _varint(value)


def bytes_field(number: int, value: bytes) -> bytes:
    return _varint(number << 3 | LENGTH) + _varint(len(value)) + value


def message(parts: Iterable[bytes]) -> bytes:
    return b"".join(parts)


# ----------------------------------------------------------------- writing proto3 messages
#
# In proto3 a scalar field without explicit presence is left out when it holds its default
# (0, false, "", no bytes), and a repeated number is written "packed" as one length-delimited
# run. Writing fields in tag order, as Anki's encoder (prost) does, gives the same bytes as Anki.


def to_float32(value: float) -> float:
    """``value`` rounded to the nearest single-precision float, as Rust's ``as f32`` does
    (values beyond the f32 range become infinite)."""
    try:
        rounded: float = struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)
    return rounded


def shortest_float32(value: float) -> float:
    """The single-precision ``value`` as the shortest decimal that reads back as the same f32:
    how Rust (and so serde_json, and so Anki's JSON) prints an f32, e.g. 0.1 where the f32 is
    0.10000000149011612. Of two equally short candidates the nearer wins; infinities and NaN
    are returned as they are."""
    if not math.isfinite(value) or value == 0:
        return value
    exact = Decimal(value)
    for digits in range(1, 10):
        nearest = Decimal(f"{value:.{digits - 1}e}")
        step = Decimal(1).scaleb(nearest.adjusted() - digits + 1)
        fits = [c for c in (nearest, nearest - step, nearest + step) if _reads_as(c, value)]
        if fits:
            return float(min(fits, key=lambda c: abs(c - exact)))
    return value


def _reads_as(candidate: Decimal, value: float) -> bool:
    return to_float32(float(candidate)) == value


def float_field(number: int, value: float) -> bytes:
    """A ``float`` (32-bit) field."""
    return _varint(number << 3 | FIXED32) + struct.pack("<f", to_float32(value))


def implicit_varint(number: int, value: int) -> bytes:
    """An integer, bool or enum field without explicit presence: nothing when 0."""
    return varint_field(number, value) if value else b""


def implicit_bytes(number: int, value: bytes) -> bytes:
    """A string or bytes field without explicit presence: nothing when empty."""
    return bytes_field(number, value) if value else b""


def implicit_str(number: int, value: str) -> bytes:
    return implicit_bytes(number, value.encode("utf-8"))


def implicit_float(number: int, value: float) -> bytes:
    """A ``float`` field without explicit presence: nothing when 0 (or -0)."""
    return float_field(number, value) if value != 0 else b""


def packed_floats(number: int, values: Iterable[float]) -> bytes:
    """A ``repeated float``: nothing when empty."""
    run = b"".join(struct.pack("<f", to_float32(v)) for v in values)
    return bytes_field(number, run) if run else b""


def packed_varints(number: int, values: Iterable[int]) -> bytes:
    """A ``repeated`` integer field: nothing when empty."""
    run = b"".join(_varint(v) for v in values)
    return bytes_field(number, run) if run else b""
