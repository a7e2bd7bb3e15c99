"""A schema-11 collection turned into schema 18 in place, the way Anki's own upgrade does it.

Anki opens a schema-11 file by upgrading it (``rslib/src/storage/upgrades``): the JSON of the
``col`` row moves into the tables ``config``, ``deck_config``, ``tags``, ``notetypes``,
``fields``, ``templates`` and ``decks`` (protobuf blobs; field numbers in
``proto/anki/*.proto``), ``graves`` gets a primary key, and two indexes are added. A client pays
for that on every full download of a schema-11 file; handed the upgraded file, it opens at once.

Each JSON object is read with the rules of Anki's serde structs (``schema11_json``), so the
rows are those Anki writes, byte for byte, and a ``col`` row Anki would refuse raises
``PackageError``. ``schema18.read_json_tables`` reads the result back. Notes, cards and revlog
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

from javumbo.collection.apkg import protobuf as pb
from javumbo.collection.apkg import schema11_json as sj
from javumbo.collection.apkg.errors import PackageError
from javumbo.collection.apkg.schema11_json import I32, I64, U8, U16, U32, Invalid, Struct
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
        config = _notetype_config(nt)
        field_names = _unique_names([_item_name(f, where) for f in fields], "+")
        for ord_, (raw, fname) in enumerate(zip(fields, field_names, strict=True)):
            rows.fields.append((ntid, ord_, fname, _field_config(raw, f"{where}.flds[{ord_}]")))
        template_names = _unique_names([_item_name(t, where) for t in templates], "+")
        for ord_, (raw, tname) in enumerate(zip(templates, template_names, strict=True)):
            blob = _template_config(raw, f"{where}.tmpls[{ord_}]")
            rows.templates.append((ntid, ord_, tname, 0, 0, blob))
        while name.casefold() in names:
            name += "_"
        names.add(name.casefold())
        rows.notetypes.append((inner_id, name, mtime, usn, config))


def _notetype_config(nt: Struct) -> bytes:
    kind = nt.required("type", sj.one_of(0, 1))
    sortf = nt.required("sortf", sj.integer(U16))
    did = nt.lenient("did", sj.nullable(sj.integer(I64)), None, missing_ok=False)
    css = nt.lenient("css", sj.string, "", missing_ok=False)
    latex_pre = nt.default("latexPre", sj.string, "")
    latex_post = nt.default("latexPost", sj.string, "")
    latex_svg = nt.lenient("latexsvg", sj.boolean, False, missing_ok=True)
    reqs: list[bytes] = nt.lenient("req", sj.list_of(_card_requirement), [], missing_ok=True)
    stock_kind = nt.default("originalStockKind", sj.integer(I32), 0)
    original_id = nt.default("originalId", sj.nullable(sj.integer(I64)), None)
    return pb.message(
        [
            pb.implicit_varint(1, kind),
            pb.implicit_varint(2, sortf),
            pb.implicit_str(3, css),
            pb.implicit_varint(4, did or 0),
            pb.implicit_str(5, latex_pre),
            pb.implicit_str(6, latex_post),
            pb.implicit_varint(7, latex_svg),
            *(pb.bytes_field(8, req) for req in reqs),
            pb.implicit_varint(9, stock_kind),
            _present_varint(10, original_id),
            pb.implicit_bytes(255, sj.other_bytes(nt.other())),
        ]
    )


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


def _card_requirement(value: Any) -> bytes:
    """``[card ord, "none"|"any"|"all", [field ords]]``."""
    kinds = {"none": 0, "any": 1, "all": 2}
    if not isinstance(value, list) or len(value) != 3 or not isinstance(value[1], str):
        raise Invalid(f"{value!r} is not a card requirement")
    if value[1] not in kinds:
        raise Invalid(f"{value!r} is not a card requirement")
    return pb.message(
        [
            pb.implicit_varint(1, sj.integer(U16)(value[0])),
            pb.implicit_varint(2, kinds[value[1]]),
            pb.packed_varints(3, sj.list_of(sj.integer(U16))(value[2])),
        ]
    )


def _field_config(value: Any, where: str) -> bytes:
    f = Struct(value, f"field {where}")
    f.ignore("name")
    f.optional("ord", sj.integer(U16))
    sticky = f.required("sticky", sj.bool_from_anything)
    rtl = f.required("rtl", sj.bool_from_anything)
    font = f.required("font", sj.string)
    size = f.required("size", sj.integer(U16))
    description = f.lenient("description", sj.string, "", missing_ok=True)
    plain_text = f.lenient("plainText", sj.boolean, False, missing_ok=True)
    collapsed = f.lenient("collapsed", sj.boolean, False, missing_ok=True)
    exclude = f.lenient("excludeFromSearch", sj.boolean, False, missing_ok=True)
    field_id = f.lenient("id", sj.nullable(sj.integer(I64)), None, missing_ok=True)
    tag = f.lenient("tag", sj.nullable(sj.integer(U32)), None, missing_ok=True)
    prevent_deletion = f.lenient("preventDeletion", sj.boolean, False, missing_ok=True)
    return pb.message(
        [
            pb.implicit_varint(1, sticky),
            pb.implicit_varint(2, rtl),
            pb.implicit_str(3, font),
            pb.implicit_varint(4, size),
            pb.implicit_str(5, description),
            pb.implicit_varint(6, plain_text),
            pb.implicit_varint(7, collapsed),
            pb.implicit_varint(8, exclude),
            _present_varint(9, field_id),
            _present_varint(10, tag),
            pb.implicit_varint(11, prevent_deletion),
            pb.implicit_bytes(255, sj.other_bytes(f.other())),
        ]
    )


def _template_config(value: Any, where: str) -> bytes:
    t = Struct(value, f"template {where}")
    t.ignore("name")
    t.optional("ord", sj.integer(U16))
    qfmt = t.required("qfmt", sj.string)
    afmt = t.default("afmt", sj.string, "")
    bqfmt = t.default("bqfmt", sj.string, "")
    bafmt = t.default("bafmt", sj.string, "")
    did = t.lenient("did", sj.nullable(sj.integer(I64)), None, missing_ok=True)
    bfont = t.lenient("bfont", sj.string, "", missing_ok=True)
    bsize = t.lenient("bsize", sj.integer(U8), 0, missing_ok=True)
    template_id = t.lenient("id", sj.nullable(sj.integer(I64)), None, missing_ok=True)
    return pb.message(
        [
            pb.implicit_str(1, qfmt),
            pb.implicit_str(2, afmt),
            pb.implicit_str(3, bqfmt),
            pb.implicit_str(4, bafmt),
            pb.implicit_varint(5, did or 0),
            pb.implicit_str(6, bfont),
            pb.implicit_varint(7, bsize),
            _present_varint(8, template_id),
            pb.implicit_bytes(255, sj.other_bytes(t.other())),
        ]
    )


def _present_varint(number: int, value: int | None) -> bytes:
    """An ``optional`` integer field: written whenever set, even to 0."""
    return b"" if value is None else pb.varint_field(number, value)


# ----------------------------------------------------------------- decks


def _add_decks(rows: _Rows, decks: dict[str, Any]) -> None:
    """upgrade_decks_to_schema15: names normalised and made unique (case ignored) with ``_``;
    a deck whose name changed is stamped modified now. The id is the deck's own."""
    parsed = {sj.map_id(key, "col.decks"): value for key, value in decks.items()}
    names: set[str] = set()
    now = int(time.time())
    for key, value in parsed.items():
        deck = Struct(value, f"deck col.decks[{key}]")
        is_filtered = _is_filtered(deck)
        deck.ignore("return")
        did = deck.required("id", sj.number_or_string(I64))
        mtime = deck.default("mod", sj.number_or_string(I64), 0)
        human_name = deck.required("name", sj.string)
        usn = deck.required("usn", sj.integer(I32))
        common = _deck_common(deck)
        if is_filtered:
            kind = pb.bytes_field(2, _filtered_deck(deck))
        else:
            rows.deck_config_of[did], normal = _normal_deck(deck)
            kind = pb.bytes_field(1, normal)
        common += pb.implicit_bytes(255, sj.other_bytes(deck.other()))
        name = _native_deck_name(human_name)
        if name.replace("\x1f", "::") != human_name:
            mtime, usn = now, _LOCAL_USN
        while name.casefold() in names:
            name += "_"
            mtime, usn = now, _LOCAL_USN
        names.add(name.casefold())
        rows.decks.append((did, name, mtime, usn, common, kind))


