"""What to study next and how much is due: Anki v3's queue order and daily limits.

Order: intraday learning cards that are due, then the main queue, then learning cards due
within the learn-ahead window. The main queue holds interday learning cards, reviews and new
cards gathered, sorted and mixed as the studied deck's preset says (``queue_order``), siblings
buried as each card's home deck's preset says. Limits: a deck's "today only" limit, else its
own "this deck" limit, else its preset's ``new.perDay``/``rev.perDay``; a deck's limit also
caps its subdecks when it is the deck being studied (or one of its parents below it), and new
cards also count against the review limit, as in v3. What was studied today is counted from
the revlog, so answering never rewrites the decks JSON."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from javumbo.collection.cards import CARD_COLUMNS, Card
from javumbo.collection.collection import Collection
from javumbo.collection.errors import NotFoundError, ValidationError
from javumbo.collection.scheduler.options import DEFAULT_LEARN_AHEAD_SECS, SchedulingOptions
from javumbo.collection.scheduler.queue_order import (
    GATHER_DECK,
    GATHER_DECK_THEN_RANDOM_NOTES,
    ensure_sql_functions,
    mix,
    new_gather_sql,
    review_order_sql,
    sort_new,
)

_SEPARATOR = "::"
_UNLIMITED = 1 << 30
_EPOCH_SECONDS_FLOOR = 1_000_000_000
_SELECT = "select " + ", ".join(CARD_COLUMNS) + " from cards"
LAST_UNBURIED_KEY = "lastUnburied"


@dataclass(frozen=True)
class DueCounts:
    new: int
    learning: int
    review: int


@dataclass
class DeckNode:
    did: int
    name: str
    parent: int | None
    dyn: bool
    options: SchedulingOptions | None
    children: list[int] = field(default_factory=list)
    new_limit: int = _UNLIMITED
    review_limit: int = _UNLIMITED


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
            conf_id = deck.get("conf", 1)
            if conf_id not in presets:
                presets[conf_id] = options_for_preset(col, conf_id)
            options = presets[conf_id]
        parent_name = name.rsplit(_SEPARATOR, 1)[0].lower() if _SEPARATOR in name else None
        parent = by_name.get(parent_name) if parent_name else None
        nodes[did] = DeckNode(did, name, parent, dyn, options)
        if options is not None:
            nodes[did].new_limit = current_limit(deck, "newLimit", options.new_per_day, today)
            nodes[did].review_limit = current_limit(
                deck, "reviewLimit", options.reviews_per_day, today
            )
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


def studied_today(col: Collection, day_start_secs: int) -> dict[int, list[int]]:
    """Per deck, [new cards started, reviews done] since the day started, from the revlog.

    A new card's first answer is the row whose last interval is 0; a review is a row of type
    review, or a learning row whose last interval was a whole day (interday learning), which
    is what Anki counts against the review limit."""
    rows = col.db.execute(
        "select c.did, sum(r.type = 0 and r.lastIvl = 0), "
        "sum(r.type = 1 or (r.type in (0, 2) and r.lastIvl > 0)) "
        "from revlog r join cards c on c.id = r.cid where r.id >= ? and r.ease > 0 "
        "group by c.did",
        (day_start_secs * 1000,),
    )
    done = {int(did): [int(new or 0), int(rev or 0)] for did, new, rev in rows}
    _subtract_extended_limits(col, done)
    return done


def _subtract_extended_limits(col: Collection, done: dict[int, list[int]]) -> None:
    """Custom study's "increase today's limit" lowers the deck's studied counts of today. Ours
    are kept apart (``javumboExtendedToday`` ``[day, new, review]``, see custom_study) since
    Anki's ``newToday``/``revToday`` mix them with answers, which we count from the revlog."""
    today = col.sched_timing().days_elapsed
    for deck in col.decks.values():
        value = deck.get("javumboExtendedToday")
        if isinstance(value, list) and len(value) == 3 and value[0] == today:
            counts = done.setdefault(int(deck["id"]), [0, 0])
            counts[0] -= int(value[1])
            counts[1] -= int(value[2])


