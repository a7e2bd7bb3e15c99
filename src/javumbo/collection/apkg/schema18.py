"""The current collection schema (18) read back into schema 11's JSON.

Since Anki 2.1.28 a collection keeps note types, decks, deck options, config and tags in
tables whose rows hold protobuf blobs (``proto/anki/*.proto`` in Anki's repository gives the
field numbers used here), while ``col.models`` etc. are empty. Javumbo stores schema 11, so an
imported current-format package, or a collection a client sends in a full upload, is turned
into the very JSON Anki 26.9 writes when it downgrades a collection (``close(downgrade=True)``;
``rslib/src/*/schema11.rs``, ``rslib/src/storage/*/mod.rs``), as measured against it value by
value. That JSON is what Anki's serde structs print, read back by Python's ``json``:

* scalars are decoded as prost decodes them (a ``uint32`` keeps the low 32 bits of its varint,
  an ``int32`` or enum wraps) and cast as Rust's ``as`` casts (``u32 as u16`` wraps, ``f32 as
  u32`` saturates); an f32 prints as its shortest decimal, a non-finite one as ``null``;
* a deck options preset first goes through ``ensure_deck_config_values_valid``, as whenever
  Anki reads one: a value outside its bounds is replaced by its default;
* the keys of a message's ``other`` (JSON of the keys Anki does not model) come back, except
  those the struct reserves. A deck's ``md`` is not reserved and is printed after the deck's own
  ``md``: Python keeps the later of two equal keys, as ``dict.update`` does when each dict is
  built in print order.

Tags keep only their usn: schema 11 has no place for a tag's collapsed state.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Container
from typing import Any

from javumbo.collection.apkg import protobuf as pb
from javumbo.collection.apkg import schema11_json as sj
from javumbo.collection.apkg.errors import PackageError

TABLES_18 = ("notetypes", "fields", "templates", "decks", "deck_config", "config", "tags")

_U32_MAX = 2**32 - 1
_REQ_KINDS = {1: "any", 2: "all"}  # anything else is "none"


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


# ----------------------------------------------------------------- proto3 scalars, as Rust


def _u32(fields: pb.Fields, number: int) -> int:
    return pb.get_int(fields, number) & _U32_MAX


def _i32(fields: pb.Fields, number: int) -> int:
    return sj.wrap_i32(pb.get_int(fields, number))


def _f32(fields: pb.Fields, number: int) -> float:
    """The field's exact single-precision value (0.0 when absent), for arithmetic."""
    return pb.to_float32(pb.get_float(fields, number))


def _json_float(value: float) -> float | None:
    """An f32 as serde_json prints it: shortest digits, ``null`` when not finite."""
    return pb.shortest_float32(value) if math.isfinite(value) else None


def _json_floats(fields: pb.Fields, number: int) -> list[float | None]:
    return [_json_float(v) for v in pb.get_floats(fields, number)]


def _f32_as_u32(value: float) -> int:
    """Rust's saturating ``as u32`` of an f32."""
    if math.isnan(value) or value <= 0:
        return 0
    return _U32_MAX if value >= 2**32 else int(value)


def _uint_list(fields: pb.Fields, number: int) -> list[int]:
    """A ``repeated uint32``, packed or not."""
    out: list[int] = []
    for value in fields.get(number, []):
        if isinstance(value, int):
            out.append(value & _U32_MAX)
        else:
            pos = 0
            while pos < len(value):
                item, pos = pb.read_varint(value, pos)
                out.append(item & _U32_MAX)
    return out


def _other(fields: pb.Fields) -> dict[str, Any]:
    """The message's ``other`` keys, read as serde_json reads them into a map; anything that is
    not a JSON object reads as no keys at all."""
    raw = pb.get_bytes(fields, 255)
    if not raw:
        return {}
    try:
        return sj.parse_object(raw.decode("utf-8"))
    except (UnicodeDecodeError, sj.Invalid):
        return {}