def _is_filtered(deck: Struct) -> bool:
    """``dyn`` 1 (or true) is a filtered deck; a true/false ``dyn`` is read as 1/0 after."""
    if "dyn" not in deck.data:
        raise Invalid(f"{deck.where} lacks 'dyn'")
    dyn = deck.data["dyn"]
    if isinstance(dyn, bool):
        deck.data = {**deck.data, "dyn": int(dyn)}
        return dyn
    if isinstance(dyn, int | float):
        return type(dyn) is int and dyn == 1
    raise Invalid(f"{deck.where} has a 'dyn' that is not a number")


def _deck_common(deck: Struct) -> bytes:
    """Collapse state and today's counts: Anki keeps one day, the latest of new/rev/time, and
    drops the counts of an earlier day."""
    today = {
        key: deck.required(key, _today_amount)
        for key in ("lrnToday", "revToday", "newToday", "timeToday")
    }
    study_collapsed = deck.required("collapsed", sj.boolean)
    browser_collapsed = deck.default("browserCollapsed", sj.boolean, False)
    deck.required("dyn", sj.integer(U8))
    day = max(today["timeToday"][0], today["newToday"][0], today["revToday"][0])

    def studied(key: str) -> int:
        return today[key][1] if today[key][0] == day else 0

    return pb.message(
        [
            pb.implicit_varint(1, study_collapsed),
            pb.implicit_varint(2, browser_collapsed),
            pb.implicit_varint(3, day % 2**32),
            pb.implicit_varint(4, studied("newToday")),
            pb.implicit_varint(5, studied("revToday")),
            pb.implicit_varint(6, studied("lrnToday")),
            pb.implicit_varint(7, today["timeToday"][1]),
        ]
    )