class Limits:
    """Remaining new/review allowance per deck for one study session rooted at ``top``."""

    def __init__(self, nodes: dict[int, DeckNode], top: int, done: dict[int, list[int]]) -> None:
        self.nodes = nodes
        self.top = top
        self.dids = subtree(nodes, top)
        done_below: dict[int, list[int]] = {}
        for did in reversed(self.dids):
            own = done.get(did, [0, 0])
            total = [own[0], own[1]]
            for child in nodes[did].children:
                total[0] += done_below[child][0]
                total[1] += done_below[child][1]
            done_below[did] = total
        self.new: dict[int, int] = {}
        self.review: dict[int, int] = {}
        for did in self.dids:
            node = nodes[did]
            self.new[did] = max(node.new_limit - done_below[did][0], 0)
            self.review[did] = max(node.review_limit - done_below[did][1], 0)
        self.chains = {did: self._chain(did) for did in self.dids}

    def _chain(self, did: int) -> list[int]:
        chain = [did]
        while chain[-1] != self.top:
            parent = self.nodes[chain[-1]].parent
            if parent is None:
                break
            chain.append(parent)
        return chain

    def reached(self, did: int, *, review: bool) -> bool:
        """No more reviews (or new cards) from this deck: its limit or a parent's (up to the
        studied deck) is used up; new cards also stop when the review limit is."""
        chain = self.chains.get(did)
        if chain is None:
            return True
        if review:
            return any(self.review[d] <= 0 for d in chain)
        return any(self.new[d] <= 0 or self.review[d] <= 0 for d in chain)

    def root_reached(self, *, review: bool) -> bool:
        return self.reached(self.top, review=review)

    def spend(self, did: int, *, review: bool) -> None:
        """One card taken: the deck's and its parents' limits go down (a new card counts
        against the review limit too, as in v3)."""
        for d in self.chains[did]:
            self.review[d] -= 1
            if not review:
                self.new[d] -= 1


def effective_queue(stale_burials: bool) -> str:
    """SQL for a card's queue; on a new day before the first answer, cards buried yesterday
    already count as unburied (the unburying itself is written with the next answer)."""
    if not stale_burials:
        return "queue"
    return (
        "(case when queue in (-2, -3) then (case type when 0 then 0 when 2 then 2 else "
        f"(case when due > {_EPOCH_SECONDS_FLOOR} then 1 else 3 end) end) else queue end)"
    )


def burials_are_stale(col: Collection, today: int) -> bool:
    return int(col.conf.get(LAST_UNBURIED_KEY, 0) or 0) < today


def _in_decks(dids: list[int]) -> tuple[str, list[int]]:
    if len(dids) == 1:
        return "did = ?", dids
    return f"did in ({','.join('?' * len(dids))})", dids


def _rows(db: sqlite3.Connection, where: str, params: list[Any], order: str) -> Iterator[Card]:
    for row in db.execute(f"{_SELECT} where {where} order by {order}", params):
        yield Card.from_row(row)


@dataclass
class QueueContext:
    col: Collection
    nodes: dict[int, DeckNode]
    limits: Limits
    today: int
    now: int
    stale: bool

    @property
    def learn_ahead_secs(self) -> int:
        return int(self.col.conf.get("collapseTime", DEFAULT_LEARN_AHEAD_SECS))


def gather(ctx: QueueContext, limit: int) -> list[Card]:
    """The next ``limit`` cards of the deck tree rooted at ``ctx.limits.top``, in study order:
    intraday learning cards due now, then the main queue (reviews, interday learning and new
    cards, ordered and mixed as the studied deck's preset says), then learning cards due
    within the learn-ahead window. Built as Anki's v3 ``QueueBuilder`` builds it."""
    if limit <= 0:
        return []
    builder = _QueueBuilder(ctx)
    builder.gather_all()
    return builder.ordered()[:limit]


_DEFAULT_ORDER = SchedulingOptions.from_preset({})