def _unreserved(other: Any, reserved: Container[str]) -> dict[str, Any]:
    """The keys of ``other`` (an object, else none) that the struct does not reserve."""
    if not isinstance(other, dict):
        return {}
    return {key: value for key, value in other.items() if key not in reserved}


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
    nt: dict[str, Any] = {
        "id": ntid,
        "name": name,
        "type": 1 if _i32(cfg, 1) == 1 else 0,
        "mod": mtime,
        "usn": usn,
        "sortf": pb.get_int(cfg, 2) & 0xFFFF,
        "did": pb.get_sint(cfg, 4) or None,
        "tmpls": tmpls,
        "flds": flds,
        "css": pb.get_str(cfg, 3),
        "latexPre": pb.get_str(cfg, 5),
        "latexPost": pb.get_str(cfg, 6),
        "latexsvg": pb.get_bool(cfg, 7),
        "req": [_card_requirement(req) for req in pb.get_messages(cfg, 8)],
        "originalStockKind": _i32(cfg, 9),
    }
    if 10 in cfg:
        nt["originalId"] = pb.get_sint(cfg, 10)
    nt.update(_unreserved(_other(cfg), nt.keys() | {"originalId"}))
    return nt


def _card_requirement(req: pb.Fields) -> list[Any]:
    """``[card ord, "none"|"any"|"all", [field ords]]``, ords cast to u16."""
    return [
        pb.get_int(req, 1) & 0xFFFF,
        _REQ_KINDS.get(_i32(req, 2), "none"),
        [ord_ & 0xFFFF for ord_ in _uint_list(req, 3)],
    ]


def _field(ord_: int, name: str, cfg: pb.Fields) -> dict[str, Any]:
    field: dict[str, Any] = {
        "name": name,
        "ord": ord_ & 0xFFFF,
        "sticky": pb.get_bool(cfg, 1),
        "rtl": pb.get_bool(cfg, 2),
        "font": pb.get_str(cfg, 3),
        "size": pb.get_int(cfg, 4) & 0xFFFF,
        "description": pb.get_str(cfg, 5),
        "plainText": pb.get_bool(cfg, 6),
        "collapsed": pb.get_bool(cfg, 7),
        "excludeFromSearch": pb.get_bool(cfg, 8),
        "id": pb.get_sint(cfg, 9) if 9 in cfg else None,
        "tag": _u32(cfg, 10) if 10 in cfg else None,
        "preventDeletion": pb.get_bool(cfg, 11),
    }
    field.update(_unreserved(_other(cfg), field))
    return field


def _template(ord_: int, name: str, cfg: pb.Fields) -> dict[str, Any]:
    deck_id = pb.get_sint(cfg, 5)
    tmpl: dict[str, Any] = {
        "name": name,
        "ord": ord_ & 0xFFFF,
        "qfmt": pb.get_str(cfg, 1),
        "afmt": pb.get_str(cfg, 2),
        "bqfmt": pb.get_str(cfg, 3),
        "bafmt": pb.get_str(cfg, 4),
        "did": deck_id if deck_id > 0 else None,
        "bfont": pb.get_str(cfg, 6),
        "bsize": pb.get_int(cfg, 7) & 0xFF,
        "id": pb.get_sint(cfg, 8) if 8 in cfg else None,
    }
    tmpl.update(_unreserved(_other(cfg), tmpl))
    return tmpl


# ----------------------------------------------------------------- decks


def _decks(db: sqlite3.Connection) -> dict[str, Any]:
    decks: dict[str, Any] = {}
    for did, name, mtime, usn, common_raw, kind_raw in db.execute(
        "select id, name, mtime_secs, usn, common, kind from decks"
    ):
        common = pb.decode(common_raw)
        kind = pb.decode(kind_raw)
        if 2 in kind:
            filtered = pb.get_message(kind, 2)
            deck = _deck_common(did, name, mtime, usn, common, description="", markdown=False)
            deck["dyn"] = 1
            deck.update(_deck_other(common, deck))
            deck.update(_filtered(filtered))
        elif 1 in kind:
            normal = pb.get_message(kind, 1)
            description, markdown = pb.get_str(normal, 4), pb.get_bool(normal, 5)
            deck = _deck_common(did, name, mtime, usn, common, description, markdown)
            deck["dyn"] = 0
            deck.update(_deck_other(common, deck))
            deck.update(_normal(normal))
        else:  # Anki cannot downgrade such a deck either
            raise PackageError(f"the package's deck {did} is neither a normal nor a filtered deck")
        decks[str(did)] = deck
    return decks


