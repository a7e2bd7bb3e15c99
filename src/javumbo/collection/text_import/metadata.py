"""What a text file says about its own import, and what the importer makes of it, following
Anki's ``rslib/src/import_export/text/csv/metadata.rs``.

A file may start with header lines (``#key:value``; the very first line may also be the old
``tags:…``): ``separator``, ``html``, ``tags``, ``columns``, ``notetype``, ``deck``,
``notetype column``, ``deck column``, ``tags column``, ``guid column``, ``match scope``,
``if matches``. What the file leaves open is guessed as Anki guesses it (separator from the
first rows, HTML if any previewed field looks like HTML, fields mapped to columns in order or by
column name), and what the user chose (``TextImportChoices``) overrides both.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from javumbo.collection import decks as deck_ops
from javumbo.collection import notetypes
from javumbo.collection.collection import Collection
from javumbo.collection.errors import ValidationError
from javumbo.collection.html_text import strip_html_media
from javumbo.collection.text_import.records import (
    Delimiter,
    delimiter_from_value,
    delimiter_named,
    iter_records,
    sniff_delimiter,
    split_single_line,
    without_legacy_tags_line,
)

PREVIEW_ROWS = 5
PREVIEW_FIELD_CHARS = 80
DUPE_RESOLUTIONS = ("update", "preserve", "duplicate")  # Anki: update / keep current / keep both
MATCH_SCOPES = ("notetype", "notetype_and_deck")
_DUPE_TEXT = {"update current": "update", "keep current": "preserve", "keep both": "duplicate"}
_SCOPE_TEXT = {"notetype": "notetype", "notetype + deck": "notetype_and_deck"}
_HTML = re.compile(
    r"<!--.*?-->|<style.*?>.*?</style>|<script.*?>.*?</script>|<.*?>", re.IGNORECASE | re.DOTALL
)
_INTEGER = re.compile(r"^[+-]?[0-9]+$")


@dataclass
class TextImportChoices:
    """What the user picked; ``None`` leaves it to the file, then to Anki's guess."""

    delimiter: str | None = None
    is_html: bool | None = None
    notetype_id: int | None = None
    deck_id: int | None = None
    field_columns: list[int] | None = None
    tags_column: int | None = None
    tags: list[str] = field(default_factory=list)
    updated_tags: list[str] = field(default_factory=list)  # added to notes the import updates
    dupe_resolution: str | None = None
    match_scope: str | None = None


@dataclass
class TextMetadata:
    """Everything the import needs to read the rows; columns are numbered from 1, 0 = none."""

    delimiter: Delimiter
    force_delimiter: bool = False
    is_html: bool = False
    force_is_html: bool = False
    global_tags: list[str] = field(default_factory=list)
    updated_tags: list[str] = field(default_factory=list)
    column_labels: list[str] = field(default_factory=list)
    deck_id: int | None = None
    deck_name: str | None = None  # a ``#deck:`` naming a deck not there yet: created
    deck_column: int = 0
    notetype_id: int | None = None
    notetype_column: int = 0
    field_columns: list[int] = field(default_factory=list)
    tags_column: int = 0
    guid_column: int = 0
    dupe_resolution: str = "update"
    match_scope: str = "notetype"
    preview: list[list[str]] = field(default_factory=list)

    def meta_columns(self) -> set[int]:
        return {c for c in (self.deck_column, self.notetype_column) if c} | {
            c for c in (self.tags_column, self.guid_column) if c
        }

    @property
    def column_count(self) -> int:
        return max([len(self.column_labels), *(len(row) for row in self.preview)])


def looks_like_html(text: str) -> bool:
    return _HTML.search(text) is not None


def parse_name_or_id(value: str) -> int | str:
    """Anki's ``NameOrId``: a number is an id (or a numeric name), anything else a name."""
    if _INTEGER.match(value):
        number = int(value)
        if -(2**63) <= number < 2**63:
            return number
    return value


def read_metadata(
    col: Collection, text: str, choices: TextImportChoices | None = None
) -> TextMetadata:
    """The file's header lines, Anki's guesses for the rest, then the user's choices."""
    chosen = choices or TextImportChoices()
    meta = TextMetadata(delimiter=delimiter_named("tab"))
    meta.dupe_resolution = _config_choice(col, "csvDuplicateResolution", DUPE_RESOLUTIONS)
    meta.match_scope = _config_choice(col, "matchScope", MATCH_SCOPES)
    body = _parse_header_lines(col, text, meta)
    if chosen.delimiter is not None:
        meta.delimiter = delimiter_named(chosen.delimiter)
    elif not meta.force_delimiter:
        meta.delimiter = sniff_delimiter(body)
    records = _preview_records(text, meta.delimiter.char)
    if not records:
        raise ValidationError("the file has no rows to import")
    if chosen.is_html is not None:
        meta.is_html = chosen.is_html
    elif not meta.force_is_html:
        meta.is_html = any(looks_like_html(value) for row in records for value in row)
    meta.preview = _preview(records, meta.is_html)
    if not meta.column_labels:
        meta.column_labels = [""] * len(meta.preview[0])
    _set_notetype_and_deck(col, meta, chosen)
    if meta.notetype_id is not None:
        _map_fields(col, meta)
    _apply_choices(col, meta, chosen)
    return meta


