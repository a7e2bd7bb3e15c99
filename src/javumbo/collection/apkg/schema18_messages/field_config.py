"""``fields.config``: Notetype.Field.Config (``proto/anki/notetypes.proto``)."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from javumbo.collection.apkg import protobuf as pb
from javumbo.collection.apkg import schema11_json as sj
from javumbo.collection.apkg.schema11_json import I64, U16, U32, Struct
from javumbo.collection.apkg.schema18_messages import scalars as sc


class FieldConfig(IntEnum):
    STICKY = 1
    RTL = 2
    FONT_NAME = 3
    FONT_SIZE = 4
    DESCRIPTION = 5
    PLAIN_TEXT = 6
    COLLAPSED = 7
    EXCLUDE_FROM_SEARCH = 8
    ID = 9
    TAG = 10
    PREVENT_DELETION = 11
    OTHER = sc.OTHER


def read_field(ord_: int, name: str, cfg: pb.Fields) -> dict[str, Any]:
    """The schema-11 field of a ``fields`` row."""
    c = FieldConfig
    field: dict[str, Any] = {
        "name": name,
        "ord": ord_ & 0xFFFF,
        "sticky": pb.get_bool(cfg, c.STICKY),
        "rtl": pb.get_bool(cfg, c.RTL),
        "font": pb.get_str(cfg, c.FONT_NAME),
        "size": pb.get_int(cfg, c.FONT_SIZE) & 0xFFFF,
        "description": pb.get_str(cfg, c.DESCRIPTION),
        "plainText": pb.get_bool(cfg, c.PLAIN_TEXT),
        "collapsed": pb.get_bool(cfg, c.COLLAPSED),
        "excludeFromSearch": pb.get_bool(cfg, c.EXCLUDE_FROM_SEARCH),
        "id": pb.get_sint(cfg, c.ID) if c.ID in cfg else None,
        "tag": sc.u32(cfg, c.TAG) if c.TAG in cfg else None,
        "preventDeletion": pb.get_bool(cfg, c.PREVENT_DELETION),
    }
    field.update(sc.unreserved(sc.other(cfg), field))
    return field


def write_field_config(value: Any, where: str) -> bytes:
    """The Field.Config of a schema-11 field (its name goes to the row)."""
    c = FieldConfig
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
            pb.implicit_varint(c.STICKY, sticky),
            pb.implicit_varint(c.RTL, rtl),
            pb.implicit_str(c.FONT_NAME, font),
            pb.implicit_varint(c.FONT_SIZE, size),
            pb.implicit_str(c.DESCRIPTION, description),
            pb.implicit_varint(c.PLAIN_TEXT, plain_text),
            pb.implicit_varint(c.COLLAPSED, collapsed),
            pb.implicit_varint(c.EXCLUDE_FROM_SEARCH, exclude),
            sc.present_varint(c.ID, field_id),
            sc.present_varint(c.TAG, tag),
            pb.implicit_varint(c.PREVENT_DELETION, prevent_deletion),
            sc.other_field(f.other()),
        ]
    )
