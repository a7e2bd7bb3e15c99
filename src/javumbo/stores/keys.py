"""The rules every blob key follows, whatever the backend.

Keys look like S3 keys (``users/<id>/snapshots/12.anki2``). The local adapter turns them into
paths, so anything that could escape its folder is refused; S3 applies the same rules so both
adapters accept exactly the same keys.
"""

from __future__ import annotations


def validate_key(key: str) -> str:
    """Return ``key`` if it is a usable object key, else raise ``ValueError`` saying why."""
    if not isinstance(key, str) or not key:
        raise ValueError("blob key must be a non-empty string")
    _reject_unsafe_characters(key)
    if key.endswith("/"):
        raise ValueError(f"blob key must not end with '/': {key!r}")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise ValueError(f"blob key has an empty, '.' or '..' segment: {key!r}")
    return key


def validate_prefix(prefix: str) -> str:
    """A listing prefix: empty, or a key start that cannot escape (may end with '/')."""
    if not isinstance(prefix, str):
        raise ValueError("blob prefix must be a string")
    if not prefix:
        return prefix
    _reject_unsafe_characters(prefix)
    segments = prefix.split("/")
    if any(segment in (".", "..") for segment in segments):
        raise ValueError(f"blob prefix has a '.' or '..' segment: {prefix!r}")
    if any(segment == "" for segment in segments[:-1]):
        raise ValueError(f"blob prefix has an empty segment: {prefix!r}")
    return prefix


def _reject_unsafe_characters(text: str) -> None:
    if "\x00" in text:
        raise ValueError("blob key must not contain NUL")
    if "\\" in text:
        raise ValueError(f"blob key must not contain a backslash: {text!r}")
    if text.startswith("/"):
        raise ValueError(f"blob key must be relative: {text!r}")