def _config_choice(col: Collection, key: str, names: tuple[str, ...]) -> str:
    value = col.conf.get(key, 0)
    return names[value] if isinstance(value, int) and 0 <= value < len(names) else names[0]


def _parse_header_lines(col: Collection, text: str, meta: TextMetadata) -> str:
    """Reads the header lines into ``meta``; returns the text after them."""
    pos = 0
    first = True
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end + 1
        line = text[pos:end]
        if first and line.startswith("tags:"):
            meta.global_tags = _strip_line_end(line[5:]).split()
        elif line.startswith("#"):
            key, colon, value = line[1:].partition(":")
            if colon:
                _header_value(col, key, _strip_line_end(value), meta)
        else:
            break
        first = False
        pos = end
    return text[pos:]


def _strip_line_end(value: str) -> str:
    return value.removesuffix("\n").removesuffix("\r")


def _trimmed(value: str) -> str:
    """A value cut after its first character at the first non-alphanumeric one: a header
    line exported as a row carries separators after its value (``#html:true,,``)."""
    for index in range(1, len(value)):
        if not value[index].isascii() or not value[index].isalnum():
            return value[:index]
    return value


def _header_value(col: Collection, key: str, value: str, meta: TextMetadata) -> None:
    trimmed = _trimmed(value)
    name = key.strip().lower()
    if name == "separator":
        delimiter = delimiter_from_value(trimmed)
        if delimiter is not None:
            meta.delimiter, meta.force_delimiter = delimiter, True
    elif name == "html":
        if trimmed.lower() in ("true", "false"):
            meta.is_html, meta.force_is_html = trimmed.lower() == "true", True
    elif name == "tags":
        meta.global_tags = value.split()
    elif name == "columns":
        meta.column_labels = split_single_line(value, meta.delimiter.char)
    elif name == "notetype":
        nt = notetype_by_name_or_id(col, parse_name_or_id(value))
        if nt is not None:
            meta.notetype_id, meta.notetype_column = int(nt["id"]), 0
    elif name == "deck":
        did = deck_id_by_name_or_id(col, parse_name_or_id(value))
        meta.deck_column = 0
        if did is not None:
            meta.deck_id, meta.deck_name = did, None
        elif value:
            meta.deck_id, meta.deck_name = None, value
    elif name in ("notetype column", "deck column", "tags column", "guid column"):
        number = _column_number(trimmed)
        if number is None:
            return
        if name == "notetype column":
            meta.notetype_column, meta.notetype_id = number, None
        elif name == "deck column":
            meta.deck_column, meta.deck_id, meta.deck_name = number, None, None
        elif name == "tags column":
            meta.tags_column = number
        else:
            meta.guid_column = number
    elif name == "match scope" and value in _SCOPE_TEXT:
        meta.match_scope = _SCOPE_TEXT[value]
    elif name == "if matches" and value in _DUPE_TEXT:
        meta.dupe_resolution = _DUPE_TEXT[value]


def _column_number(value: str) -> int | None:
    text = value.strip()
    return int(text) if text.isascii() and text.isdigit() and int(text) < 2**32 else None


def notetype_by_name_or_id(col: Collection, key: int | str) -> notetypes.NotetypeDict | None:
    if isinstance(key, int):
        found = col.models.get(str(key))
        if found is not None:
            return dict(found)
        key = str(key)
    wanted = unicodedata.normalize("NFC", key).lower()
    for nt in col.models.values():
        if str(nt["name"]).lower() == wanted:
            return dict(nt)
    return None


def deck_id_by_name_or_id(col: Collection, key: int | str) -> int | None:
    """A normal (not filtered) deck's id, by id or by name regardless of case."""
    if isinstance(key, int):
        deck = col.decks.get(str(key))
        if deck is not None and not deck.get("dyn"):
            return key
        key = str(key)
    found = deck_ops.deck_by_name(col, key) if key.strip() else None
    return int(found["id"]) if found is not None and not found.get("dyn") else None


def _preview_records(text: str, delimiter: str) -> list[list[str]]:
    records = []
    for record in iter_records(without_legacy_tags_line(text), delimiter):
        records.append(record)
        if len(records) == PREVIEW_ROWS:
            break
    return records


