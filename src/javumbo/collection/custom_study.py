"""Custom study, Anki's six modes (``rslib/src/scheduler/filtered/custom_study.rs``).

Two modes raise today's limits of a deck (``newToday``/``revToday`` lowered by the extension,
``extendNew``/``extendRev`` remembered for the dialog); the four others (re)build the filtered
deck "Custom Study Session" with the search strings Anki writes for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from javumbo.collection import decks
from javumbo.collection.collection import Collection
from javumbo.collection.errors import ValidationError
from javumbo.collection.filtered_decks import (
    ORDER_ADDED,
    ORDER_DUE,
    ORDER_RANDOM,
    FilteredDeckConfig,
    SearchTerm,
    save_filtered_deck,
)
from javumbo.collection.scheduler import deck_stats
from javumbo.collection.scheduler.limits import APPLY_ALL_PARENT_LIMITS_KEY
from javumbo.collection.undo import UndoStep

CUSTOM_STUDY_DECK = "Custom Study Session"
# Today's extensions alone ([day, new, review]): Anki's newToday/revToday mix them with the
# day's answers, which the scheduler here counts from the revlog.
EXTENDED_KEY = "javumboExtendedToday"
MODES = ("new_limit", "review_limit", "forgotten", "review_ahead", "preview_new", "cram")
CRAM_KINDS = ("due", "new", "review", "all")  # Anki's CramKind 0-3
DEFAULT_CARD_LIMIT = 99_999
MAX_DAYS = 36_500
MAX_DELTA = 9_999
_WILDCARDS = re.compile(r"[\\*_]")
_NEEDS_QUOTES = re.compile(r"(?i)^and$|^or$|^-.| |\u3000|\(|\)")


@dataclass(frozen=True)
class CramOptions:
    kind: str = "due"
    card_limit: int = 100
    tags_to_include: tuple[str, ...] = ()
    tags_to_exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class TagChoice:
    """A tag of the deck's notes, and whether the last "study by card state or tag" session
    required or excluded it (Anki's tag chooser starts from that)."""

    name: str
    include: bool
    exclude: bool


@dataclass(frozen=True)
class StudyDefaults:
    """What Anki's custom study dialog shows before a mode is chosen
    (``custom_study_defaults``): the cards available beyond today's limits in the deck itself
    and in its subdecks, and the last limit increases."""

    available_new: int
    available_new_in_children: int
    available_review: int
    available_review_in_children: int
    extend_new: int
    extend_review: int
    tags: tuple[TagChoice, ...] = ()


def study_defaults(col: Collection, deck_id: int) -> StudyDefaults:
    """Anki's uncapped counts: new cards (queue 0) and reviews due by today (queue 2; interday
    learning and buried or suspended cards are not counted), per deck, summed over the subtree;
    cards in a filtered deck count where they are now."""
    deck = decks.get_deck(col, deck_id)
    if deck.get("dyn"):
        raise ValidationError("custom study works on a normal deck, not a filtered one")
    dids = decks.child_deck_ids(col, deck_id)
    today = col.sched_timing().days_elapsed
    counts: dict[int, tuple[int, int]] = {}
    for start in range(0, len(dids), 500):
        part = dids[start : start + 500]
        rows = col.db.execute(
            "select did, sum(queue = 0), sum(queue = 2 and due <= ?) from cards"
            f" where did in ({', '.join('?' * len(part))}) group by did",
            (today, *part),
        )
        for did, new, review in rows:
            counts[int(did)] = (int(new or 0), int(review or 0))
    own_new, own_review = counts.get(deck_id, (0, 0))
    return StudyDefaults(
        available_new=own_new,
        available_new_in_children=sum(n for n, _ in counts.values()) - own_new,
        available_review=own_review,
        available_review_in_children=sum(r for _, r in counts.values()) - own_review,
        extend_new=_whole(deck.get("extendNew")),
        extend_review=_whole(deck.get("extendRev")),
        tags=_deck_tags(col, deck_id, dids),
    )


def _deck_tags(col: Collection, deck_id: int, dids: list[int]) -> tuple[TagChoice, ...]:
    """The tags of notes with a card in the deck or below (not the cards a filtered deck
    borrowed), case-insensitively unique and sorted, as Anki's ``all_tags_in_deck``."""
    found: dict[str, str] = {}
    for start in range(0, len(dids), 400):
        part = dids[start : start + 400]
        rows = col.db.execute(
            "select distinct tags from notes where id in (select nid from cards where"
            f" did in ({', '.join('?' * len(part))}))",
            part,
        )
        for (tags,) in rows:
            for tag in str(tags).split():
                found.setdefault(tag.casefold(), tag)
    include = _saved_tags(col, f"_deck_{deck_id}_customStudyIncludeTags")
    exclude = _saved_tags(col, f"_deck_{deck_id}_customStudyExcludeTags")
    return tuple(
        TagChoice(name, name in include, name in exclude) for _, name in sorted(found.items())
    )


def _saved_tags(col: Collection, key: str) -> set[str]:
    value = col.conf.get(key)
    return {t for t in value if isinstance(t, str)} if isinstance(value, list) else set()


def _whole(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def custom_study(
    col: Collection,
    deck_id: int,
    mode: str,
    *,
    amount: int = 0,
    cram: CramOptions | None = None,
    step: UndoStep | None = None,
) -> int | None:
    """Apply one custom study mode to ``deck_id``. ``amount`` is the limit increase (the two
    limit modes) or the number of days (forgotten, review ahead, preview). Returns the id of
    the Custom Study Session deck when one was built."""
    deck = decks.get_deck(col, deck_id)
    if mode not in MODES:
        raise ValidationError(f"mode must be one of {', '.join(MODES)}")
    if mode in ("new_limit", "review_limit"):
        if deck.get("dyn"):
            raise ValidationError("a filtered deck has no daily limits to increase")
        _check_number(amount, "delta", -MAX_DELTA, MAX_DELTA)
        extend_limits(
            col,
            deck_id,
            new_delta=amount if mode == "new_limit" else 0,
            review_delta=amount if mode == "review_limit" else 0,
            step=step,
        )
        return None
    name = _deck_search(str(deck["name"]))
    if mode == "cram":
        options = cram or CramOptions()
        config = cram_config(name, options)
    else:
        days = _check_number(amount, "days", 1, MAX_DAYS)
        config = {
            "forgotten": lambda: _config(False, f"rated:{days}:1 {name}", ORDER_RANDOM),
            "review_ahead": lambda: _config(True, f"prop:due<={days} {name}", ORDER_DUE),
            "preview_new": lambda: _config(False, f"is:new added:{days} {name}", ORDER_ADDED),
        }[mode]()
    with col.transaction():
        did = _build_session(col, config, step)
        if mode == "cram":
            options = cram or CramOptions()
            conf = dict(col.conf)
            conf[f"_deck_{deck_id}_customStudyIncludeTags"] = list(options.tags_to_include)
            conf[f"_deck_{deck_id}_customStudyExcludeTags"] = list(options.tags_to_exclude)
            col.save_json("conf", conf)
    return did


def extend_limits(
    col: Collection,
    deck_id: int,
    *,
    new_delta: int,
    review_delta: int,
    step: UndoStep | None = None,
) -> None:
    """Anki's ``extend_limits`` plus the remembered ``extendNew``/``extendRev``: today's
    counters of the deck are lowered by the extension (its parents' too when all parent
    limits apply, as Anki does; our own limits read ``EXTENDED_KEY`` of the deck alone)."""
    today = col.sched_timing().days_elapsed
    with col.transaction():
        decks.get_deck(col, deck_id)
        lowered = [str(deck_id)]
        if col.conf.get(APPLY_ALL_PARENT_LIMITS_KEY, False):
            lowered = deck_stats.deck_with_parents(col.decks, deck_id)
        if step is not None:
            step.decks_changing(int(key) for key in lowered)
        extension = deck_stats.StudiedDelta(new=-new_delta, review=-review_delta, milliseconds=0)
        all_decks = deck_stats.updated_decks(col, lowered, today, extension)
        deck = dict(all_decks[str(deck_id)])
        extended = deck.get(EXTENDED_KEY)
        if not (isinstance(extended, list) and len(extended) == 3 and extended[0] == today):
            extended = [today, 0, 0]
        deck[EXTENDED_KEY] = [today, extended[1] + new_delta, extended[2] + review_delta]
        if new_delta > 0:
            deck["extendNew"] = new_delta
        if review_delta > 0:
            deck["extendRev"] = review_delta
        all_decks[str(deck_id)] = deck
        col.save_json("decks", all_decks)


def cram_config(deck_search: str, options: CramOptions) -> FilteredDeckConfig:
    """Study by card state or tag: Anki's ``cram_config`` search and order."""
    if options.kind not in CRAM_KINDS:
        raise ValidationError(f"cram kind must be one of {', '.join(CRAM_KINDS)}")
    limit = _check_number(options.card_limit, "card_limit", 0, DEFAULT_CARD_LIMIT)
    reschedule, state, order = {
        "new": (True, "is:new", ORDER_ADDED),
        "due": (True, "is:due", ORDER_DUE),
        "review": (True, "-is:new", ORDER_RANDOM),
        "all": (False, "", ORDER_RANDOM),
    }[options.kind]
    parts = [state, deck_search] if state else [deck_search]
    include = [_tag_search(t) for t in options.tags_to_include]
    exclude = ["-" + _tag_search(t) for t in options.tags_to_exclude]
    if include:
        parts.append(f"({' OR '.join(include)})" if len(include) > 1 else include[0])
    if exclude:
        parts.append(f"({' '.join(exclude)})" if len(exclude) > 1 else exclude[0])
    return _config(reschedule, " ".join(parts), order, limit)


def _config(
    reschedule: bool, search: str, order: int, limit: int = DEFAULT_CARD_LIMIT
) -> FilteredDeckConfig:
    return FilteredDeckConfig(
        terms=(SearchTerm(search, limit, order),),
        reschedule=reschedule,
        preview_again_secs=60,
        preview_hard_secs=600,
        preview_good_secs=0,
    )


def _build_session(col: Collection, config: FilteredDeckConfig, step: UndoStep | None) -> int:
    existing = decks.deck_by_name(col, CUSTOM_STUDY_DECK)
    if existing is not None and not existing.get("dyn"):
        raise ValidationError(
            f"a normal deck named {CUSTOM_STUDY_DECK!r} exists; rename it to use custom study"
        )
    deck_id = int(existing["id"]) if existing is not None else None
    try:
        did, _ = save_filtered_deck(col, CUSTOM_STUDY_DECK, config, deck_id=deck_id, step=step)
    except ValidationError as error:
        if "matched no cards" in str(error):
            raise ValidationError("no cards matched the criteria you provided") from None
        raise
    with col.transaction():
        all_decks = dict(col.decks)
        deck = dict(all_decks[str(did)])
        deck["previewDelay"] = 10
        all_decks[str(did)] = deck
        col.save_json("decks", all_decks)
    return did


def _deck_search(name: str) -> str:
    """``deck:<name>`` as Anki's search writer spells it (wildcards escaped, quoted if needed)."""
    return _maybe_quote("deck:" + (name if name == "_*" else _WILDCARDS.sub(r"\\\g<0>", name)))


def _tag_search(tag: str) -> str:
    escaped = tag if tag == "_*" else _WILDCARDS.sub(r"\\\g<0>", tag)
    if escaped.startswith(("re:", "nc:")):
        escaped = escaped.replace(":", "\\:", 1)
    return _maybe_quote("tag:" + escaped)


def _maybe_quote(text: str) -> str:
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '\\"') + '"'
    return text.replace('"', '\\"')


def _check_number(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{what} must be a whole number {low}-{high}")
    return value
