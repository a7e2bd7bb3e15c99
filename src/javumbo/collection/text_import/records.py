"""Splitting a text file into records the way Anki's CSV reader does (the Rust ``csv`` crate
as Anki configures it: no header row, rows of any length, ``#`` at the start of a record makes
it a comment, a blank line is no record, ``"`` quotes a field and ``""`` inside quotes is one
quote, a line ends at ``\\n``, ``\\r\\n`` or ``\\r``).

The separators Anki knows, in the order it tries them when the file names none: the first of
them found in the first 8 KiB after the header lines wins, else a space.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass

from javumbo.collection.errors import ValidationError

UTF8_BOM = "\ufeff"
SNIFF_BYTES = 8 * 1024


@dataclass(frozen=True)
class Delimiter:
    name: str
    char: str


DELIMITERS = (
    Delimiter("tab", "\t"),
    Delimiter("pipe", "|"),
    Delimiter("semicolon", ";"),
    Delimiter("colon", ":"),
    Delimiter("comma", ","),
    Delimiter("space", " "),
)
DELIMITER_NAMES = tuple(d.name for d in DELIMITERS)
SPACE = DELIMITERS[-1]


def delimiter_named(name: str) -> Delimiter:
    for delimiter in DELIMITERS:
        if delimiter.name == name:
            return delimiter
    raise ValidationError(f"unknown separator {name!r} (one of: {', '.join(DELIMITER_NAMES)})")


def delimiter_from_value(value: str) -> Delimiter | None:
    """A ``#separator:`` value: a name (``comma``, ``Tab``…) or the character itself."""
    normed = value.lower()
    for delimiter in DELIMITERS:
        if normed.strip() == delimiter.name or normed == delimiter.char:
            return delimiter
    return None


def sniff_delimiter(body: str) -> Delimiter:
    """Anki's guess: the first known separator present near the start of the rows."""
    sample = body.encode("utf-8")[:SNIFF_BYTES]
    for delimiter in DELIMITERS:
        if delimiter.char.encode() in sample:
            return delimiter
    return SPACE


def without_legacy_tags_line(text: str) -> str:
    """Files of old Anki versions may start with ``tags:…`` (global tags): not a row."""
    if text.startswith("tags:"):
        end = text.find("\n")
        return "" if end < 0 else text[end + 1 :]
    return text


def iter_records(text: str, delimiter: str) -> Iterator[list[str]]:
    """The records of ``text`` (the file without its legacy ``tags:`` line)."""
    length = len(text)
    pos = 0
    while pos < length:
        ch = text[pos]
        if ch in "\r\n":  # blank line
            pos += 1
            continue
        if ch == "#":  # comment: up to the end of the line
            while pos < length and text[pos] not in "\r\n":
                pos += 1
            continue
        record, pos = _read_record(text, pos, delimiter)
        yield record


def _read_record(text: str, pos: int, delimiter: str) -> tuple[list[str], int]:
    length = len(text)
    fields: list[str] = []
    field: list[str] = []
    while True:
        if pos < length and text[pos] == '"':
            pos += 1
            while pos < length:
                ch = text[pos]
                if ch == '"':
                    if pos + 1 < length and text[pos + 1] == '"':
                        field.append('"')
                        pos += 2
                        continue
                    pos += 1
                    break
                field.append(ch)
                pos += 1
        while pos < length and text[pos] not in "\r\n" and text[pos] != delimiter:
            field.append(text[pos])
            pos += 1
        fields.append("".join(field))
        field = []
        if pos < length and text[pos] == delimiter:
            pos += 1
            continue
        if pos < length and text[pos] == "\r" and pos + 1 < length and text[pos + 1] == "\n":
            pos += 1
        return fields, pos + 1


def split_single_line(line: str, delimiter: str) -> list[str]:
    """A ``#columns:`` value split like a row."""
    record, _ = _read_record(line, 0, delimiter)
    return record


def decode_text(data: bytes, *, complete: bool = True) -> str:
    """The file as text: UTF-8 (Anki reads nothing else), its byte-order mark dropped. With
    ``complete=False`` ``data`` is the file's beginning: a character cut at its end is left
    out, and a last line cut short is dropped (only whole rows are previewed or checked)."""
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(data, final=complete)
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"the file is not UTF-8 text (byte {exc.start}); save it as UTF-8 and retry"
        ) from exc
    if not complete and "\n" in text:
        text = text[: text.rfind("\n") + 1]
    if "\x00" in text:
        raise ValidationError("the file contains NUL characters: it is not a text file")
    return text.removeprefix(UTF8_BOM)
