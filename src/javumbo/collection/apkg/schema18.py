"""The current collection schema (18) read back into schema 11's JSON.

Since Anki 2.1.28 a collection keeps note types, decks, deck options, config and tags in
tables whose rows hold protobuf blobs (``proto/anki/*.proto`` in Anki's repository gives the
field numbers used here), while ``col.models`` etc. are empty. Javumbo stores schema 11, so an
imported current-format package, or a collection a client sends in a full upload, is turned
into the very JSON Anki 26.9 writes when it downgrades a collection (``close(downgrade=True)``;
``rslib/src/*/schema11.rs``, ``rslib/src/storage/*/mod.rs``), as measured against it value by
value. That JSON is what Anki's serde structs print, read back by Python's ``json``:

* scalars are decoded as prost decodes them and cast as Rust's ``as`` casts
  (``schema18_messages.scalars``);
* a deck options preset first goes through ``ensure_deck_config_values_valid``, as whenever
  Anki reads one: a value outside its bounds is replaced by its default;
* the keys of a message's ``other`` (JSON of the keys Anki does not model) come back, except
  those the struct reserves. A deck's ``md`` is not reserved and is printed after the deck's own
  ``md``: Python keeps the later of two equal keys, as ``dict.update`` does when each dict is
  built in print order.

Tags keep only their usn: schema 11 has no place for a tag's collapsed state. Each message is
read in its own module of ``schema18_messages``; this module reads the tables.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from javumbo.collection.apkg import protobuf as pb
from javumbo.collection.apkg import schema11_json as sj
from javumbo.collection.apkg.errors import PackageError
from javumbo.collection.apkg.schema18_messages.deck_config import read_deck_config
from javumbo.collection.apkg.schema18_messages.deck_kind import read_deck
from javumbo.collection.apkg.schema18_messages.field_config import read_field
from javumbo.collection.apkg.schema18_messages.notetype_config import read_notetype
from javumbo.collection.apkg.schema18_messages.template_config import read_template

TABLES_18 = ("notetypes", "fields", "templates", "decks", "deck_config", "config", "tags")


def read_json_tables(db: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """``{"models": ..., "decks": ..., "dconf": ..., "conf": ..., "tags": ...}`` as schema 11
    would hold them."""
    tables = {r[0] for r in db.execute("select name from sqlite_master where type = 'table'")}
    missing = [t for t in TABLES_18 if t not in tables]
    if missing:
        raise PackageError(f"the package's schema-18 collection lacks the table(s) {missing}")
    try:
        return {
            "models": _notetypes(db),
            "decks": _decks(db),
            "dconf": _deck_configs(db),
            "conf": _config(db),
            "tags": {str(tag): int(usn) for tag, usn in db.execute("select tag, usn from tags")},
        }
    except sqlite3.DatabaseError as exc:
        raise PackageError(f"the package's collection is damaged: {exc}") from exc


def _notetypes(db: sqlite3.Connection) -> dict[str, Any]:
    fields: dict[int, list[dict[str, Any]]] = {}
    for ntid, ord_, name, config in db.execute(
        "select ntid, ord, name, config from fields order by ntid, ord"
    ):
        fields.setdefault(ntid, []).append(read_field(ord_, name, pb.decode(config)))
    templates: dict[int, list[dict[str, Any]]] = {}
    for ntid, ord_, name, config in db.execute(
        "select ntid, ord, name, config from templates order by ntid, ord"
    ):
        templates.setdefault(ntid, []).append(read_template(ord_, name, pb.decode(config)))
    models: dict[str, Any] = {}
    for ntid, name, mtime, usn, config in db.execute(
        "select id, name, mtime_secs, usn, config from notetypes"
    ):
        models[str(ntid)] = read_notetype(
            ntid, name, mtime, usn, pb.decode(config), fields.get(ntid, []), templates.get(ntid, [])
        )
    return models


def _decks(db: sqlite3.Connection) -> dict[str, Any]:
    return {
        str(did): read_deck(did, name, mtime, usn, common, kind)
        for did, name, mtime, usn, common, kind in db.execute(
            "select id, name, mtime_secs, usn, common, kind from decks"
        )
    }


def _deck_configs(db: sqlite3.Connection) -> dict[str, Any]:
    return {
        str(dcid): read_deck_config(dcid, name, mtime, usn, pb.decode(raw))
        for dcid, name, mtime, usn, raw in db.execute(
            "select id, name, mtime_secs, usn, config from deck_config"
        )
    }


def _config(db: sqlite3.Connection) -> dict[str, Any]:
    """Each value as serde_json reads it. Anki refuses to downgrade a collection holding a value
    that is not JSON; such a value is left out here instead."""
    conf: dict[str, Any] = {}
    for key, val in db.execute("select key, val from config"):
        try:
            text = val.decode("utf-8") if isinstance(val, bytes) else str(val)
            conf[str(key)] = sj.parse_value(text)
        except (UnicodeDecodeError, sj.Invalid):
            continue
    return conf