def _today_amount(value: Any) -> tuple[int, int]:
    """``[day, amount]``: Anki takes the last two items and reads anything odd as 0."""
    if not isinstance(value, list):
        raise Invalid(f"{value!r} is not a list")
    items = list(value)

    def pop() -> int:
        item = items.pop() if items else None
        return sj.wrap_i32(item) if type(item) is int and item < 2**63 else 0

    amount = pop()
    return pop(), amount


def _normal_deck(deck: Struct) -> tuple[int, bytes]:
    """The deck's options preset id and its Normal message."""
    description = deck.default("desc", sj.string, "")
    markdown = deck.default("md", sj.boolean, False)
    config_id = deck.required("conf", sj.number_or_string(I64))
    extend_new = deck.lenient("extendNew", sj.integer(I32), 0, missing_ok=True)
    extend_rev = deck.lenient("extendRev", sj.integer(I32), 0, missing_ok=True)
    limits = {
        key: deck.lenient(key, sj.nullable(sj.integer(U32)), None, missing_ok=True)
        for key in ("reviewLimit", "newLimit")
    }
    day_limits = {
        key: deck.lenient(key, sj.nullable(_day_limit), None, missing_ok=True)
        for key in ("reviewLimitToday", "newLimitToday")
    }
    # A percentage in schema 11, a fraction in schema 18.
    retention = deck.lenient(
        "desiredRetention", sj.nullable(sj.integer(U32)), None, missing_ok=True
    )
    message = pb.message(
        [
            pb.implicit_varint(1, config_id),
            pb.implicit_varint(2, max(extend_new, 0)),
            pb.implicit_varint(3, max(extend_rev, 0)),
            pb.implicit_str(4, description),
            pb.implicit_varint(5, markdown),
            _present_varint(6, limits["reviewLimit"]),
            _present_varint(7, limits["newLimit"]),
            _present_message(8, day_limits["reviewLimitToday"]),
            _present_message(9, day_limits["newLimitToday"]),
            b"" if retention is None else pb.float_field(10, pb.to_float32(retention) / 100),
        ]
    )
    return config_id, message


def _present_message(number: int, value: bytes | None) -> bytes:
    return b"" if value is None else pb.bytes_field(number, value)


def _day_limit(value: Any) -> bytes:
    limit = Struct(value, "a day limit")
    return pb.message(
        [
            pb.implicit_varint(1, limit.required("limit", sj.integer(U32))),
            pb.implicit_varint(2, limit.required("today", sj.integer(U32))),
        ]
    )


def _filtered_deck(deck: Struct) -> bytes:
    deck.ignore("desc", "md")
    reschedule = deck.required("resched", sj.bool_from_anything)
    terms = deck.required("terms", sj.list_of(_search_term))
    deck.default("separate", sj.boolean, False)
    delays = deck.lenient("delays", sj.nullable(sj.list_of(sj.f32)), None, missing_ok=True)
    secs = {
        key: deck.default(key, sj.integer(U32), 0)
        for key in ("previewDelay", "previewAgainSecs", "previewHardSecs", "previewGoodSecs")
    }
    return pb.message(
        [
            pb.implicit_varint(1, reschedule),
            *(pb.bytes_field(2, term) for term in terms),
            pb.packed_floats(3, delays or []),
            pb.implicit_varint(4, secs["previewDelay"]),
            pb.implicit_varint(5, secs["previewHardSecs"]),
            pb.implicit_varint(6, secs["previewGoodSecs"]),
            pb.implicit_varint(7, secs["previewAgainSecs"]),
        ]
    )


