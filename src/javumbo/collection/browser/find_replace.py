"""Find and replace in notes, as Anki's ``find_and_replace``: a literal or a regular expression
(Rust regex syntax, ``$1``/``${name}`` in the replacement), case-insensitive unless asked,
in every field or in the fields of one name; changed notes are saved with their sort field,
checksum and modification time, and get the cards new content calls for.

The user's expression runs with a time limit (the ``regex`` module's ``timeout``): a
pattern that backtracks without end stops with a clear error instead of holding the server.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import regex

from javumbo.collection import notetypes
from javumbo.collection.cards import generate_cards
from javumbo.collection.collection import Collection
from javumbo.collection.errors import ValidationError
from javumbo.collection.notes import (
    FIELD_SEPARATOR,
    field_checksum,
    get_note,
    sort_field_value,
)
from javumbo.collection.search.sql_writer import ids_json
from javumbo.collection.undo import undoable

REGEX_SECONDS = 2.0
UNDO_LABEL = "Find and Replace"
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def find_and_replace(
    col: Collection,
    note_ids: list[int],
    search: str,
    replacement: str,
    *,
    regex_search: bool = False,
    match_case: bool = False,
    field: str | None = None,
) -> int:
    """Replace in the notes ``note_ids`` (every note when empty); the number of notes changed."""
    pattern = compile_search(
        search,
        regex_search=regex_search,
        match_case=match_case,
        nfc=bool(col.conf.get("normalize_note_text", True)),
    )
    template = replacement_template(replacement, regex_search=regex_search)
    if not note_ids:
        note_ids = [int(r[0]) for r in col.db.execute("select id from notes")]
    rows = col.db.execute(
        "select id, mid, flds from notes where id in (select value from json_each(?)) order by id",
        [ids_json(note_ids)],
    ).fetchall()
    changed: list[tuple[int, int, list[str]]] = []
    for nid, mid, flds in rows:
        nt = col.models.get(str(mid))
        if nt is None:
            continue
        names = notetypes.field_names(nt)
        values = str(flds).split(FIELD_SEPARATOR)
        targets = (
            range(len(values))
            if field is None
            else [i for i, name in enumerate(names) if name == field and i < len(values)]
        )
        new = list(values)
        for i in targets:
            new[i] = substitute(pattern, template, values[i])[0]
        if new != values:
            changed.append((int(nid), int(mid), new))
    if changed:
        _save(col, changed)
    return len(changed)


def compile_search(
    search: str, *, regex_search: bool, match_case: bool, nfc: bool = False
) -> regex.Pattern[str]:
    """The user's search as a pattern: a literal unless ``regex_search``, case-insensitive
    unless ``match_case``; a bad expression is a ``ValidationError``."""
    pattern_text = search if regex_search else regex.escape(search)
    if nfc:
        pattern_text = unicodedata.normalize("NFC", pattern_text)
    flags = regex.VERSION0 | (0 if match_case else regex.IGNORECASE)
    try:
        return regex.compile(pattern_text, flags)
    except regex.error as exc:
        raise ValidationError(f"not a valid regular expression: {exc}") from None


def replacement_template(
    replacement: str, *, regex_search: bool
) -> Callable[[regex.Match[str]], str]:
    """The replacement as a function of the match: Rust's ``$1``/``${name}`` for a regular
    expression, the text as it is otherwise."""
    return _replacement_template(replacement if regex_search else replacement.replace("$", "$$"))


def substitute(
    pattern: regex.Pattern[str], template: Callable[[regex.Match[str]], str], text: str
) -> tuple[str, int]:
    """``pattern.subn`` within the time limit (a runaway expression is a ``ValidationError``)."""
    try:
        return pattern.subn(template, text, timeout=REGEX_SECONDS)
    except TimeoutError:
        raise ValidationError("this regular expression takes too long; make it simpler") from None


def _save(col: Collection, changed: list[tuple[int, int, list[str]]]) -> None:
    now = col.now_secs()
    db = col.db
    with undoable(col, UNDO_LABEL, note_ids=[nid for nid, _, _ in changed]):
        for nid, mid, values in changed:
            nt = notetypes.get_notetype(col, mid)
            db.execute(
                "update notes set mod = ?, usn = -1, flds = ?, sfld = ?, csum = ? where id = ?",
                (
                    now,
                    FIELD_SEPARATOR.join(values),
                    sort_field_value(nt, values),
                    field_checksum(values[0]),
                    nid,
                ),
            )
            note = get_note(col, nid)
            row = db.execute(
                "select case when odid != 0 then odid else did end from cards where nid = ?"
                " order by ord limit 1",
                (nid,),
            ).fetchone()
            generate_cards(col, note, int(row[0]) if row else 1)
        col.touch()


Piece = str | int


def _replacement_template(text: str) -> Callable[[regex.Match[str]], str]:
    """A Rust regex replacement (``$1``, ``${name}``, ``$$``) as a function of the match."""
    pieces: list[tuple[bool, Piece]] = []  # (is_group, literal or group)
    literal: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "$" or i + 1 >= len(text):
            literal.append(ch)
            i += 1
            continue
        if text[i + 1] == "$":
            literal.append("$")
            i += 2
            continue
        if text[i + 1] == "{" and "}" in text[i + 2 :]:
            end = text.index("}", i + 2)
            name, i = text[i + 2 : end], end + 1
        else:
            j = i + 1
            while j < len(text) and text[j] in _NAME_CHARS:
                j += 1
            name, i = text[i + 1 : j], j
        if not name:
            literal.append("$")
            continue
        pieces.append((False, "".join(literal)))
        literal = []
        pieces.append((True, int(name) if name.isdigit() else name))
    pieces.append((False, "".join(literal)))

    def expand(match: regex.Match[str]) -> str:
        out = []
        for is_group, piece in pieces:
            if not is_group:
                out.append(str(piece))
                continue
            try:
                out.append(match.group(piece) or "")
            except (IndexError, regex.error):
                out.append("")
        return "".join(out)

    return expand
