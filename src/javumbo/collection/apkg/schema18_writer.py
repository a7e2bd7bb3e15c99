"""A schema-11 collection turned into schema 18 in place, the way Anki's own upgrade does it.

Anki opens a schema-11 file by upgrading it (``rslib/src/storage/upgrades``): the JSON of the
``col`` row moves into the tables ``config``, ``deck_config``, ``tags``, ``notetypes``,
``fields``, ``templates`` and ``decks`` (protobuf blobs; field numbers in
``proto/anki/*.proto``), ``graves`` gets a primary key, and two indexes are added. A client pays
for that on every full download of a schema-11 file; handed the upgraded file, it opens at once.

Each JSON object is read with the rules of Anki's serde structs (``schema11_json``) and written
as its message by its module in ``schema18_messages``, so the rows are those Anki writes, byte
for byte, and a ``col`` row Anki would refuse raises ``PackageError``.
``schema18.read_json_tables`` reads the result back. Notes, cards and revlog
are untouched, except the rare cards Anki's schema-16 step repairs (``_LOW_EASE_FIX``).

Two things differ on purpose. Anki runs ``ANALYZE``: planner statistics only, costing more than
the rest of the upgrade on a large collection, and refreshed by Anki's database check. And Anki
walks the JSON maps in hash order, which decides which of two names clashing when case is
ignored gets a suffix; we walk them in file order.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from javumbo.collection.apkg import schema11_json as sj
from javumbo.collection.apkg.errors import PackageError
from javumbo.collection.apkg.schema11_json import I32, I64, Invalid, Struct
from javumbo.collection.apkg.schema18_messages import scalars
from javumbo.collection.apkg.schema18_messages.deck_common import write_deck_common
from javumbo.collection.apkg.schema18_messages.deck_config import write_deck_config
from javumbo.collection.apkg.schema18_messages.deck_kind import is_filtered, write_kind
from javumbo.collection.apkg.schema18_messages.field_config import write_field_config
from javumbo.collection.apkg.schema18_messages.notetype_config import write_notetype_config
from javumbo.collection.apkg.schema18_messages.template_config import write_template_config
from javumbo.collection.apkg.source import unicase

# Anki 26.9's DDL (schema14/15/17/18_upgrade.sql), in the order that leaves sqlite_master as
# Anki leaves it: the tags table of schema 14 is replaced in schema 17, so it comes last here.
_DDL = (
    """CREATE TABLE deck_config (
  id integer PRIMARY KEY NOT NULL,
  name text NOT NULL COLLATE unicase,
  mtime_secs integer NOT NULL,
  usn integer NOT NULL,
  config blob NOT NULL
)""",
    """CREATE TABLE config (
  KEY text NOT NULL PRIMARY KEY,
  usn integer NOT NULL,
  mtime_secs integer NOT NULL,
  val blob NOT NULL
) without rowid""",
    """CREATE TABLE fields (
  ntid integer NOT NULL,
  ord integer NOT NULL,
  name text NOT NULL COLLATE unicase,
  config blob NOT NULL,
  PRIMARY KEY (ntid, ord)
) without rowid""",
    "CREATE UNIQUE INDEX idx_fields_name_ntid ON fields (name, ntid)",
    """CREATE TABLE templates (
  ntid integer NOT NULL,
  ord integer NOT NULL,
  name text NOT NULL COLLATE unicase,
  mtime_secs integer NOT NULL,
  usn integer NOT NULL,
  config blob NOT NULL,
  PRIMARY KEY (ntid, ord)
) without rowid""",
    "CREATE UNIQUE INDEX idx_templates_name_ntid ON templates (name, ntid)",
    "CREATE INDEX idx_templates_usn ON templates (usn)",
    """CREATE TABLE notetypes (
  id integer NOT NULL PRIMARY KEY,
  name text NOT NULL COLLATE unicase,
  mtime_secs integer NOT NULL,
  usn integer NOT NULL,
  config blob NOT NULL
)""",
    "CREATE UNIQUE INDEX idx_notetypes_name ON notetypes (name)",
    "CREATE INDEX idx_notetypes_usn ON notetypes (usn)",
    """CREATE TABLE decks (
  id integer PRIMARY KEY NOT NULL,
  name text NOT NULL COLLATE unicase,
  mtime_secs integer NOT NULL,
  usn integer NOT NULL,
  common blob NOT NULL,
  kind blob NOT NULL
)""",
    "CREATE UNIQUE INDEX idx_decks_name ON decks (name)",
    "CREATE INDEX idx_notes_mid ON notes (mid)",
    "CREATE INDEX idx_cards_odid ON cards (odid)\nWHERE odid != 0",
    """CREATE TABLE tags (
  tag text NOT NULL PRIMARY KEY COLLATE unicase,
  usn integer NOT NULL,
  collapsed boolean NOT NULL,
  config blob NULL
) without rowid""",
)
# Anki renames graves to graves_old, creates this table, copies with INSERT OR IGNORE (of two
# equal (oid, type) rows the first wins) and drops graves_old. Copying through Python and
# dropping the old table leaves the same rows and sqlite_master without ALTER TABLE's cost of
# re-checking the whole schema.
_GRAVES = """CREATE TABLE graves (
  oid integer NOT NULL,
  type integer NOT NULL,
  usn integer NOT NULL,
  PRIMARY KEY (oid, type)
) WITHOUT ROWID"""
_GRAVES_INDEX = "CREATE INDEX idx_graves_pending ON graves (usn)"
# Schema 15 stored a new preset's starting ease wrongly; Anki's schema-16 step resets presets at
# or below 130% to 250% and repairs the cards of their decks (fix_low_ease.sql).
_LOW_EASE_FIX = (
    "UPDATE cards SET factor = 2500, usn = ? WHERE factor != 0 AND factor <= 2000"
    " AND (did IN ({ids}) OR odid IN ({ids}))"
)
# What Anki stamps on what the upgrade changes when a client (not a sync server) opens the file.
_LOCAL_USN = -1
# Rust's char::is_whitespace (Unicode White_Space): trimmed off deck name components.
_WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def upgrade_to_schema18(db: sqlite3.Connection) -> None:
    """Turn the schema-11 collection open on ``db`` into schema 18, in one transaction.

    Everything is converted before the first write, so a ``col`` row Anki could not upgrade
    raises ``PackageError`` with the database untouched; an SQLite error on the way (a missing
    table, say) rolls everything back and raises ``PackageError`` too."""
    rows = _convert_col_row(db)
    db.create_collation("unicase", unicase)
    # Inside a caller's transaction, a savepoint makes the upgrade one undoable step of it.
    own = not db.in_transaction
    db.execute("begin immediate" if own else "savepoint schema18_upgrade")
    try:
        _write(db, rows)
    except BaseException as exc:
        if db.in_transaction:
            db.execute("rollback" if own else "rollback to schema18_upgrade")
        if not own and db.in_transaction:
            db.execute("release schema18_upgrade")
        if isinstance(exc, sqlite3.Error):
            raise PackageError(f"the collection could not be upgraded to schema 18: {exc}") from exc
        raise
    db.execute("commit" if own else "release schema18_upgrade")


@dataclass
class _Rows:
    """Every row the schema-18 tables will hold, ready to insert."""

    config: list[tuple[str, int, int, bytes]] = field(default_factory=list)
    deck_config: list[tuple[int, str, int, int, bytes]] = field(default_factory=list)
    low_ease_configs: set[int] = field(default_factory=set)
    tags: list[tuple[str, int]] = field(default_factory=list)
    notetypes: list[tuple[int, str, int, int, bytes]] = field(default_factory=list)
    fields: list[tuple[int, int, str, bytes]] = field(default_factory=list)
    templates: list[tuple[int, int, str, int, int, bytes]] = field(default_factory=list)
    decks: list[tuple[int, str, int, int, bytes, bytes]] = field(default_factory=list)
    deck_config_of: dict[int, int] = field(default_factory=dict)  # normal decks only


def _write(db: sqlite3.Connection, rows: _Rows) -> None:
    for statement in _DDL:
        db.execute(statement)
    db.executemany("insert into config values (?, ?, ?, ?)", rows.config)
    db.executemany("insert into deck_config values (?, ?, ?, ?, ?)", rows.deck_config)
    db.executemany("insert into notetypes values (?, ?, ?, ?, ?)", rows.notetypes)
    db.executemany("insert into fields values (?, ?, ?, ?)", rows.fields)
    db.executemany("insert into templates values (?, ?, ?, ?, ?, ?)", rows.templates)
    db.executemany("insert or replace into decks values (?, ?, ?, ?, ?, ?)", rows.decks)
    db.executemany("insert into tags values (?, ?, 1, null)", rows.tags)
    if rows.low_ease_configs:
        ids = ",".join(
            str(did) for did, dcid in rows.deck_config_of.items() if dcid in rows.low_ease_configs
        )
        db.execute(_LOW_EASE_FIX.format(ids=ids), (_LOCAL_USN,))
    graves = db.execute("select oid, type, usn from graves order by rowid").fetchall()
    db.execute("drop table graves")
    db.execute(_GRAVES)
    db.executemany("insert or ignore into graves values (?, ?, ?)", graves)
    db.execute(_GRAVES_INDEX)
    db.execute("update col set ver = 18, conf = '', models = '', decks = '', dconf = '', tags = ''")


def _convert_col_row(db: sqlite3.Connection) -> _Rows:
    try:
        found = db.execute("select ver, conf, models, decks, dconf, tags from col").fetchall()
    except sqlite3.Error as exc:
        raise PackageError(f"the collection has no readable col row: {exc}") from exc
    if len(found) != 1:
        raise PackageError(f"the collection has {len(found)} col rows; expected exactly one")
    ver, *texts = found[0]
    if ver != 11:
        raise PackageError(f"the collection has schema version {ver}; only 11 can be upgraded")
    conf, models, decks, dconf, tags = (
        _parse_column(name, text)
        for name, text in zip(("conf", "models", "decks", "dconf", "tags"), texts, strict=True)
    )
    rows = _Rows()
    try:
        rows.config = [(key, 0, 0, sj.to_bytes(value)) for key, value in conf.items()]
        _add_deck_configs(rows, dconf)
        rows.tags = _tag_rows(tags)
        _add_notetypes(rows, models)
        _add_decks(rows, decks)
    except Invalid as exc:
        raise PackageError(f"the collection cannot be upgraded: {exc}") from exc
    return rows


def check_schema11_objects(
    models: list[dict[str, Any]], decks: list[dict[str, Any]], presets: list[dict[str, Any]]
) -> None:
    """Raise ``Invalid`` for a note type, deck or preset that Anki's own reader of schema-11
    JSON refuses (a sync client's changes: Anki's server refuses them the same way)."""
    rows = _Rows()
    _add_notetypes(rows, {str(m["id"]): m for m in models})
    _add_decks(rows, {str(d["id"]): d for d in decks})
    _add_deck_configs(rows, {str(c["id"]): c for c in presets})


def _parse_column(name: str, text: Any) -> dict[str, Any]:
    if not isinstance(text, str):
        raise PackageError(f"the collection's col.{name} is not text")
    try:
        return sj.parse_object(text)
    except Invalid as exc:
        raise PackageError(f"the collection's col.{name} {exc}") from exc


def _tag_rows(tags: dict[str, Any]) -> list[tuple[str, int]]:
    """upgrade_tags_to_schema14/17: names are unique ignoring case (the first one stays), and
    every tag starts collapsed."""
    read_usn = sj.integer(I32)
    rows: dict[str, tuple[str, int]] = {}
    for tag, usn in tags.items():
        try:
            rows.setdefault(tag.casefold(), (tag, read_usn(usn)))
        except Invalid as exc:
            raise Invalid(f"col.tags has an invalid usn for {tag!r}: {exc}") from None
    return list(rows.values())


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# ----------------------------------------------------------------- note types


def _add_notetypes(rows: _Rows, models: dict[str, Any]) -> None:
    """upgrade_notetypes_to_schema15: names NFC-normalised; field and template names made
    unique within the note type with ``+``, note type names with ``_`` (case ignored)."""
    parsed = {sj.map_id(key, "col.models"): value for key, value in models.items()}
    names: set[str] = set()
    for ntid, value in parsed.items():
        where = f"note type col.models[{ntid}]"
        nt = Struct(value, where)
        inner_id = nt.required("id", sj.number_or_string(I64))
        if ntid == 0:
            # Anki gives a note type found with id 0 a random one.
            ntid = inner_id = max(secrets.randbits(32), 1)
        name = _nfc(nt.required("name", sj.string))
        mtime = nt.required("mod", sj.integer(I64))
        usn = nt.required("usn", sj.integer(I32))
        templates = nt.required("tmpls", sj.list_of(lambda t: t))
        fields = nt.required("flds", sj.list_of(lambda f: f))
        config = write_notetype_config(nt)
        field_names = _unique_names([_item_name(f, where) for f in fields], "+")
        for ord_, (raw, fname) in enumerate(zip(fields, field_names, strict=True)):
            rows.fields.append(
                (ntid, ord_, fname, write_field_config(raw, f"{where}.flds[{ord_}]"))
            )
        template_names = _unique_names([_item_name(t, where) for t in templates], "+")
        for ord_, (raw, tname) in enumerate(zip(templates, template_names, strict=True)):
            blob = write_template_config(raw, f"{where}.tmpls[{ord_}]")
            rows.templates.append((ntid, ord_, tname, 0, 0, blob))
        while name.casefold() in names:
            name += "_"
        names.add(name.casefold())
        rows.notetypes.append((inner_id, name, mtime, usn, config))


def _item_name(value: Any, where: str) -> str:
    """The NFC name of a field or template."""
    item = Struct(value, f"a field or template of {where}")
    return _nfc(item.required("name", sj.string))


def _unique_names(names: list[str], suffix: str) -> list[str]:
    """Later names clashing with an earlier one (ignoring case) get ``suffix`` appended."""
    seen: set[str] = set()
    out = []
    for name in names:
        while name.casefold() in seen:
            name += suffix
        seen.add(name.casefold())
        out.append(name)
    return out


# ----------------------------------------------------------------- decks


def _add_decks(rows: _Rows, decks: dict[str, Any]) -> None:
    """upgrade_decks_to_schema15: names normalised and made unique (case ignored) with ``_``;
    a deck whose name changed is stamped modified now. The id is the deck's own."""
    parsed = {sj.map_id(key, "col.decks"): value for key, value in decks.items()}
    names: set[str] = set()
    now = int(time.time())
    for key, value in parsed.items():
        deck = Struct(value, f"deck col.decks[{key}]")
        filtered = is_filtered(deck)
        deck.ignore("return")
        did = deck.required("id", sj.number_or_string(I64))
        mtime = deck.default("mod", sj.number_or_string(I64), 0)
        human_name = deck.required("name", sj.string)
        usn = deck.required("usn", sj.integer(I32))
        common = write_deck_common(deck)
        config_id, kind = write_kind(deck, filtered)
        if config_id is not None:
            rows.deck_config_of[did] = config_id
        common += scalars.other_field(deck.other())
        name = _native_deck_name(human_name)
        if name.replace("\x1f", "::") != human_name:
            mtime, usn = now, _LOCAL_USN
        while name.casefold() in names:
            name += "_"
            mtime, usn = now, _LOCAL_USN
        names.add(name.casefold())
        rows.decks.append((did, name, mtime, usn, common, kind))


