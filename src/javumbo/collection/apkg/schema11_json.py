"""Schema-11 JSON read and written with the rules of Anki's serde structs.

Anki reads the JSON of a schema-11 ``col`` row into Rust structs (``rslib/src/*/schema11.rs``):
a field is required, or has a default when missing, or (``default_on_invalid``) falls back to
its default when its value has the wrong type; integers must fit their Rust type; keys the
struct does not know are kept as ``other``. Reading the same JSON with the same rules tells us
what Anki would store for it, and refuses what Anki would refuse. Writing ``other`` back as
serde_json does (keys sorted, numbers laid out by the ryu crate) gives Anki's very bytes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any, TypeVar

from javumbo.collection.apkg import protobuf as pb

T = TypeVar("T")

I32 = (-(2**31), 2**31 - 1)
I64 = (-(2**63), 2**63 - 1)
U8 = (0, 2**8 - 1)
U16 = (0, 2**16 - 1)
U32 = (0, 2**32 - 1)
_RUST_INT = re.compile(r"[+-]?[0-9]+")
_MAP_KEY_ID = re.compile(r"-?[0-9]+")
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


class Invalid(Exception):
    """A value Anki's schema-11 reader would reject; the message says where."""


def parse_object(text: str) -> dict[str, Any]:
    """A JSON object as serde_json reads it (see ``parse_value``)."""
    value = parse_value(text)
    if not isinstance(value, dict):
        raise Invalid("is not a JSON object")
    return value


def parse_value(text: str) -> Any:
    """Any JSON value as serde_json reads it: no NaN/Infinity, no numbers beyond f64, integers
    beyond 64 bits as floats, no unpaired surrogate escapes."""
    try:
        value = json.loads(
            text, parse_constant=_reject_constant, parse_float=_json_float, parse_int=_json_int
        )
    except (ValueError, RecursionError) as exc:
        raise Invalid(f"is not valid JSON: {exc}") from exc
    if _ESCAPED_SURROGATE.search(text):
        _check_encodable(value)
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _json_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number out of range: {text}")
    return value


def _json_int(text: str) -> int | float:
    value = int(text)
    return value if -(2**63) <= value < 2**64 else _json_float(text)


