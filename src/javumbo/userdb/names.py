"""Where a user's things live: object keys in the blob store and folders in the instance cache.

Keys are built from user ids and file names, so both must be one safe path segment.
"""

from __future__ import annotations

import re

from javumbo.userdb.errors import InvalidNameError

_SNAPSHOT_NAME = re.compile(r"^(\d{12})\.anki2(\.zst)?$")
_MAX_NAME_BYTES = 255


def check_segment(value: str, what: str) -> str:
    """``value`` if it is usable as one key/path segment, else ``InvalidNameError``."""
    if not isinstance(value, str) or not value or value in (".", ".."):
        raise InvalidNameError(f"{what} must be a non-empty name")
    if any(ch in value for ch in "/\\\x00") or len(value.encode("utf-8")) > _MAX_NAME_BYTES:
        raise InvalidNameError(f"{what} {value!r} cannot contain '/', '\\' or NUL")
    return value


def user_prefix(user_id: str) -> str:
    return f"users/{check_segment(user_id, 'user id')}/"


def snapshots_prefix(user_id: str) -> str:
    return user_prefix(user_id) + "snapshots/"


def snapshot_key(user_id: str, seq: int, *, compressed: bool) -> str:
    """Immutable key of the snapshot containing every journal entry up to ``seq``."""
    return f"{snapshots_prefix(user_id)}{seq:012d}.anki2{'.zst' if compressed else ''}"


def snapshot_seq_of(key: str) -> int | None:
    """The sequence number encoded in a snapshot key, or None for anything else."""
    match = _SNAPSHOT_NAME.match(key.rsplit("/", 1)[-1])
    return int(match.group(1)) if match else None


def is_compressed_snapshot(key: str) -> bool:
    return key.endswith(".zst")


def spill_prefix(user_id: str) -> str:
    return user_prefix(user_id) + "spill/"


def spill_key(user_id: str, seq: int, token: str) -> str:
    """Where a change too large for one journal entry is parked (seq first, so a flush can
    delete every spill it covers by listing)."""
    return f"{spill_prefix(user_id)}{seq:012d}-{token}"


def spill_seq_of(key: str) -> int | None:
    name = key.rsplit("/", 1)[-1]
    head = name.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def media_prefix(user_id: str) -> str:
    return user_prefix(user_id) + "media/"


def replaced_prefix(user_id: str) -> str:
    return user_prefix(user_id) + "replaced/"


def replaced_key(user_id: str, base_seq: int, token: str, *, compressed: bool) -> str:
    """Where a whole replacement collection is uploaded. ``base_seq`` is the head seq seen before
    the upload: the marker naming it is always appended after it, so a flush that holds the
    flush lease may delete every replacement whose base_seq is below its own snapshot's seq."""
    suffix = ".anki2.zst" if compressed else ".anki2"
    return f"{replaced_prefix(user_id)}{base_seq:012d}-{check_segment(token, 'token')}{suffix}"


def replaced_base_seq_of(key: str) -> int | None:
    return spill_seq_of(key)


_DELTA_NAME = re.compile(r"^(\d{12})-[0-9a-f]+\.delta$")


def deltas_prefix(user_id: str) -> str:
    return user_prefix(user_id) + "deltas/"


def delta_key(user_id: str, seq: int, token: str) -> str:
    """Immutable key of a page-level delta containing every journal entry up to ``seq``."""
    return f"{deltas_prefix(user_id)}{seq:012d}-{check_segment(token, 'token')}.delta"


def delta_seq_of(key: str) -> int | None:
    match = _DELTA_NAME.match(key.rsplit("/", 1)[-1])
    return int(match.group(1)) if match else None


def is_delta(key: str | None) -> bool:
    return key is not None and delta_seq_of(key) is not None and "/deltas/" in key
