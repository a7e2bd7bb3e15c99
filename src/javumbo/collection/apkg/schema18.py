"""The current collection schema (18) read back into schema 11's JSON.

Since Anki 2.1.28 a collection keeps note types, decks, deck options, config and tags in
tables whose rows hold protobuf blobs (``proto/anki/*.proto`` in Anki's repository gives the
field numbers used here), while ``col.models`` etc. are empty. Javumbo stores schema 11, so an
imported current-format package is translated into the JSON that Anki itself writes when it
downgrades a collection (``rslib/src/*/schema11.rs``). Keys we do not model survive through
each message's ``other`` field (JSON of the unknown keys), as they do in Anki.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from javumbo.collection import schema
from javumbo.collection.apkg import protobuf as pb
from javumbo.collection.apkg.errors import PackageError

TABLES_18 = ("notetypes", "fields", "templates", "decks", "deck_config", "config", "tags")
_REQ_KINDS = {0: "none", 1: "any", 2: "all"}


def _other(fields: pb.Fields) -> dict[str, Any]:
    raw = pb.get_bytes(fields, 255)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


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


# ----------------------------------------------------------------- note types


def _notetypes(db: sqlite3.Connection) -> dict[str, Any]:
    fields: dict[int, list[dict[str, Any]]] = {}
    for ntid, ord_, name, config in db.execute(
        "select ntid, ord, name, config from fields order by ntid, ord"
    ):
        fields.setdefault(ntid, []).append(_field(ord_, name, pb.decode(config)))
    templates: dict[int, list[dict[str, Any]]] = {}
    for ntid, ord_, name, config in db.execute(
        "select ntid, ord, name, config from templates order by ntid, ord"
    ):
        templates.setdefault(ntid, []).append(_template(ord_, name, pb.decode(config)))
    models: dict[str, Any] = {}
    for ntid, name, mtime, usn, config in db.execute(
        "select id, name, mtime_secs, usn, config from notetypes"
    ):
        models[str(ntid)] = _notetype(
            ntid, name, mtime, usn, pb.decode(config), fields.get(ntid, []), templates.get(ntid, [])
        )
    return models


def _notetype(
    ntid: int,
    name: str,
    mtime: int,
    usn: int,
    cfg: pb.Fields,
    flds: list[dict[str, Any]],
    tmpls: list[dict[str, Any]],
) -> dict[str, Any]:
    reqs = []
    for req in pb.get_messages(cfg, 8):
        ords = _uint_list(req, 3)
        reqs.append([pb.get_int(req, 1), _REQ_KINDS.get(pb.get_int(req, 2), "none"), ords])
    nt: dict[str, Any] = _other(cfg)
    nt.update(
        {
            "id": ntid,
            "name": name,
            "type": pb.get_int(cfg, 1),
            "mod": mtime,
            "usn": usn,
            "sortf": pb.get_int(cfg, 2),
            "did": pb.get_sint(cfg, 4) or None,
            "tmpls": tmpls,
            "flds": flds,
            "css": pb.get_str(cfg, 3),
            "latexPre": pb.get_str(cfg, 5),
            "latexPost": pb.get_str(cfg, 6),
            "latexsvg": pb.get_bool(cfg, 7),
            "req": reqs,
            "originalStockKind": pb.get_int(cfg, 9),
        }
    )
    if 10 in cfg:
        nt["originalId"] = pb.get_sint(cfg, 10)
    return nt


def _uint_list(fields: pb.Fields, number: int) -> list[int]:
    out: list[int] = []
    for value in fields.get(number, []):
        if isinstance(value, int):
            out.append(value)
        else:
            pos = 0
            while pos < len(value):
                item, pos = pb.read_varint(value, pos)
                out.append(item)
    return out


def _field(ord_: int, name: str, cfg: pb.Fields) -> dict[str, Any]:
    field: dict[str, Any] = _other(cfg)
    field.update(
        {
            "name": name,
            "ord": ord_,
            "sticky": pb.get_bool(cfg, 1),
            "rtl": pb.get_bool(cfg, 2),
            "font": pb.get_str(cfg, 3),
            "size": pb.get_int(cfg, 4),
            "description": pb.get_str(cfg, 5),
            "plainText": pb.get_bool(cfg, 6),
            "collapsed": pb.get_bool(cfg, 7),
            "excludeFromSearch": pb.get_bool(cfg, 8),
            "id": pb.get_sint(cfg, 9) if 9 in cfg else None,
            "tag": pb.get_int(cfg, 10) if 10 in cfg else None,
            "preventDeletion": pb.get_bool(cfg, 11),
        }
    )
    return field


def _template(ord_: int, name: str, cfg: pb.Fields) -> dict[str, Any]:
    tmpl: dict[str, Any] = _other(cfg)
    tmpl.update(
        {
            "name": name,
            "ord": ord_,
            "qfmt": pb.get_str(cfg, 1),
            "afmt": pb.get_str(cfg, 2),
            "bqfmt": pb.get_str(cfg, 3),
            "bafmt": pb.get_str(cfg, 4),
            "did": pb.get_sint(cfg, 5) or None,
            "bfont": pb.get_str(cfg, 6),
            "bsize": pb.get_int(cfg, 7),
            "id": pb.get_sint(cfg, 8) if 8 in cfg else None,
        }
    )
    return tmpl


# ----------------------------------------------------------------- decks


def _decks(db: sqlite3.Connection) -> dict[str, Any]:
    decks: dict[str, Any] = {}
    for did, name, mtime, usn, common_raw, kind_raw in db.execute(
        "select id, name, mtime_secs, usn, common, kind from decks"
    ):
        common = pb.decode(common_raw)
        kind = pb.decode(kind_raw)
        day = pb.get_int(common, 3)
        deck: dict[str, Any] = _other(common)
        deck.update(
            {
                "id": did,
                "name": str(name).replace("\x1f", "::"),
                "mod": mtime,
                "usn": usn,
                "collapsed": pb.get_bool(common, 1),
                "browserCollapsed": pb.get_bool(common, 2),
                "newToday": [day, pb.get_sint(common, 4)],
                "revToday": [day, pb.get_sint(common, 5)],
                "lrnToday": [day, pb.get_sint(common, 6)],
                "timeToday": [day, pb.get_sint(common, 7)],
            }
        )
        if 2 in kind:
            deck.update(_filtered(pb.get_message(kind, 2)))
        else:
            normal = pb.get_message(kind, 1)
            deck.update(
                {
                    "dyn": 0,
                    "conf": pb.get_sint(normal, 1) or 1,
                    "extendNew": pb.get_int(normal, 2),
                    "extendRev": pb.get_int(normal, 3),
                    "desc": pb.get_str(normal, 4),
                    "reviewLimit": None,
                    "newLimit": None,
                    "reviewLimitToday": None,
                    "newLimitToday": None,
                    "desiredRetention": None,
                }
            )
            if pb.get_bool(normal, 5):
                deck["md"] = True
        decks[str(did)] = deck
    return decks


def _filtered(msg: pb.Fields) -> dict[str, Any]:
    terms = [
        [pb.get_str(t, 1), pb.get_int(t, 2), pb.get_int(t, 3)] for t in pb.get_messages(msg, 2)
    ]
    return {
        "dyn": 1,
        "resched": pb.get_bool(msg, 1),
        "terms": terms,
        "delays": pb.get_floats(msg, 3) or None,
        "previewDelay": pb.get_int(msg, 4),
        "desc": "",
    }


# ----------------------------------------------------------------- deck options


def _deck_configs(db: sqlite3.Connection) -> dict[str, Any]:
    configs: dict[str, Any] = {}
    for dcid, name, mtime, usn, raw in db.execute(
        "select id, name, mtime_secs, usn, config from deck_config"
    ):
        configs[str(dcid)] = _deck_config(dcid, name, mtime, usn, pb.decode(raw))
    return configs


def _deck_config(dcid: int, name: str, mtime: int, usn: int, c: pb.Fields) -> dict[str, Any]:
    conf = schema.default_deck_config()
    other = _other(c)
    for section in ("new", "rev", "lapse"):
        extra = other.pop(section, None)
        if isinstance(extra, dict):
            conf[section].update(extra)
    conf.update(other)
    conf.update(
        {
            "id": dcid,
            "name": name,
            "mod": mtime,
            "usn": usn,
            "maxTaken": pb.get_int(c, 24),
            "autoplay": not pb.get_bool(c, 23),
            "timer": 1 if pb.get_bool(c, 25) else 0,
            "replayq": not pb.get_bool(c, 26),
            "newMix": pb.get_int(c, 30),
            "newPerDayMinimum": pb.get_int(c, 35),
            "interdayLearningMix": pb.get_int(c, 31),
            "reviewOrder": pb.get_int(c, 33),
            "newSortOrder": pb.get_int(c, 32),
            "newGatherPriority": pb.get_int(c, 34),
            "buryInterdayLearning": pb.get_bool(c, 29),
            "fsrsWeights": pb.get_floats(c, 3),
            "desiredRetention": pb.get_float(c, 37, 0.9),
            "stopTimerOnAnswer": pb.get_bool(c, 38),
        }
    )
    conf["new"].update(
        {
            "bury": pb.get_bool(c, 27),
            "delays": pb.get_floats(c, 1),
            "initialFactor": round(pb.get_float(c, 11, 2.5) * 1000),
            "ints": [pb.get_int(c, 18), pb.get_int(c, 19), 0],
            "order": 0 if pb.get_int(c, 20) == 1 else 1,
            "perDay": pb.get_int(c, 9),
        }
    )
    conf["rev"].update(
        {
            "bury": pb.get_bool(c, 28),
            "ease4": pb.get_float(c, 12),
            "ivlFct": pb.get_float(c, 15),
            "maxIvl": pb.get_int(c, 16),
            "perDay": pb.get_int(c, 10),
            "hardFactor": pb.get_float(c, 13),
        }
    )
    conf["lapse"].update(
        {
            "delays": pb.get_floats(c, 2),
            "leechAction": 1 if pb.get_int(c, 21) == 1 else 0,
            "leechFails": pb.get_int(c, 22),
            "minInt": pb.get_int(c, 17),
            "mult": pb.get_float(c, 14),
        }
    )
    return conf


def _config(db: sqlite3.Connection) -> dict[str, Any]:
    conf: dict[str, Any] = {}
    for key, val in db.execute("select key, val from config"):
        try:
            conf[str(key)] = json.loads(val)
        except (ValueError, UnicodeDecodeError):
            continue
    return conf