def _search_term(value: Any) -> bytes:
    """``[search, limit, order]``."""
    if not isinstance(value, list) or len(value) != 3:
        raise Invalid(f"{value!r} is not a [search, limit, order] term")
    search = sj.string(value[0])
    limit = sj.number_or_string(I32)(value[1])
    order = sj.integer(I32)(value[2])
    return pb.message(
        [
            pb.implicit_str(1, search),
            pb.implicit_varint(2, max(limit, 0)),
            pb.implicit_varint(3, order),
        ]
    )


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

# What Anki uses for a "new", "rev" or "lapse" section it cannot read.
_DEFAULT_NEW: dict[str, Any] = {
    "bury": False,
    "delays": [1.0, 10.0],
    "initialFactor": 2500,
    "ints": (1, 4),
    "order": 1,
    "perDay": 20,
    "other": {},
}
_DEFAULT_REV: dict[str, Any] = {
    "bury": False,
    "ease4": 1.3,
    "ivlFct": 1.0,
    "maxIvl": 36500,
    "perDay": 200,
    "hardFactor": 1.2,
    "other": {},
}
_DEFAULT_LAPSE: dict[str, Any] = {
    "delays": [10.0],
    "leechAction": 1,
    "leechFails": 8,
    "minInt": 1,
    "mult": 0.0,
    "other": {},
}


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
        blob, low_ease = _deck_config_message(conf)
        if low_ease:
            rows.low_ease_configs.add(dcid)
        rows.deck_config.append((dcid, name, mtime, usn, blob))


def _deck_config_message(c: Struct) -> tuple[bytes, bool]:
    """The DeckConfig.Config message, and whether its starting ease was reset."""
    max_taken = c.required("maxTaken", sj.integer(I32))
    autoplay = c.required("autoplay", sj.boolean)
    timer = c.lenient("timer", sj.integer(U8), 0, missing_ok=False)
    replayq = c.default("replayq", sj.boolean, False)
    new = c.lenient("new", _new_options, _DEFAULT_NEW, missing_ok=False)
    rev = c.lenient("rev", _review_options, _DEFAULT_REV, missing_ok=False)
    lapse = c.lenient("lapse", _lapse_options, _DEFAULT_LAPSE, missing_ok=False)
    c.lenient("dyn", sj.boolean, False, missing_ok=True)
    i32, u32, floats = sj.integer(I32), sj.integer(U32), sj.list_of(sj.f32)
    no_floats = list[float]()
    initial_ease, low_ease = _initial_ease(new["initialFactor"])
    message = pb.message(
        [
            pb.packed_floats(1, new["delays"]),
            pb.packed_floats(2, lapse["delays"]),
            pb.packed_floats(3, c.default("fsrsWeights", floats, no_floats)),
            pb.packed_floats(4, c.default("easyDaysPercentages", floats, no_floats)),
            pb.packed_floats(5, c.default("fsrsParams5", floats, no_floats)),
            pb.packed_floats(6, c.default("fsrsParams6", floats, no_floats)),
            pb.implicit_varint(9, new["perDay"]),
            pb.implicit_varint(10, rev["perDay"]),
            pb.implicit_float(11, initial_ease),
            pb.implicit_float(12, rev["ease4"]),
            pb.implicit_float(13, rev["hardFactor"]),
            pb.implicit_float(14, lapse["mult"]),
            pb.implicit_float(15, rev["ivlFct"]),
            pb.implicit_varint(16, rev["maxIvl"]),
            pb.implicit_varint(17, lapse["minInt"]),
            pb.implicit_varint(18, new["ints"][0]),
            pb.implicit_varint(19, new["ints"][1]),
            # schema 11: 0 random, 1 in order added; schema 18 the other way round
            pb.implicit_varint(20, 1 if new["order"] == 0 else 0),
            pb.implicit_varint(21, lapse["leechAction"]),
            pb.implicit_varint(22, lapse["leechFails"]),
            pb.implicit_varint(23, not autoplay),
            pb.implicit_varint(24, max(max_taken, 0)),
            pb.implicit_varint(25, timer != 0),
            pb.implicit_varint(26, not replayq),
            pb.implicit_varint(27, new["bury"]),
            pb.implicit_varint(28, rev["bury"]),
            pb.implicit_varint(29, c.default("buryInterdayLearning", sj.boolean, False)),
            pb.implicit_varint(30, c.default("newMix", i32, 0)),
            pb.implicit_varint(31, c.default("interdayLearningMix", i32, 0)),
            pb.implicit_varint(32, c.default("newSortOrder", i32, 0)),
            pb.implicit_varint(33, c.default("reviewOrder", i32, 0)),
            pb.implicit_varint(34, c.default("newGatherPriority", i32, 0)),
            pb.implicit_varint(35, c.default("newPerDayMinimum", u32, 0)),
            pb.implicit_varint(36, c.default("questionAction", sj.one_of(0, 1), 0)),
            pb.implicit_float(37, c.default("desiredRetention", sj.f32, 0.0)),
            pb.implicit_varint(38, c.default("stopTimerOnAnswer", sj.boolean, False)),
            pb.implicit_float(40, c.default("sm2Retention", sj.f32, 0.0)),
            pb.implicit_float(41, c.default("secondsToShowQuestion", sj.f32, 0.0)),
            pb.implicit_float(42, c.default("secondsToShowAnswer", sj.f32, 0.0)),
            pb.implicit_varint(43, c.default("answerAction", sj.one_of(0, 1, 2, 3, 4), 0)),
            pb.implicit_varint(44, c.default("waitForAudio", sj.boolean, True)),
            pb.implicit_str(45, c.default("weightSearch", sj.string, "")),
            pb.implicit_str(46, c.default("ignoreRevlogsBeforeDate", sj.string, "")),
            # last: the keys left over once every known one was read
            pb.implicit_bytes(255, sj.other_bytes(_deck_config_other(c, new, rev, lapse))),
        ]
    )
    return message, low_ease


