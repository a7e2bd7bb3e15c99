"""The deck tree the scheduler walks: every deck with its parent, children, preset options and
today's limits, read once from the decks and presets JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from javumbo.collection.collection import Collection
from javumbo.collection.deck_preset import deck_preset_id
from javumbo.collection.errors import NotFoundError, ValidationError
from javumbo.collection.scheduler.options import SchedulingOptions

SEPARATOR = "::"
UNLIMITED = 1 << 30
# Custom study's "increase today's limit" amounts of today, [day, new, review] (custom_study)
EXTENDED_TODAY_KEY = "javumboExtendedToday"


@dataclass
class DeckNode:
    did: int
    name: str
    parent: int | None
    dyn: bool
    options: SchedulingOptions | None
    children: list[int] = field(default_factory=list)
    new_limit: int = UNLIMITED
    review_limit: int = UNLIMITED
    preset_id: int | None = None
    # today's custom study extensions of this deck alone
    extended_new: int = 0
    extended_review: int = 0


def current_limit(deck: dict[str, Any], key: str, preset_limit: int, today: int) -> int:
    """Anki's ``current_new_limit``/``current_review_limit``: a "today only" limit set for
    today wins, then the deck's own ("this deck") limit, then the preset's."""
    day_limit = deck.get(f"{key}Today")
    if isinstance(day_limit, dict) and day_limit.get("today") == today:
        return int(day_limit.get("limit", preset_limit))
    own = deck.get(key)
    if isinstance(own, int) and not isinstance(own, bool):
        return own
    return preset_limit


_parsed_presets: dict[int, tuple[dict[str, Any], SchedulingOptions]] = {}


def options_for_preset(col: Collection, conf_id: Any) -> SchedulingOptions:
    """A preset's options, parsed once per version of the preset dict (``save_json`` replaces
    the dict, so identity tells when it changed)."""
    preset = col.dconf.get(str(conf_id)) or col.dconf.get("1") or {}
    cached = _parsed_presets.get(id(preset))
    if cached is not None and cached[0] is preset:
        return cached[1]
    options = SchedulingOptions.from_preset(preset)
    if len(_parsed_presets) > 256:
        _parsed_presets.clear()
    _parsed_presets[id(preset)] = (preset, options)
    return options


def _extension(deck: dict[str, Any], today: int) -> tuple[int, int]:
    value = deck.get(EXTENDED_TODAY_KEY)
    if isinstance(value, list) and len(value) == 3 and value[0] == today:
        return int(value[1]), int(value[2])
    return 0, 0


def deck_nodes(col: Collection) -> dict[int, DeckNode]:
    """Every deck with its parent and children, found from the ``::`` names."""
    by_name: dict[str, int] = {}
    nodes: dict[int, DeckNode] = {}
    presets: dict[Any, SchedulingOptions] = {}
    today = col.sched_timing().days_elapsed
    for deck in sorted(col.decks.values(), key=lambda d: str(d["name"]).lower()):
        did = int(deck["id"])
        name = str(deck["name"])
        dyn = bool(deck.get("dyn"))
        options = None
        if not dyn:
            conf_id = deck_preset_id(col, deck)
            if conf_id not in presets:
                presets[conf_id] = options_for_preset(col, conf_id)
            options = presets[conf_id]
        parent_name = name.rsplit(SEPARATOR, 1)[0].lower() if SEPARATOR in name else None
        parent = by_name.get(parent_name) if parent_name else None
        node = DeckNode(did, name, parent, dyn, options)
        if options is not None:
            node.preset_id = conf_id
            node.new_limit = current_limit(deck, "newLimit", options.new_per_day, today)
            node.review_limit = current_limit(deck, "reviewLimit", options.reviews_per_day, today)
            node.extended_new, node.extended_review = _extension(deck, today)
        nodes[did] = node
        if parent is not None:
            nodes[parent].children.append(did)
        by_name[name.lower()] = did
    return nodes


def subtree(nodes: dict[int, DeckNode], did: int) -> list[int]:
    """``did`` and its descendants in tree (pre-)order."""
    order = [did]
    index = 0
    while index < len(order):
        current = order[index]
        index += 1
        order[index:index] = nodes[current].children
    return order


def ancestors(nodes: dict[int, DeckNode], did: int) -> list[int]:
    """The parents of ``did``, nearest first."""
    found: list[int] = []
    parent = nodes[did].parent
    while parent is not None:
        found.append(parent)
        parent = nodes[parent].parent
    return found


def check_deck(nodes: dict[int, DeckNode], deck_id: Any) -> int:
    if isinstance(deck_id, bool) or not isinstance(deck_id, int):
        raise ValidationError(f"deck id must be an integer, not {deck_id!r}")
    if deck_id not in nodes:
        raise NotFoundError(f"no deck with id {deck_id}")
    return deck_id