def _preview(records: list[list[str]], is_html: bool) -> list[list[str]]:
    rows: list[list[str]] = []
    width = 1
    for index, record in enumerate(records):
        values = record + [""] * (width - len(record))
        if is_html:
            values = [" ".join(strip_html_media(v).split()) for v in values]
        rows.append([v[:PREVIEW_FIELD_CHARS] for v in values])
        if index == 0:
            width = len(values)
    return rows


def _set_notetype_and_deck(col: Collection, meta: TextMetadata, chosen: TextImportChoices) -> None:
    """The user's pick, else the file's, else where Anki's Add screen would put a note."""
    if chosen.notetype_id is not None:
        if notetype_by_name_or_id(col, chosen.notetype_id) is None:
            raise ValidationError(f"no note type with id {chosen.notetype_id}")
        meta.notetype_id, meta.notetype_column = chosen.notetype_id, 0
    elif meta.notetype_id is None and not meta.notetype_column:
        meta.notetype_id = _default_notetype_id(col)
    if chosen.deck_id is not None:
        if deck_id_by_name_or_id(col, chosen.deck_id) != chosen.deck_id:
            raise ValidationError(f"no normal deck with id {chosen.deck_id}")
        meta.deck_id, meta.deck_name, meta.deck_column = chosen.deck_id, None, 0
    elif meta.deck_id is None and meta.deck_name is None and not meta.deck_column:
        current = col.conf.get("curDeck", 1)
        meta.deck_id = deck_id_by_name_or_id(col, int(current)) if isinstance(current, int) else 1
        meta.deck_id = meta.deck_id or 1


def _default_notetype_id(col: Collection) -> int:
    current = col.conf.get("curModel")
    if current is not None and str(current) in col.models:
        return int(current)
    names = sorted(col.models.values(), key=lambda nt: str(nt["name"]).lower())
    if not names:
        raise ValidationError("the collection has no note types")
    return int(names[0]["id"])


def _map_fields(col: Collection, meta: TextMetadata) -> None:
    """Anki's first mapping: by column name when the file names its columns, else in order,
    skipping the columns that hold the deck, note type, tags or guid."""
    assert meta.notetype_id is not None
    nt = notetypes.get_notetype(col, meta.notetype_id)
    names = notetypes.field_names(nt)
    meta_columns = meta.meta_columns()
    columns = [0] * len(names)
    columns[0] = 1
    count = len(meta.column_labels)
    free = [i for i in range(1, count + 1) if i not in meta_columns]
    if all(label == "" for label in meta.column_labels):
        for index, column in zip(range(len(names)), free, strict=False):
            columns[index] = column
    else:
        by_label = {}
        for index, label in enumerate(meta.column_labels, start=1):
            if index not in meta_columns:
                by_label[label] = index
        for index, name in enumerate(names):
            if name in by_label:
                columns[index] = by_label[name]
    if columns[0] == 0:
        if not free:
            raise ValidationError("the file has no column left for the note's fields")
        columns[0] = free[0]
    meta.field_columns = columns
    if meta.tags_column == 0:
        highest = max(columns, default=0)
        for index in range(highest + 1, count + 1):
            if index not in meta_columns:
                meta.tags_column = index
                break


def _apply_choices(col: Collection, meta: TextMetadata, chosen: TextImportChoices) -> None:
    count = meta.column_count
    if chosen.tags_column is not None:
        _check_column(chosen.tags_column, count, "tags column")
        meta.tags_column = chosen.tags_column
    if chosen.field_columns is not None:
        if meta.notetype_id is None:
            raise ValidationError("a field mapping needs a note type, not a note type column")
        names = notetypes.field_names(notetypes.get_notetype(col, meta.notetype_id))
        if len(chosen.field_columns) != len(names):
            raise ValidationError(
                f"the field mapping has {len(chosen.field_columns)} entries; the note type has"
                f" {len(names)} fields ({', '.join(names)})"
            )
        for column in chosen.field_columns:
            _check_column(column, count, "field column")
        if chosen.field_columns[0] == 0:
            raise ValidationError(f"the first field ({names[0]}) must come from a column")
        meta.field_columns = list(chosen.field_columns)
    meta.global_tags = meta.global_tags + list(chosen.tags)
    meta.updated_tags = list(chosen.updated_tags)
    if chosen.dupe_resolution is not None:
        if chosen.dupe_resolution not in DUPE_RESOLUTIONS:
            raise ValidationError(f"unknown duplicate handling {chosen.dupe_resolution!r}")
        meta.dupe_resolution = chosen.dupe_resolution
    if chosen.match_scope is not None:
        if chosen.match_scope not in MATCH_SCOPES:
            raise ValidationError(f"unknown match scope {chosen.match_scope!r}")
        meta.match_scope = chosen.match_scope


def _check_column(column: int, count: int, what: str) -> None:
    if not 0 <= column <= count:
        raise ValidationError(f"{what} {column} is outside the file's {count} columns")
