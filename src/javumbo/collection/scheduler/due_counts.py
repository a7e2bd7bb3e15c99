"""How much is due: the study screen's counts and the deck list's, daily limits applied as
Anki v3 applies them (``decks/tree.rs``: interday learning first, then reviews, then new cards
from what is left of the review allowance)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from javumbo.collection.collection import Collection
from javumbo.collection.scheduler.deck_tree import SEPARATOR, UNLIMITED, DeckNode
from javumbo.collection.scheduler.limits import Limits, LimitSettings, Remaining
from javumbo.collection.scheduler.options import DEFAULT_LEARN_AHEAD_SECS
from javumbo.collection.scheduler.queues import (
    DEFAULT_ORDER,
    QueueBuilder,
    QueueContext,
    burials_are_stale,
    effective_queue,
    in_decks,
)


@dataclass(frozen=True)
class DueCounts:
    new: int
    learning: int
    review: int


def _raw_counts(
    col: Collection, dids: list[int] | None, today: int, learn_cutoff: int, stale: bool
) -> dict[int, tuple[int, int, int, int]]:
    """Per deck: new, intraday learning due soon, interday learning due, reviews due."""
    queue = effective_queue(stale)
    where = f"{queue} between 0 and 4"
    params: list[Any] = [learn_cutoff, today, today]
    if dids is not None:
        decks_sql, ids = in_decks(dids)
        where += f" and {decks_sql}"
        params += ids
    rows = col.db.execute(
        f"select did, sum({queue} = 0), sum({queue} in (1, 4) and due < ?), "
        f"sum({queue} = 3 and due <= ?), sum({queue} = 2 and due <= ?) "
        f"from cards where {where} group by did",
        params,
    )
    return {int(r[0]): (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}


@dataclass
class _Tally:
    new: int = 0
    learn: int = 0
    day_learn: int = 0
    review: int = 0


def _tally(
    nodes: dict[int, DeckNode],
    did: int,
    raw: dict[int, tuple[int, int, int, int]],
    limits: dict[int, Remaining],
    out: dict[int, _Tally],
) -> _Tally:
    """The deck's counts with its subdecks' (each already capped), capped by its allowance:
    interday learning, then reviews, then new cards (within what reviews left, unless new
    cards ignore the review limit)."""
    own = raw.get(did, (0, 0, 0, 0))
    tally = _Tally(own[0], own[1], own[2], own[3])
    for child in nodes[did].children:
        sub = _tally(nodes, child, raw, limits, out)
        tally.new += sub.new
        tally.learn += sub.learn
        tally.day_learn += sub.day_learn
        tally.review += sub.review
    remaining = limits.get(did)
    if remaining is not None:
        review_left = remaining.review
        tally.day_learn = min(tally.day_learn, review_left)
        review_left -= tally.day_learn
        tally.review = min(tally.review, review_left)
        review_left -= tally.review
        tally.new = min(tally.new, remaining.new)
        if remaining.cap_new_to_review:
            tally.new = min(tally.new, review_left)
    out[did] = tally
    return tally


def _capped_count(col: Collection, where: str, params: list[Any], cap: int) -> int:
    row = col.db.execute(
        f"select count() from (select 1 from cards where {where} limit ?)", [*params, cap]
    ).fetchone()
    return int(row[0])


def _indexed_counts(
    col: Collection, limits: Limits, today: int, learn_cutoff: int
) -> dict[int, tuple[int, int, int, int]]:
    """Per-deck counts read from the ``(did, queue, due)`` index, each stopping at what the
    deck's limit could show, so a deck with thousands of new cards costs no more than one
    with twenty."""
    raw: dict[int, tuple[int, int, int, int]] = {}
    for did in limits.dids:
        remaining = limits.remaining[did]
        review_cap = min(remaining.review, UNLIMITED)
        new_cap = min(remaining.new, review_cap if remaining.cap_new_to_review else UNLIMITED)
        raw[did] = (
            _capped_count(col, "did = ? and queue = 0", [did], new_cap),
            _capped_count(col, "did = ? and queue in (1, 4) and due < ?", [did, learn_cutoff], -1),
            _capped_count(col, "did = ? and queue = 3 and due <= ?", [did, today], review_cap),
            _capped_count(col, "did = ? and queue = 2 and due <= ?", [did, today], review_cap),
        )
    return raw


def due_counts(
    col: Collection, nodes: dict[int, DeckNode], limits: Limits, now: int, today: int
) -> DueCounts:
    stale = burials_are_stale(col, today)
    cutoff = now + col.conf_int("collapseTime", DEFAULT_LEARN_AHEAD_SECS)
    if any((nodes[d].options or DEFAULT_ORDER).any_burying for d in limits.dids):
        # Buried siblings are left out of the counts as out of the queue: count the queue.
        builder = QueueBuilder(QueueContext(col, nodes, limits, today, now, stale))
        builder.gather_all()
        learning = sum(1 for c in builder.learning if c.due <= cutoff)
        return DueCounts(
            len(builder.new), learning + len(builder.day_learning), len(builder.review)
        )
    if stale:
        raw = _raw_counts(col, limits.dids, today, cutoff, stale)
    else:
        raw = _indexed_counts(col, limits, today, cutoff)
    tally = _tally(nodes, limits.top, raw, limits.remaining, {})
    return DueCounts(tally.new, tally.learn + tally.day_learn, tally.review)


def due_tree(
    col: Collection,
    nodes: dict[int, DeckNode],
    done: dict[int, list[int]],
    now: int,
    today: int,
    settings: LimitSettings,
) -> list[dict[str, Any]]:
    """The deck list: every deck with its due counts, nested. Each deck's counts are capped
    by its own limits (and its parents' too when all parent limits apply)."""
    stale = burials_are_stale(col, today)
    cutoff = now + col.conf_int("collapseTime", DEFAULT_LEARN_AHEAD_SECS)
    raw = _raw_counts(col, None, today, cutoff, stale)
    tallies: dict[int, _Tally] = {}
    roots = [did for did, node in nodes.items() if node.parent is None]
    for root in roots:
        limits = Limits(nodes, root, done, settings)
        caps = limits.remaining if settings.apply_all_parent_limits else limits.own
        _tally(nodes, root, raw, caps, tallies)

    def build(did: int) -> dict[str, Any]:
        node = nodes[did]
        t = tallies[did]
        return {
            "id": did,
            "name": node.name,
            "basename": node.name.rsplit(SEPARATOR, 1)[-1],
            "dyn": node.dyn,
            "new": t.new,
            "learning": t.learn + t.day_learn,
            "review": t.review,
            "children": [build(c) for c in node.children],
        }

    return [build(r) for r in roots]