def _deck_config_other(c: Struct, *sections: dict[str, Any]) -> dict[str, Any]:
    """Unknown keys, with those of the new/rev/lapse sections under "new"/"rev"/"lapse"."""
    other = c.other()
    for name, section in zip(("new", "rev", "lapse"), sections, strict=True):
        if section["other"]:
            other[name] = section["other"]
    return other


def _initial_ease(initial_factor: int) -> tuple[float, bool]:
    """The starting ease as Anki arrives at it, in f32: factor/1000, times 100 (schema 15), over
    100 (schema 16); at or below 1.3 it is reset to 2.5 (True: the cards need fixing too)."""
    f32 = pb.to_float32
    ease = f32(f32(f32(f32(float(initial_factor)) / 1000.0) * 100.0) / 100.0)
    if ease <= f32(1.3):
        return 2.5, True
    return ease, False


def _new_options(value: Any) -> dict[str, Any]:
    s = Struct(value, "new")
    return {
        "bury": s.default("bury", sj.boolean, False),
        "delays": s.lenient("delays", sj.list_of(sj.f32), list[float](), missing_ok=False),
        "initialFactor": s.required("initialFactor", sj.integer(U16)),
        "ints": _new_intervals(s),
        "order": s.lenient("order", sj.one_of(0, 1), 1, missing_ok=False),
        "perDay": s.lenient("perDay", sj.integer(U32), 0, missing_ok=False),
        "other": s.other(),
    }


def _new_intervals(s: Struct) -> tuple[int, int]:
    """Graduating intervals: AnkiDroid once wrote two items instead of three; anything that is
    not at least two numbers reads as Anki's defaults (1, 4)."""
    ints: list[int] = s.lenient("ints", sj.list_of(sj.integer(U16)), [], missing_ok=False)
    return (ints[0], ints[1]) if len(ints) >= 2 else (1, 4)


def _review_options(value: Any) -> dict[str, Any]:
    s = Struct(value, "rev")
    return {
        "bury": s.default("bury", sj.boolean, False),
        "ease4": s.required("ease4", sj.f32),
        "ivlFct": s.required("ivlFct", sj.f32),
        "maxIvl": s.required("maxIvl", sj.integer(U32)),
        "perDay": s.lenient("perDay", sj.integer(U32), 0, missing_ok=False),
        "hardFactor": s.default("hardFactor", sj.f32, 1.2),
        "other": s.other(),
    }


def _lapse_options(value: Any) -> dict[str, Any]:
    s = Struct(value, "lapse")
    return {
        "delays": s.lenient("delays", sj.list_of(sj.f32), list[float](), missing_ok=False),
        "leechAction": s.lenient("leechAction", sj.one_of(0, 1), 1, missing_ok=False),
        "leechFails": s.required("leechFails", sj.integer(U32)),
        "minInt": s.required("minInt", sj.integer(U32)),
        "mult": s.required("mult", sj.f32),
        "other": s.other(),
    }
