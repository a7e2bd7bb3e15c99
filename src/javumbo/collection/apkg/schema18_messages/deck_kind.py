"""``decks.kind``: Deck.KindContainer, a normal or a filtered deck (``proto/anki/decks.proto``),
and a whole ``decks`` row read back as schema 11's deck."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from javumbo.collection.apkg import protobuf as pb
from javumbo.collection.apkg.errors import PackageError
from javumbo.collection.apkg.schema11_json import Invalid, Struct
from javumbo.collection.apkg.schema18_messages import scalars as sc
from javumbo.collection.apkg.schema18_messages.deck_common import read_deck_common
from javumbo.collection.apkg.schema18_messages.deck_filtered import read_filtered, write_filtered
from javumbo.collection.apkg.schema18_messages.deck_normal import (
    NORMAL_KEYS,
    read_description,
    read_normal,
    write_normal,
)


class KindContainer(IntEnum):
    NORMAL = 1
    FILTERED = 2


def read_deck(
    did: int, name: str, mtime: int, usn: int, common_raw: bytes, kind_raw: bytes
) -> dict[str, Any]:
    """The schema-11 deck of a ``decks`` row."""
    common = pb.decode(common_raw)
    kind = pb.decode(kind_raw)
    if KindContainer.FILTERED in kind:
        filtered = pb.get_message(kind, KindContainer.FILTERED)
        deck = read_deck_common(did, name, mtime, usn, common, description="", markdown=False)
        deck["dyn"] = 1
        deck.update(_deck_other(common, deck))
        deck.update(read_filtered(filtered))
    elif KindContainer.NORMAL in kind:
        normal = pb.get_message(kind, KindContainer.NORMAL)
        description, markdown = read_description(normal)
        deck = read_deck_common(did, name, mtime, usn, common, description, markdown)
        deck["dyn"] = 0
        deck.update(_deck_other(common, deck))
        deck.update(read_normal(normal))
    else:  # Anki cannot downgrade such a deck either
        raise PackageError(f"the package's deck {did} is neither a normal nor a filtered deck")
    return deck


def _deck_other(common: pb.Fields, deck: dict[str, Any]) -> dict[str, Any]:
    """Every deck's ``other`` loses the keys it shares with the deck (but ``md``) and the keys
    of a normal deck, even when it is a filtered one."""
    return sc.unreserved(sc.other(common), (deck.keys() - {"md"}) | NORMAL_KEYS)


def is_filtered(deck: Struct) -> bool:
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


def write_kind(deck: Struct, filtered: bool) -> tuple[int | None, bytes]:
    """The deck's KindContainer, and its options preset id when it is a normal deck."""
    if filtered:
        return None, pb.bytes_field(KindContainer.FILTERED, write_filtered(deck))
    config_id, normal = write_normal(deck)
    return config_id, pb.bytes_field(KindContainer.NORMAL, normal)