class _QueueBuilder:
    """Anki's ``QueueBuilder``: gathers learning, due and new cards under the limits, burying
    siblings as the preset of each card's (home) deck says."""

    def __init__(self, ctx: QueueContext) -> None:
        self.ctx = ctx
        self.queue = effective_queue(ctx.stale)
        self.decks_sql, self.dids = _in_decks(ctx.limits.dids)
        root = ctx.nodes[ctx.limits.top].options
        # a filtered deck keeps cards in the order it gathered them
        self.order = root if root is not None else replace(_DEFAULT_ORDER, new_sort_order=1)
        self.bury_modes: dict[int, tuple[bool, bool, bool]] = {}
        self.learning: list[Card] = []
        self.day_learning: list[Card] = []
        self.review: list[Card] = []
        self.new: list[Card] = []
        ensure_sql_functions(ctx.col.db)

    def _rows(self, where: str, params: list[Any], order: str) -> Iterator[Card]:
        return _rows(self.ctx.col.db, where, params, order)

    def gather_all(self) -> None:
        ctx = self.ctx
        next_day_at = ctx.col.sched_timing().next_day_at
        for card in self._rows(
            f"{self.decks_sql} and {self.queue} in (1, 4) and due < ?",
            [*self.dids, max(next_day_at, ctx.now + ctx.learn_ahead_secs + 1)],
            "due, id",
        ):
            self._previous_bury_mode(card)
            self.learning.append(card)
        self._gather_due(3, self.day_learning)
        self._gather_due(2, self.review)
        self._gather_new()
        self.new = sort_new(self.new, self.order.new_sort_order, ctx.today)

    def ordered(self) -> list[Card]:
        now = self.ctx.now
        due_now = [c for c in self.learning if c.due <= now]
        ahead = [c for c in self.learning if now < c.due <= now + self.ctx.learn_ahead_secs]
        main = mix(
            mix(self.review, self.day_learning, self.order.interday_learning_mix),
            self.new,
            self.order.new_mix,
        )
        return [*due_now, *main, *ahead]

    def _previous_bury_mode(self, card: Card) -> tuple[bool, bool, bool] | None:
        """Anki's ``get_and_update_bury_mode_for_note``: the note's burying as it was before
        this card (its home deck's preset widens it for the siblings that follow)."""
        node = self.ctx.nodes.get(card.odid or card.did)
        options = node.options if node is not None else None
        mode = (
            (options.bury_new, options.bury_reviews, options.bury_interday_learning)
            if options is not None
            else (False, False, False)
        )
        previous = self.bury_modes.get(card.nid)
        if previous is None:
            self.bury_modes[card.nid] = mode
        else:
            self.bury_modes[card.nid] = (
                previous[0] or mode[0],
                previous[1] or mode[1],
                previous[2] or mode[2],
            )
        return previous

    def _gather_due(self, wanted_queue: int, into: list[Card]) -> None:
        limits = self.ctx.limits
        if limits.root_reached(review=True):
            return
        timing = (self.ctx.today, self.ctx.col.sched_timing().next_day_at, self.ctx.now)
        order = review_order_sql(
            self.order.review_order,
            timing,
            self._deck_rank(),
            fsrs=bool(self.ctx.col.conf.get("fsrs", False)),
        )
        for card in self._rows(
            f"{self.decks_sql} and {self.queue} = {wanted_queue} and due <= ?",
            [*self.dids, self.ctx.today],
            order,
        ):
            if limits.root_reached(review=True):
                return
            if limits.reached(card.did, review=True):
                continue
            previous = self._previous_bury_mode(card)
            buried = previous is not None and (previous[1] if wanted_queue == 2 else previous[2])
            if not buried:
                into.append(card)
                limits.spend(card.did, review=True)

    def _deck_rank(self) -> str:
        ranks = " ".join(f"when {did} then {rank}" for rank, did in enumerate(self.dids))
        return f"(case did {ranks} else {len(self.dids)} end)"

    def _gather_new(self) -> None:
        limits = self.ctx.limits
        priority = self.order.new_gather_priority
        order = new_gather_sql(priority, self.ctx.today)
        if priority in (GATHER_DECK, GATHER_DECK_THEN_RANDOM_NOTES):
            for did in self.dids:
                if limits.root_reached(review=False):
                    return
                if limits.reached(did, review=False):
                    continue
                for card in self._rows(f"did = ? and {self.queue} = 0", [did], order):
                    if limits.reached(did, review=False):
                        break
                    self._add_new(card)
            return
        for card in self._rows(f"{self.decks_sql} and {self.queue} = 0", self.dids, order):
            if limits.root_reached(review=False):
                return
            if not limits.reached(card.did, review=False):
                self._add_new(card)

    def _add_new(self, card: Card) -> None:
        previous = self._previous_bury_mode(card)
        if previous is None or not previous[0]:
            self.new.append(card)
            self.ctx.limits.spend(card.did, review=False)