def _native_deck_name(human_name: str) -> str:
    """NativeDeckName::from_human_name: each ``::`` component NFC-normalised, without control
    characters, trimmed of whitespace and ':', "blank" if empty; joined by \\x1f."""
    return "\x1f".join(_deck_name_component(c) for c in human_name.split("::"))


def _deck_name_component(component: str) -> str:
    text = "".join(c for c in _nfc(component) if c >= "\x20" and c != "\x7f")
    start, end = 0, len(text)
    while start < end and (text[start] in _WHITE_SPACE or text[start] == ":"):
        start += 1
    while end > start and (text[end - 1] in _WHITE_SPACE or text[end - 1] == ":"):
        end -= 1
    return text[start:end] or "blank"


# ----------------------------------------------------------------- deck options


def _add_deck_configs(rows: _Rows, dconf: dict[str, Any]) -> None:
    """upgrade_deck_conf_to_schema14/15/16. The map key, not the inner id, is the preset's id;
    name, mtime and usn are kept as they are."""
    parsed = {sj.map_id(key, "col.dconf"): value for key, value in dconf.items()}
    for dcid, value in parsed.items():
        conf = Struct(value, f"deck options col.dconf[{dcid}]")
        conf.required("id", sj.number_or_string(I64))
        mtime = conf.required("mod", sj.number_or_string(I64))
        name = conf.required("name", sj.string)
        usn = conf.required("usn", sj.integer(I32))
        blob, low_ease = write_deck_config(conf)
        if low_ease:
            rows.low_ease_configs.add(dcid)
        rows.deck_config.append((dcid, name, mtime, usn, blob))