def _deck_common(
    did: int,
    name: str,
    mtime: int,
    usn: int,
    common: pb.Fields,
    description: str,
    markdown: bool,
) -> dict[str, Any]:
    """The keys every deck has, up to ``dyn``: the four counts share the one day kept."""
    day = _i32(common, 3)
    deck: dict[str, Any] = {
        "id": did,
        "mod": mtime,
        "name": str(name).replace("\x1f", "::"),
        "usn": usn,
        "lrnToday": [day, _i32(common, 6)],
        "revToday": [day, _i32(common, 5)],
        "newToday": [day, _i32(common, 4)],
        "timeToday": [day, _i32(common, 7)],
        "collapsed": pb.get_bool(common, 1),
        "browserCollapsed": pb.get_bool(common, 2),
        "desc": description,
    }
    if markdown:
        deck["md"] = True
    return deck


def _deck_other(common: pb.Fields, deck: dict[str, Any]) -> dict[str, Any]:
    """Every deck's ``other`` loses the keys it shares with the deck (but ``md``) and the keys
    of a normal deck, even when it is a filtered one."""
    return _unreserved(_other(common), (deck.keys() - {"md"}) | _NORMAL_KEYS)


def _normal(normal: pb.Fields) -> dict[str, Any]:
    # The deck's desired retention is a fraction in schema 18, a whole percentage in 11.
    retention = _f32_as_u32(pb.to_float32(_f32(normal, 10) * 100)) if 10 in normal else None
    return {
        "conf": pb.get_sint(normal, 1),
        "extendNew": _i32(normal, 2),
        "extendRev": _i32(normal, 3),
        "reviewLimit": _u32(normal, 6) if 6 in normal else None,
        "newLimit": _u32(normal, 7) if 7 in normal else None,
        "reviewLimitToday": _day_limit(normal, 8),
        "newLimitToday": _day_limit(normal, 9),
        "desiredRetention": retention,
    }


def _day_limit(normal: pb.Fields, number: int) -> dict[str, int] | None:
    if number not in normal:
        return None
    limit = pb.get_message(normal, number)
    return {"limit": _u32(limit, 1), "today": _u32(limit, 2)}


_NORMAL_KEYS = frozenset(_normal({}))


