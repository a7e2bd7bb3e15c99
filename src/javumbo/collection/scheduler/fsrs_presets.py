"""A preset's FSRS settings as Anki stores them in ``col.dconf``, and the cards and reviews a
preset's FSRS work reads.

Keys (schema 11): ``fsrsParams6`` / ``fsrsParams5`` / ``fsrsWeights`` (the newest non-empty one
is used), ``desiredRetention``, ``sm2Retention`` (historical retention, for cards whose history
is incomplete), ``ignoreRevlogsBeforeDate`` ("YYYY-MM-DD", UTC midnight), ``weightSearch`` (the
optimizer's search; empty means the preset's own decks). The FSRS switch is the collection's
``conf.fsrs``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from javumbo.collection.collection import Collection
from javumbo.collection.deck_preset import deck_preset_id
from javumbo.collection.errors import NotFoundError, ValidationError
from javumbo.collection.scheduler.fsrs_items import REVLOG_COLUMNS, RevlogEntry
from javumbo.collection.scheduler.fsrs_memory import (
    CardHistory,
    MemoryState,
    memory_for_card,
)
from javumbo.collection.scheduler.options import (
    option_number,
    option_numbers,
    option_section,
    preset_fsrs_params,
)

QUEUE_SUSPENDED = -1
CARD_TYPE_NEW = 0


def ignore_before_ms(date: str) -> int:
    """Anki's ``ignore_revlogs_before_date_to_ms``: UTC midnight of the date, 0 when empty."""
    if not date:
        return 0
    try:
        day = dt.date.fromisoformat(date)
    except ValueError as exc:
        raise ValidationError(f"not a date (YYYY-MM-DD): {date!r}") from exc
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp() * 1000)


@dataclass(frozen=True)
class FsrsPreset:
    id: int
    name: str
    params: tuple[float, ...]
    desired_retention: float
    historical_retention: float
    ignore_before_date: str
    param_search: str
    relearning_steps: int
    maximum_interval: int

    @property
    def ignore_before_ms(self) -> int:
        return ignore_before_ms(self.ignore_before_date)

    @classmethod
    def from_conf(cls, conf: dict[str, Any]) -> FsrsPreset:
        lapse, rev = option_section(conf, "lapse"), option_section(conf, "rev")
        return cls(
            id=int(conf["id"]),
            name=str(conf.get("name", "")),
            params=preset_fsrs_params(conf),
            desired_retention=option_number(conf.get("desiredRetention"), 0.9),
            historical_retention=option_number(conf.get("sm2Retention"), 0.9),
            ignore_before_date=str(conf.get("ignoreRevlogsBeforeDate", "") or ""),
            param_search=str(conf.get("weightSearch", "") or ""),
            relearning_steps=len(option_numbers(lapse.get("delays"), [10.0])),
            maximum_interval=int(option_number(rev.get("maxIvl"), 36500)),
        )


def preset_conf(col: Collection, preset_id: int) -> dict[str, Any]:
    conf = col.dconf.get(str(preset_id))
    if not isinstance(conf, dict):
        raise NotFoundError(f"no preset {preset_id}")
    return conf


def fsrs_preset(col: Collection, preset_id: int) -> FsrsPreset:
    return FsrsPreset.from_conf(preset_conf(col, preset_id))


def fsrs_enabled(col: Collection) -> bool:
    return bool(col.conf.get("fsrs", False))


def preset_deck_ids(col: Collection, preset_id: int) -> list[int]:
    """Normal decks using the preset (Anki's ``preset:"name"`` search)."""
    return [
        int(did)
        for did, deck in col.decks.items()
        if not deck.get("dyn") and deck_preset_id(col, deck) == preset_id
    ]


def _in_decks(deck_ids: list[int]) -> tuple[str, list[int]]:
    """Anki's ``preset:`` search: the card's deck or its home deck uses the preset."""
    marks = ",".join("?" * len(deck_ids)) or "null"
    return f"(did in ({marks}) or odid in ({marks}))", list(deck_ids) * 2


def preset_card_ids(
    col: Collection,
    preset_id: int,
    *,
    include_new: bool,
    include_suspended: bool = True,
    deck_ids: list[int] | None = None,
) -> list[int]:
    """Cards whose home deck uses the preset (or is one of ``deck_ids``)."""
    where, args = _in_decks(preset_deck_ids(col, preset_id) if deck_ids is None else deck_ids)
    if not include_new:
        where += f" and type != {CARD_TYPE_NEW}"
    if not include_suspended:
        where += f" and queue != {QUEUE_SUSPENDED}"
    rows = col.db.execute(f"select id from cards where {where} order by id", args).fetchall()
    return [int(r[0]) for r in rows]


class TooManyReviewsError(ValidationError):
    """More reviews than one optimization may read."""


def revlog_rows(
    col: Collection, card_ids: list[int], *, limit: int | None = None
) -> list[tuple[int, ...]]:
    """The cards' review log in card order, as Anki's ``revlog_for_srs`` reads it; more than
    ``limit`` entries are refused before they are read."""
    rows: list[tuple[int, ...]] = []
    chunk = 500
    seen = 0
    for start in range(0, len(card_ids), chunk):
        part = card_ids[start : start + chunk]
        marks = ",".join("?" * len(part))
        if limit is not None:
            seen += int(
                col.db.execute(
                    f"select count() from revlog where cid in ({marks})", part
                ).fetchone()[0]
            )
            if seen > limit:
                raise TooManyReviewsError(
                    f"more than {limit} reviews; an optimization reads at most {limit}"
                )
        rows.extend(
            col.db.execute(
                f"select {REVLOG_COLUMNS} from revlog where cid in ({marks}) order by cid, id",
                part,
            ).fetchall()
        )
    rows.sort(key=lambda r: (r[1], r[0]))
    return rows


def card_memory(
    col: Collection, card_id: int, preset: FsrsPreset, next_day_at: int
) -> MemoryState | None:
    """A card's memory state from its history (Anki's answer path for a card with none)."""
    row = col.db.execute("select type, ivl, factor from cards where id = ?", (card_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no card {card_id}")
    revlog = [RevlogEntry.from_row(r) for r in revlog_rows(col, [card_id])]
    history = CardHistory(revlog, int(row[0]) == CARD_TYPE_NEW, int(row[1]), int(row[2]))
    return memory_for_card(
        preset.params, history, next_day_at, preset.historical_retention, preset.ignore_before_ms
    )
