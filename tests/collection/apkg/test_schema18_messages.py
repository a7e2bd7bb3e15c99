"""Each schema-18 message names its field numbers once, and they are Anki's: the names and
numbers of every field of Anki's own generated protobuf classes, no more and no less."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import pytest

from javumbo.collection.apkg.schema18_messages.deck_common import DeckCommon
from javumbo.collection.apkg.schema18_messages.deck_config import DeckConfig
from javumbo.collection.apkg.schema18_messages.deck_filtered import DeckFiltered, SearchTerm
from javumbo.collection.apkg.schema18_messages.deck_kind import KindContainer
from javumbo.collection.apkg.schema18_messages.deck_normal import DayLimit, DeckNormal
from javumbo.collection.apkg.schema18_messages.field_config import FieldConfig
from javumbo.collection.apkg.schema18_messages.notetype_config import (
    CardRequirement,
    NotetypeConfig,
)
from javumbo.collection.apkg.schema18_messages.template_config import TemplateConfig


def _anki_messages() -> list[tuple[type[IntEnum], Any]]:
    from anki import deck_config_pb2, decks_pb2, notetypes_pb2

    notetype, deck = notetypes_pb2.Notetype, decks_pb2.Deck
    return [
        (NotetypeConfig, notetype.Config),
        (CardRequirement, notetype.Config.CardRequirement),
        (FieldConfig, notetype.Field.Config),
        (TemplateConfig, notetype.Template.Config),
        (DeckCommon, deck.Common),
        (KindContainer, deck.KindContainer),
        (DeckNormal, deck.Normal),
        (DayLimit, deck.Normal.DayLimit),
        (DeckFiltered, deck.Filtered),
        (SearchTerm, deck.Filtered.SearchTerm),
        (DeckConfig, deck_config_pb2.DeckConfig.Config),
    ]


@pytest.mark.parametrize("index", range(11))
def test_field_numbers_are_ankis(index: int) -> None:
    ours, anki_message = _anki_messages()[index]
    anki_fields = {f.name.upper(): f.number for f in anki_message.DESCRIPTOR.fields}
    assert {member.name: member.value for member in ours} == anki_fields