# ----------------------------------------------------------------- counts


def _raw_counts(
    col: Collection, dids: list[int] | None, today: int, learn_cutoff: int, stale: bool
) -> dict[int, tuple[int, int, int, int]]:
    """Per deck: new, intraday learning due soon, interday learning due, reviews due."""
    queue = effective_queue(stale)
    where = f"{queue} between 0 and 4"
    params: list[Any] = [learn_cutoff, today, today]
    if dids is not None:
        decks_sql, ids = _in_decks(dids)
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
    limits: Limits,
    out: dict[int, _Tally],
) -> _Tally:
    own = raw.get(did, (0, 0, 0, 0))
    tally = _Tally(own[0], own[1], own[2], own[3])
    for child in nodes[did].children:
        sub = _tally(nodes, child, raw, limits, out)
        tally.new += sub.new
        tally.learn += sub.learn
        tally.day_learn += sub.day_learn
        tally.review += sub.review
    review_left = limits.review.get(did, _UNLIMITED)
    tally.day_learn = min(tally.day_learn, review_left)
    review_left -= tally.day_learn
    tally.review = min(tally.review, review_left)
    review_left -= tally.review
    tally.new = min(tally.new, limits.new.get(did, _UNLIMITED), review_left)
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
        review_cap = min(limits.review[did], _UNLIMITED)
        raw[did] = (
            _capped_count(col, "did = ? and queue = 0", [did], min(limits.new[did], review_cap)),
            _capped_count(col, "did = ? and queue in (1, 4) and due < ?", [did, learn_cutoff], -1),
            _capped_count(col, "did = ? and queue = 3 and due <= ?", [did, today], review_cap),
            _capped_count(col, "did = ? and queue = 2 and due <= ?", [did, today], review_cap),
        )
    return raw


def due_counts(
    col: Collection, nodes: dict[int, DeckNode], limits: Limits, now: int, today: int
) -> DueCounts:
    stale = burials_are_stale(col, today)
    cutoff = now + int(col.conf.get("collapseTime", DEFAULT_LEARN_AHEAD_SECS))
    if any((nodes[d].options or _DEFAULT_ORDER).any_burying for d in limits.dids):
        # Buried siblings are left out of the counts as out of the queue: count the queue.
        builder = _QueueBuilder(QueueContext(col, nodes, limits, today, now, stale))
        builder.gather_all()
        learning = sum(1 for c in builder.learning if c.due <= cutoff)
        return DueCounts(
            len(builder.new), learning + len(builder.day_learning), len(builder.review)
        )
    if stale:
        raw = _raw_counts(col, limits.dids, today, cutoff, stale)
    else:
        raw = _indexed_counts(col, limits, today, cutoff)
    tally = _tally(nodes, limits.top, raw, limits, {})
    return DueCounts(tally.new, tally.learn + tally.day_learn, tally.review)


def due_tree(
    col: Collection,
    nodes: dict[int, DeckNode],
    done: dict[int, list[int]],
    now: int,
    today: int,
) -> list[dict[str, Any]]:
    """The deck list: every deck with its due counts (its own limits applied), nested."""
    stale = burials_are_stale(col, today)
    cutoff = now + int(col.conf.get("collapseTime", DEFAULT_LEARN_AHEAD_SECS))
    raw = _raw_counts(col, None, today, cutoff, stale)
    tallies: dict[int, _Tally] = {}
    roots = [did for did, node in nodes.items() if node.parent is None]
    for root in roots:
        _tally(nodes, root, raw, Limits(nodes, root, done), tallies)

    def build(did: int) -> dict[str, Any]:
        node = nodes[did]
        t = tallies[did]
        return {
            "id": did,
            "name": node.name,
            "basename": node.name.rsplit(_SEPARATOR, 1)[-1],
            "dyn": node.dyn,
            "new": t.new,
            "learning": t.learn + t.day_learn,
            "review": t.review,
            "children": [build(c) for c in node.children],
        }

    return [build(r) for r in roots]


def check_deck(nodes: dict[int, DeckNode], deck_id: Any) -> int:
    if isinstance(deck_id, bool) or not isinstance(deck_id, int):
        raise ValidationError(f"deck id must be an integer, not {deck_id!r}")
    if deck_id not in nodes:
        raise NotFoundError(f"no deck with id {deck_id}")
    return deck_id
