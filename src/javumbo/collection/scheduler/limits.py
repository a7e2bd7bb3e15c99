"""Today's new and review allowance per deck, as Anki v3 keeps it (``decks/limits.rs``).

A deck's limit is its "today only" limit, else its own "this deck" limit, else its preset's;
what the deck and its subdecks studied today is subtracted (custom study's "increase today's
limit" gives some back, to that deck alone). Unless the collection's "new cards ignore review
limit" is on, new cards studied today also use up the review limit, and the new allowance
never exceeds the review one. While a queue is gathered, a deck's allowance is capped by its
parents' up to the studied deck (up to the top deck with "apply all parent limits"), and each
card taken lowers the allowance of its deck and of those parents.

What was studied today is counted from the revlog, so answering never rewrites the decks JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from javumbo.collection.collection import Collection
from javumbo.collection.scheduler.deck_tree import UNLIMITED, DeckNode, ancestors, subtree

NEW_IGNORES_REVIEW_LIMIT_KEY = "newCardsIgnoreReviewLimit"
APPLY_ALL_PARENT_LIMITS_KEY = "applyAllParentLimits"


# Per revlog row ``r`` (an answer): 1 when it started a new card, 1 when it counts as a review.
_NEW_SQL = "(r.type = 0 and r.lastIvl = 0)"
_REVIEW_SQL = (
    "(r.type = 1 or (r.type in (0, 2) and r.lastIvl != 0 and coalesce("
    "(select p.ivl from revlog p where p.cid = r.cid and p.id < r.id "
    "order by p.id desc limit 1), r.lastIvl) > 0))"
)


def studied_today(col: Collection, day_start_secs: int) -> dict[int, list[int]]:
    """Per deck (its own cards only), [new cards started, reviews done] since the day started,
    from the revlog, as Anki counts them by the queue a card was answered from.

    A new card's answer is the row whose last interval is 0. A review is a row of type review,
    or a (re)learning answer to an interday learning card: one whose previous answer sent it a
    whole number of days ahead (the revlog writes such intervals in days, positive, and the
    card then waits in the interday learning queue)."""
    rows = col.db.execute(
        f"select c.did, sum({_NEW_SQL}), sum({_REVIEW_SQL}) "
        "from revlog r join cards c on c.id = r.cid where r.id >= ? and r.ease > 0 "
        "group by c.did",
        (day_start_secs * 1000,),
    )
    return {int(did): [int(new or 0), int(rev or 0)] for did, new, rev in rows}


def answer_counts(col: Collection, revlog_id: int) -> tuple[int, int]:
    """(new, review) one answer adds to today's studied counts, as ``studied_today`` counts."""
    row = col.db.execute(
        f"select {_NEW_SQL}, {_REVIEW_SQL} from revlog r where r.id = ?", (revlog_id,)
    ).fetchone()
    return (int(row[0]), int(row[1])) if row is not None else (0, 0)


@dataclass
class Remaining:
    """Anki's ``RemainingLimits``: what a deck may still show today."""

    review: int
    new: int
    cap_new_to_review: bool

    def cap_to(self, other: Remaining) -> None:
        self.review = min(self.review, other.review)
        self.new = min(self.new, other.new)

    def decrement(self, *, review: bool) -> bool:
        """One card taken; True when a count reached zero by it."""
        before = (self.review, self.new)
        if review:
            self.review = max(self.review - 1, 0)
            if self.cap_new_to_review:
                self.new = min(self.new, self.review)
        else:
            self.new = max(self.new - 1, 0)
        return (before[0] > 0 and self.review == 0) or (before[1] > 0 and self.new == 0)


@dataclass(frozen=True)
class LimitSettings:
    """The collection-wide switches of Anki's daily limits."""

    new_ignores_review_limit: bool = False
    apply_all_parent_limits: bool = False

    @classmethod
    def of(cls, col: Collection) -> LimitSettings:
        return cls(
            bool(col.conf.get(NEW_IGNORES_REVIEW_LIMIT_KEY, False)),
            bool(col.conf.get(APPLY_ALL_PARENT_LIMITS_KEY, False)),
        )


