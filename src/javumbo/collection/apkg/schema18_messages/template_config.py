"""``templates.config``: Notetype.Template.Config (``proto/anki/notetypes.proto``)."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from javumbo.collection.apkg import protobuf as pb
from javumbo.collection.apkg import schema11_json as sj
from javumbo.collection.apkg.schema11_json import I64, U8, U16, Struct
from javumbo.collection.apkg.schema18_messages import scalars as sc


class TemplateConfig(IntEnum):
    Q_FORMAT = 1
    A_FORMAT = 2
    Q_FORMAT_BROWSER = 3
    A_FORMAT_BROWSER = 4
    TARGET_DECK_ID = 5
    BROWSER_FONT_NAME = 6
    BROWSER_FONT_SIZE = 7
    ID = 8
    OTHER = sc.OTHER


def read_template(ord_: int, name: str, cfg: pb.Fields) -> dict[str, Any]:
    """The schema-11 template of a ``templates`` row."""
    c = TemplateConfig
    deck_id = pb.get_sint(cfg, c.TARGET_DECK_ID)
    tmpl: dict[str, Any] = {
        "name": name,
        "ord": ord_ & 0xFFFF,
        "qfmt": pb.get_str(cfg, c.Q_FORMAT),
        "afmt": pb.get_str(cfg, c.A_FORMAT),
        "bqfmt": pb.get_str(cfg, c.Q_FORMAT_BROWSER),
        "bafmt": pb.get_str(cfg, c.A_FORMAT_BROWSER),
        "did": deck_id if deck_id > 0 else None,
        "bfont": pb.get_str(cfg, c.BROWSER_FONT_NAME),
        "bsize": pb.get_int(cfg, c.BROWSER_FONT_SIZE) & 0xFF,
        "id": pb.get_sint(cfg, c.ID) if c.ID in cfg else None,
    }
    tmpl.update(sc.unreserved(sc.other(cfg), tmpl))
    return tmpl


def write_template_config(value: Any, where: str) -> bytes:
    """The Template.Config of a schema-11 template (its name goes to the row)."""
    c = TemplateConfig
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
            pb.implicit_str(c.Q_FORMAT, qfmt),
            pb.implicit_str(c.A_FORMAT, afmt),
            pb.implicit_str(c.Q_FORMAT_BROWSER, bqfmt),
            pb.implicit_str(c.A_FORMAT_BROWSER, bafmt),
            pb.implicit_varint(c.TARGET_DECK_ID, did or 0),
            pb.implicit_str(c.BROWSER_FONT_NAME, bfont),
            pb.implicit_varint(c.BROWSER_FONT_SIZE, bsize),
            sc.present_varint(c.ID, template_id),
            sc.other_field(t.other()),
        ]
    )
