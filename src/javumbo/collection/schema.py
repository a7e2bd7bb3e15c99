"""Anki's schema-11 tables and the default JSON that Anki itself writes into a new ``col`` row.

The DDL is byte-for-byte what ``anki`` writes with ``close(downgrade=True)``; the defaults in
``defaults/*.json`` were dumped from a fresh collection made by anki 26.9.3.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

SCHEMA_VERSION = 11
TABLES = ("col", "notes", "cards", "revlog", "graves")

DDL = """
CREATE TABLE col (
  id integer PRIMARY KEY,
  crt integer NOT NULL,
  mod integer NOT NULL,
  scm integer NOT NULL,
  ver integer NOT NULL,
  dty integer NOT NULL,
  usn integer NOT NULL,
  ls integer NOT NULL,
  conf text NOT NULL,
  models text NOT NULL,
  decks text NOT NULL,
  dconf text NOT NULL,
  tags text NOT NULL
);
CREATE TABLE notes (
  id integer PRIMARY KEY,
  guid text NOT NULL,
  mid integer NOT NULL,
  mod integer NOT NULL,
  usn integer NOT NULL,
  tags text NOT NULL,
  flds text NOT NULL,
  -- The use of type integer for sfld is deliberate, because it means that integer values in this
  -- field will sort numerically.
  sfld integer NOT NULL,
  csum integer NOT NULL,
  flags integer NOT NULL,
  data text NOT NULL
);
CREATE TABLE cards (
  id integer PRIMARY KEY,
  nid integer NOT NULL,
  did integer NOT NULL,
  ord integer NOT NULL,
  mod integer NOT NULL,
  usn integer NOT NULL,
  type integer NOT NULL,
  queue integer NOT NULL,
  due integer NOT NULL,
  ivl integer NOT NULL,
  factor integer NOT NULL,
  reps integer NOT NULL,
  lapses integer NOT NULL,
  left integer NOT NULL,
  odue integer NOT NULL,
  odid integer NOT NULL,
  flags integer NOT NULL,
  data text NOT NULL
);
CREATE TABLE revlog (
  id integer PRIMARY KEY,
  cid integer NOT NULL,
  usn integer NOT NULL,
  ease integer NOT NULL,
  ivl integer NOT NULL,
  lastIvl integer NOT NULL,
  factor integer NOT NULL,
  time integer NOT NULL,
  type integer NOT NULL
);
CREATE TABLE graves (
  usn integer NOT NULL,
  oid integer NOT NULL,
  type integer NOT NULL
);
CREATE INDEX ix_notes_usn ON notes (usn);
CREATE INDEX ix_cards_usn ON cards (usn);
CREATE INDEX ix_revlog_usn ON revlog (usn);
CREATE INDEX ix_cards_nid ON cards (nid);
CREATE INDEX ix_cards_sched ON cards (did, queue, due);
CREATE INDEX ix_revlog_cid ON revlog (cid);
CREATE INDEX ix_notes_csum ON notes (csum);
"""

# Column lists of each table, in order: used by the journal's row images and by importers.
COLUMNS: dict[str, tuple[str, ...]] = {
    "col": (
        "id", "crt", "mod", "scm", "ver", "dty", "usn", "ls",
        "conf", "models", "decks", "dconf", "tags",
    ),
    "notes": ("id", "guid", "mid", "mod", "usn", "tags", "flds", "sfld", "csum", "flags", "data"),
    "cards": (
        "id", "nid", "did", "ord", "mod", "usn", "type", "queue", "due", "ivl", "factor",
        "reps", "lapses", "left", "odue", "odid", "flags", "data",
    ),
    "revlog": ("id", "cid", "usn", "ease", "ivl", "lastIvl", "factor", "time", "type"),
    "graves": ("usn", "oid", "type"),
}  # fmt: skip


@cache
def _load_default(name: str) -> Any:
    text = resources.files("javumbo.collection").joinpath("defaults", name).read_text("utf-8")
    return json.loads(text)


def default_conf() -> dict[str, Any]:
    """Collection config with the v3 scheduler keys (``schedVer`` 2 + ``sched2021``)."""
    return dict(copy.deepcopy(_load_default("conf.json")))


def default_deck() -> dict[str, Any]:
    """Deck 1, "Default", as Anki writes it."""
    return dict(copy.deepcopy(_load_default("deck.json")))


def default_deck_config() -> dict[str, Any]:
    """Deck options preset 1, "Default", with Anki's defaults (steps 1m 10m, 20 new, 200 rev)."""
    return dict(copy.deepcopy(_load_default("dconf.json")))


def stock_notetypes() -> list[dict[str, Any]]:
    """Basic, Basic (and reversed card), Basic (optional reversed card), Basic (type in the
    answer) and Cloze, with ``id``/``mod`` left 0 for the caller to assign."""
    return list(copy.deepcopy(_load_default("notetypes.json")))