def _own_remaining(node: DeckNode, new_used: int, review_used: int, new_ignores: bool) -> Remaining:
    if node.options is None:  # a filtered deck has no limits
        return Remaining(UNLIMITED, UNLIMITED, False)
    review = node.review_limit - review_used
    new = node.new_limit - new_used
    if not new_ignores:
        review -= new_used
        new = min(new, review)
    return Remaining(max(review, 0), max(new, 0), not new_ignores)


def _used_today(
    nodes: dict[int, DeckNode], root: int, done: dict[int, list[int]], settings: LimitSettings
) -> dict[int, tuple[int, int]]:
    """Per deck of ``root``'s subtree, today's new and review count as Anki's deck stats hold
    it: answers in the deck and its subdecks, less the deck's own limit extensions (and its
    subdecks' when parent limits all apply, since Anki then extends the parents too)."""
    used: dict[int, tuple[int, int]] = {}

    def visit(did: int) -> tuple[int, int, int, int]:
        node = nodes[did]
        own = done.get(did, [0, 0])
        new, review = own[0], own[1]
        ext_new, ext_review = node.extended_new, node.extended_review
        for child in node.children:
            c_new, c_review, c_ext_new, c_ext_review = visit(child)
            new += c_new
            review += c_review
            if settings.apply_all_parent_limits:
                ext_new += c_ext_new
                ext_review += c_ext_review
        used[did] = (new - ext_new, review - ext_review)
        return new, review, ext_new, ext_review

    visit(root)
    return used


class Limits:
    """The remaining allowances for one study session of the deck ``top`` (Anki's
    ``LimitTreeMap``). ``dids`` are the decks studied (``top`` and its subdecks)."""

    def __init__(
        self,
        nodes: dict[int, DeckNode],
        top: int,
        done: dict[int, list[int]],
        settings: LimitSettings | None = None,
    ) -> None:
        self.nodes = nodes
        self.top = top
        self.settings = settings or LimitSettings()
        self.dids = subtree(nodes, top)
        above = ancestors(nodes, top)[::-1] if self.settings.apply_all_parent_limits else []
        self.root = above[0] if above else top
        used = _used_today(nodes, self.root, done, self.settings)
        new_ignores = self.settings.new_ignores_review_limit
        self.own = {
            did: _own_remaining(nodes[did], *used.get(did, (0, 0)), new_ignores)
            for did in (*above, *self.dids)
        }
        # the tree as Anki builds it: the parents above ``top`` (each with one child), then
        # ``top``'s subtree; every deck capped by its parent when added
        self.parent: dict[int, int | None] = {}
        self.children: dict[int, list[int]] = {}
        chain = [*above, top]
        for upper, lower in pairwise(chain):
            self.parent[lower] = upper
            self.children[upper] = [lower]
        self.parent.setdefault(self.root, None)
        for did in self.dids:
            if did != top:
                self.parent[did] = nodes[did].parent
            self.children[did] = list(nodes[did].children)
        self.remaining: dict[int, Remaining] = {}
        for did in (*above, *self.dids):
            own = self.own[did]
            limits = Remaining(own.review, own.new, own.cap_new_to_review)
            parent = self.parent.get(did)
            if parent is not None:
                limits.cap_to(self.remaining[parent])
            self.remaining[did] = limits

    def reached(self, did: int, *, review: bool) -> bool:
        """No more reviews (or new cards) from this deck today."""
        limits = self.remaining.get(did)
        if limits is None:
            return True
        return (limits.review if review else limits.new) <= 0

    def root_reached(self, *, review: bool) -> bool:
        return self.reached(self.root, review=review)

    def spend(self, did: int, *, review: bool) -> None:
        """One card of ``did`` taken: its deck's and its parents' allowances go down; a count
        reaching zero caps the subdecks below it."""
        current: int | None = did
        while current is not None:
            limits = self.remaining[current]
            if limits.decrement(review=review):
                self._cap_below(current, limits)
            current = self.parent.get(current)

    def _cap_below(self, did: int, limits: Remaining) -> None:
        pending = [did]
        while pending:
            current = pending.pop()
            self.remaining[current].cap_to(limits)
            pending.extend(self.children.get(current, ()))
