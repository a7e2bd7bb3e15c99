"""Proto3 scalars read as Anki's Rust reads them, and each message's ``other`` keys.

Scalars are decoded as prost decodes them (a ``uint32`` keeps the low 32 bits of its varint, an
``int32`` or enum wraps) and cast as Rust's ``as`` casts (``u32 as u16`` wraps, ``f32 as u32``
saturates); an f32 prints as its shortest decimal, a non-finite one as ``null``. Every message
Anki stores keeps the JSON of the keys it does not model in an ``other`` field (number 255).
"""

from __future__ import annotations

import math
from collections.abc import Container
from typing import Any

from javumbo.collection.apkg import protobuf as pb
from javumbo.collection.apkg import schema11_json as sj

OTHER = 255  # the ``other`` field of every message that has one
U32_MAX = 2**32 - 1


def u32(fields: pb.Fields, number: int) -> int:
    return pb.get_int(fields, number) & U32_MAX


def i32(fields: pb.Fields, number: int) -> int:
    return sj.wrap_i32(pb.get_int(fields, number))


def f32(fields: pb.Fields, number: int) -> float:
    """The field's exact single-precision value (0.0 when absent), for arithmetic."""
    return pb.to_float32(pb.get_float(fields, number))


def json_float(value: float) -> float | None:
    """An f32 as serde_json prints it: shortest digits, ``null`` when not finite."""
    return pb.shortest_float32(value) if math.isfinite(value) else None


def json_floats(fields: pb.Fields, number: int) -> list[float | None]:
    return [json_float(v) for v in pb.get_floats(fields, number)]


def f32_as_u32(value: float) -> int:
    """Rust's saturating ``as u32`` of an f32."""
    if math.isnan(value) or value <= 0:
        return 0
    return U32_MAX if value >= 2**32 else int(value)


def uint_list(fields: pb.Fields, number: int) -> list[int]:
    """A ``repeated uint32``, packed or not."""
    out: list[int] = []
    for value in fields.get(number, []):
        if isinstance(value, int):
            out.append(value & U32_MAX)
        else:
            pos = 0
            while pos < len(value):
                item, pos = pb.read_varint(value, pos)
                out.append(item & U32_MAX)
    return out


def other(fields: pb.Fields) -> dict[str, Any]:
    """The message's ``other`` keys, read as serde_json reads them into a map; anything that is
    not a JSON object reads as no keys at all."""
    raw = pb.get_bytes(fields, OTHER)
    if not raw:
        return {}
    try:
        return sj.parse_object(raw.decode("utf-8"))
    except (UnicodeDecodeError, sj.Invalid):
        return {}


def unreserved(other_keys: Any, reserved: Container[str]) -> dict[str, Any]:
    """The keys of ``other_keys`` (an object, else none) that the struct does not reserve."""
    if not isinstance(other_keys, dict):
        return {}
    return {key: value for key, value in other_keys.items() if key not in reserved}


def other_field(keys: dict[str, Any]) -> bytes:
    """The ``other`` field holding ``keys`` (nothing when there are none)."""
    return pb.implicit_bytes(OTHER, sj.other_bytes(keys))


def present_varint(number: int, value: int | None) -> bytes:
    """An ``optional`` integer field: written whenever set, even to 0."""
    return b"" if value is None else pb.varint_field(number, value)


def present_message(number: int, value: bytes | None) -> bytes:
    """An ``optional`` message field: written whenever set."""
    return b"" if value is None else pb.bytes_field(number, value)