def _filtered(filtered: pb.Fields) -> dict[str, Any]:
    terms = [
        [pb.get_str(term, 1), _i32(term, 2), _i32(term, 3)] for term in pb.get_messages(filtered, 2)
    ]
    return {
        "resched": pb.get_bool(filtered, 1),
        "terms": terms,
        "separate": True,
        "delays": _json_floats(filtered, 3) or None,
        "previewDelay": _u32(filtered, 4),
        "previewAgainSecs": _u32(filtered, 7),
        "previewHardSecs": _u32(filtered, 5),
        "previewGoodSecs": _u32(filtered, 6),
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
    new = {
        "bury": pb.get_bool(c, 27),
        "delays": _json_floats(c, 1),
        "initialFactor": _initial_factor(c),
        "ints": [_bounded_u32(c, 18, 1, 1, 36500), _bounded_u32(c, 19, 4, 1, 36500), 0],
        # schema 18: 0 in order added, 1 random; schema 11 the other way round
        "order": 0 if _i32(c, 20) == 1 else 1,
        "perDay": _bounded_u32(c, 9, 20, 0, 9999),
    }
    rev = {
        "bury": pb.get_bool(c, 28),
        "ease4": _bounded_f32(c, 12, 1.3, 1.0, 5.0),
        "ivlFct": _bounded_f32(c, 15, 1.0, 0.5, 2.0),
        "maxIvl": _bounded_u32(c, 16, 36500, 1, 36500),
        "perDay": _bounded_u32(c, 10, 200, 0, 9999),
        "hardFactor": _bounded_f32(c, 13, 1.2, 0.5, 1.3),
    }
    lapse = {
        "delays": _json_floats(c, 2),
        "leechAction": 1 if _i32(c, 21) == 1 else 0,
        "leechFails": _bounded_u32(c, 22, 8, 1, 9999),
        "minInt": _bounded_u32(c, 17, 1, 1, 36500),
        "mult": _bounded_f32(c, 14, 0.0, 0.0, 1.0),
    }
    conf: dict[str, Any] = {
        "id": dcid,
        "mod": mtime,
        "name": name,
        "usn": usn,
        "maxTaken": _bounded_u32(c, 24, 60, 1, 9999),
        "autoplay": not pb.get_bool(c, 23),
        "timer": 1 if pb.get_bool(c, 25) else 0,
        "replayq": not pb.get_bool(c, 26),
        "new": new,
        "rev": rev,
        "lapse": lapse,
        "dyn": False,
        "newMix": _i32(c, 30),
        "newPerDayMinimum": _bounded_u32(c, 35, 0, 0, 9999),
        "interdayLearningMix": _i32(c, 31),
        "reviewOrder": _i32(c, 33),
        "newSortOrder": _i32(c, 32),
        "newGatherPriority": _i32(c, 34),
        "buryInterdayLearning": pb.get_bool(c, 29),
        "fsrsWeights": _json_floats(c, 3),
        "fsrsParams5": _json_floats(c, 5),
        "fsrsParams6": _json_floats(c, 6),
        "desiredRetention": _bounded_f32(c, 37, 0.9, 0.7, 0.99),
        "ignoreRevlogsBeforeDate": pb.get_str(c, 46),
        "easyDaysPercentages": _json_floats(c, 4),
        "stopTimerOnAnswer": pb.get_bool(c, 38),
        "secondsToShowQuestion": _json_float(pb.get_float(c, 41)),
        "secondsToShowAnswer": _json_float(pb.get_float(c, 42)),
        # an action Anki has no name for reads as the first one
        "questionAction": _i32(c, 36) if _i32(c, 36) in (0, 1) else 0,
        "answerAction": _i32(c, 43) if _i32(c, 43) in range(5) else 0,
        "waitForAudio": pb.get_bool(c, 44),
        "sm2Retention": _bounded_f32(c, 40, 0.9, 0.7, 0.97),
        "weightSearch": pb.get_str(c, 45),
    }
    # The unknown keys of new/rev/lapse are kept in ``other`` under the section's name.
    other = _other(c)
    for section, known in (("new", new), ("rev", rev), ("lapse", lapse)):
        known.update(_unreserved(other.pop(section, None), known))
    conf.update(_unreserved(other, conf))
    return conf


def _bounded_u32(c: pb.Fields, number: int, default: int, low: int, high: int) -> int:
    """ensure_u32_valid: a value outside ``low..high`` becomes ``default``."""
    value = _u32(c, number)
    return value if low <= value <= high else default


def _bounded_f32(c: pb.Fields, number: int, default: float, low: float, high: float) -> float:
    """ensure_f32_valid, bounds compared in single precision: NaN or a value outside
    ``low..high`` becomes ``default``."""
    value = _f32(c, number)
    if math.isnan(value) or not pb.to_float32(low) <= value <= pb.to_float32(high):
        return default
    return pb.shortest_float32(value)


def _initial_factor(c: pb.Fields) -> int:
    """``(initial_ease * 1000.0) as u16``, in single precision."""
    ease = pb.to_float32(_bounded_f32(c, 11, 2.5, 1.31, 5.0))
    return min(int(pb.to_float32(ease * 1000)), 0xFFFF)


# ----------------------------------------------------------------- config


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
