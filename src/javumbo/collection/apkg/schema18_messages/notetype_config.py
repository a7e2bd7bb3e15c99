"""``notetypes.config``: Notetype.Config, with its CardRequirement
(``proto/anki/notetypes.proto``)."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from javumbo.collection.apkg import protobuf as pb
from javumbo.collection.apkg import schema11_json as sj
from javumbo.collection.apkg.schema11_json import I32, I64, U16, Invalid, Struct
from javumbo.collection.apkg.schema18_messages import scalars as sc


class NotetypeConfig(IntEnum):
    KIND = 1
    SORT_FIELD_IDX = 2
    CSS = 3
    TARGET_DECK_ID_UNUSED = 4
    LATEX_PRE = 5
    LATEX_POST = 6
    LATEX_SVG = 7
    REQS = 8
    ORIGINAL_STOCK_KIND = 9
    ORIGINAL_ID = 10
    OTHER = sc.OTHER


class CardRequirement(IntEnum):
    CARD_ORD = 1
    KIND = 2
    FIELD_ORDS = 3


# CardRequirement.kind: 0 none, 1 any, 2 all
_REQ_KINDS = {"none": 0, "any": 1, "all": 2}
_REQ_NAMES = {1: "any", 2: "all"}  # anything else is "none"
_CLOZE = 1


def read_notetype(
    ntid: int,
    name: str,
    mtime: int,
    usn: int,
    cfg: pb.Fields,
    flds: list[dict[str, Any]],
    tmpls: list[dict[str, Any]],
) -> dict[str, Any]:
    """The schema-11 note type of a ``notetypes`` row, its fields' and templates' JSON given."""
    c = NotetypeConfig
    nt: dict[str, Any] = {
        "id": ntid,
        "name": name,
        "type": 1 if sc.i32(cfg, c.KIND) == _CLOZE else 0,
        "mod": mtime,
        "usn": usn,
        "sortf": pb.get_int(cfg, c.SORT_FIELD_IDX) & 0xFFFF,
        "did": pb.get_sint(cfg, c.TARGET_DECK_ID_UNUSED) or None,
        "tmpls": tmpls,
        "flds": flds,
        "css": pb.get_str(cfg, c.CSS),
        "latexPre": pb.get_str(cfg, c.LATEX_PRE),
        "latexPost": pb.get_str(cfg, c.LATEX_POST),
        "latexsvg": pb.get_bool(cfg, c.LATEX_SVG),
        "req": [_read_card_requirement(req) for req in pb.get_messages(cfg, c.REQS)],
        "originalStockKind": sc.i32(cfg, c.ORIGINAL_STOCK_KIND),
    }
    if c.ORIGINAL_ID in cfg:
        nt["originalId"] = pb.get_sint(cfg, c.ORIGINAL_ID)
    nt.update(sc.unreserved(sc.other(cfg), nt.keys() | {"originalId"}))
    return nt


def _read_card_requirement(req: pb.Fields) -> list[Any]:
    """``[card ord, "none"|"any"|"all", [field ords]]``, ords cast to u16."""
    r = CardRequirement
    return [
        pb.get_int(req, r.CARD_ORD) & 0xFFFF,
        _REQ_NAMES.get(sc.i32(req, r.KIND), "none"),
        [ord_ & 0xFFFF for ord_ in sc.uint_list(req, r.FIELD_ORDS)],
    ]


def write_notetype_config(nt: Struct) -> bytes:
    """The Notetype.Config of a schema-11 note type (its keys but name, fields and templates)."""
    c = NotetypeConfig
    kind = nt.required("type", sj.one_of(0, 1))
    sortf = nt.required("sortf", sj.integer(U16))
    did = nt.lenient("did", sj.nullable(sj.integer(I64)), None, missing_ok=False)
    css = nt.lenient("css", sj.string, "", missing_ok=False)
    latex_pre = nt.default("latexPre", sj.string, "")
    latex_post = nt.default("latexPost", sj.string, "")
    latex_svg = nt.lenient("latexsvg", sj.boolean, False, missing_ok=True)
    reqs: list[bytes] = nt.lenient("req", sj.list_of(_write_card_requirement), [], missing_ok=True)
    stock_kind = nt.default("originalStockKind", sj.integer(I32), 0)
    original_id = nt.default("originalId", sj.nullable(sj.integer(I64)), None)
    return pb.message(
        [
            pb.implicit_varint(c.KIND, kind),
            pb.implicit_varint(c.SORT_FIELD_IDX, sortf),
            pb.implicit_str(c.CSS, css),
            pb.implicit_varint(c.TARGET_DECK_ID_UNUSED, did or 0),
            pb.implicit_str(c.LATEX_PRE, latex_pre),
            pb.implicit_str(c.LATEX_POST, latex_post),
            pb.implicit_varint(c.LATEX_SVG, latex_svg),
            *(pb.bytes_field(c.REQS, req) for req in reqs),
            pb.implicit_varint(c.ORIGINAL_STOCK_KIND, stock_kind),
            sc.present_varint(c.ORIGINAL_ID, original_id),
            sc.other_field(nt.other()),
        ]
    )


def _write_card_requirement(value: Any) -> bytes:
    """``[card ord, "none"|"any"|"all", [field ords]]``."""
    r = CardRequirement
    if not isinstance(value, list) or len(value) != 3 or not isinstance(value[1], str):
        raise Invalid(f"{value!r} is not a card requirement")
    if value[1] not in _REQ_KINDS:
        raise Invalid(f"{value!r} is not a card requirement")
    return pb.message(
        [
            pb.implicit_varint(r.CARD_ORD, sj.integer(U16)(value[0])),
            pb.implicit_varint(r.KIND, _REQ_KINDS[value[1]]),
            pb.packed_varints(r.FIELD_ORDS, sj.list_of(sj.integer(U16))(value[2])),
        ]
    )