def _check_encodable(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _check_encodable(key)
            _check_encodable(item)
    elif isinstance(value, list):
        for item in value:
            _check_encodable(item)
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Invalid(f"has the text {value[:40]!r} with an unpaired surrogate") from None


def map_id(key: str, where: str) -> int:
    """A JSON map key read as Anki's i64 id type."""
    if not _MAP_KEY_ID.fullmatch(key) or not I64[0] <= int(key) <= I64[1]:
        raise Invalid(f"{where} has the key {key!r}, which is not an id")
    return int(key)


# ----------------------------------------------------------------- writing


def to_bytes(value: Any) -> bytes:
    """JSON as serde_json writes a ``Value``: compact, keys sorted, UTF-8."""
    return _serde_json(value).encode("utf-8")


def other_bytes(other: dict[str, Any]) -> bytes:
    """A message's ``other`` field: nothing when no key is left over."""
    return to_bytes(other) if other else b""


def _serde_json(value: Any) -> str:
    if isinstance(value, dict):
        items = sorted(value.items())
        return "{" + ",".join(f"{_serde_json(k)}:{_serde_json(v)}" for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_serde_json(v) for v in value) + "]"
    if isinstance(value, float):
        return _serde_float(value)
    return json.dumps(value, ensure_ascii=False)


def _serde_float(value: float) -> str:
    """A float as serde_json prints it: the shortest digits, laid out as the ryu crate does
    (``1e-7``, ``0.00001``, ``1e16`` where Python writes ``1e-07``, ``1e-05``, ``1e+16``)."""
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    # value = 0.<digits> * 10**point
    point = int(exponent or 0) + len(whole) - (len(whole + fraction) - len(digits))
    digits = digits.rstrip("0")
    if not digits:
        return sign + "0.0"
    if len(digits) <= point <= 16:
        return sign + digits + "0" * (point - len(digits)) + ".0"
    if 0 < point <= 16:
        return sign + digits[:point] + "." + digits[point:]
    if -5 < point <= 0:
        return sign + "0." + "0" * -point + digits
    tail = "." + digits[1:] if len(digits) > 1 else ""
    return f"{sign}{digits[0]}{tail}e{point - 1}"


# ----------------------------------------------------------------- reading a struct


class Struct:
    """One JSON object read field by field with serde's rules: ``required`` fails when the key
    is missing or invalid, ``default`` only when invalid, ``lenient`` (``default_on_invalid``)
    never on an invalid value. Keys not asked for are the struct's ``other``."""

    def __init__(self, value: Any, where: str) -> None:
        if not isinstance(value, dict):
            raise Invalid(f"{where} is not a JSON object")
        self.data: dict[str, Any] = value
        self.where = where
        self.known: set[str] = set()

    def required(self, key: str, read: Callable[[Any], T]) -> T:
        self.known.add(key)
        if key not in self.data:
            raise Invalid(f"{self.where} lacks {key!r}")
        return self._read(key, read)

    def default(self, key: str, read: Callable[[Any], T], default: T) -> T:
        self.known.add(key)
        return self._read(key, read) if key in self.data else default

    def lenient(self, key: str, read: Callable[[Any], T], default: T, *, missing_ok: bool) -> T:
        self.known.add(key)
        if key not in self.data:
            if missing_ok:
                return default
            raise Invalid(f"{self.where} lacks {key!r}")
        try:
            return read(self.data[key])
        except Invalid:
            return default

    def optional(self, key: str, read: Callable[[Any], T]) -> T | None:
        """An ``Option<T>`` without attributes: missing or null is None."""
        self.known.add(key)
        value = self.data.get(key)
        return None if value is None else self._read(key, read)

    def ignore(self, *keys: str) -> None:
        """Keys the struct knows but does not keep."""
        self.known.update(keys)

    def other(self) -> dict[str, Any]:
        return {k: v for k, v in self.data.items() if k not in self.known}

    def _read(self, key: str, read: Callable[[Any], T]) -> T:
        try:
            return read(self.data[key])
        except Invalid as exc:
            raise Invalid(f"{self.where} has an invalid {key!r}: {exc}") from None


# ----------------------------------------------------------------- reading one value


def integer(bounds: tuple[int, int]) -> Callable[[Any], int]:
    """A Rust integer type: a JSON integer (not 1.0, not a bool) within ``bounds``."""

    def read(value: Any) -> int:
        if type(value) is not int or not bounds[0] <= value <= bounds[1]:
            raise Invalid(f"{value!r} is not an integer in {bounds}")
        return value

    return read


def number_or_string(bounds: tuple[int, int]) -> Callable[[Any], int]:
    """serde_aux's deserialize_number_from_string: an integer, or a string holding one."""
    as_int = integer(bounds)

    def read(value: Any) -> int:
        if isinstance(value, str) and _RUST_INT.fullmatch(value):
            return as_int(int(value))
        return as_int(value)

    return read


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{value!r} is not true or false")
    return value


def bool_from_anything(value: Any) -> bool:
    """serde_aux's deserialize_bool_from_anything: a bool, 0 or 1, or a string of one."""
    if isinstance(value, str):
        text = value.lower()
        if text in ("true", "false"):
            return text == "true"
        try:
            value = int(value) if _RUST_INT.fullmatch(value) else float(value)
        except ValueError:
            raise Invalid(f"{value!r} is not a boolean") from None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return value == 1
    raise Invalid(f"{value!r} is not a boolean")


def string(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(f"{value!r} is not a string")
    return value


def f32(value: Any) -> float:
    """A Rust ``f32``: any JSON number, rounded to single precision."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"{value!r} is not a number")
    return pb.to_float32(float(value))


def list_of(read: Callable[[Any], T]) -> Callable[[Any], list[T]]:
    def read_list(value: Any) -> list[T]:
        if not isinstance(value, list):
            raise Invalid(f"{value!r} is not a list")
        return [read(v) for v in value]

    return read_list


def nullable(read: Callable[[Any], T]) -> Callable[[Any], T | None]:
    """A Rust ``Option<T>``: null is None."""

    def read_option(value: Any) -> T | None:
        return None if value is None else read(value)

    return read_option


def one_of(*allowed: int) -> Callable[[Any], int]:
    """A serde_repr enum: one of the listed integers."""

    def read(value: Any) -> int:
        if type(value) is not int or value not in allowed:
            raise Invalid(f"{value!r} is not one of {allowed}")
        return value

    return read


def wrap_i32(value: int) -> int:
    """Rust's ``as i32`` from a wider integer."""
    return (value + 2**31) % 2**32 - 2**31
