"""Multi-step undo as Anki has it: answers and actions on cards, notes and decks are undone one
step at a time, newest first, whatever each step was.

The server keeps nothing between requests, so the steps live in the collection itself, in
``col.conf["javumboUndoSteps"]`` (Anki keeps conf keys it does not know). Each step is a label
and the rows it changed as they were before: cards, notes and deck entries (or only the decks'
today counters, which every answer changes), plus the revlog rows and graves it added (removed
again on undo) and the changes to the tag list (Anki's undo covers its tags table). The stack
is bounded in steps (Anki keeps 30) and in bytes, because the whole
conf is rewritten with every step; a step too large to keep (a bulk action on thousands of
cards) is recorded as a marker that cannot be undone and clears the steps before it, as a
non-undoable change does in Anki.

Writers wrap their change::

    with undoable(col, "Bury", card_ids=cids) as step:
        ...                                # change the rows
        step.cards_changing(more_ids)      # rows found only now, before changing them

Undoing restores the rows exactly (``usn`` -1, so a sync sends the restored state) unless one
of them changed after the step, in which case the stack is cleared and ``UndoConflictError``
says so: an old step must never overwrite a newer change. For the same reason a sync that
brings another device's changes clears the steps (``sync/commit.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from javumbo.collection.cards import CARD_COLUMNS, chunks, placeholders
from javumbo.collection.collection import Collection
from javumbo.collection.errors import CollectionError

STEPS_KEY = "javumboUndoSteps"
LEGACY_KEY = "javumboUndo"  # the one-level answer undo this replaces
UNDO_CONF_KEYS = (STEPS_KEY, LEGACY_KEY)
MAX_STEPS = 30
MAX_TOTAL_BYTES = 256_000
MAX_STEP_BYTES = 128_000
MAX_STEP_ROWS = 1_500  # rows captured before a step is known to be too large to keep
DECK_COUNTER_KEYS = ("lrnToday", "revToday", "newToday", "timeToday")

NOTE_COLUMNS = ("id", "guid", "mid", "mod", "usn", "tags", "flds", "sfld", "csum", "flags", "data")
_CARD_SELECT = f"select {', '.join(CARD_COLUMNS)} from cards"
_NOTE_SELECT = f"select {', '.join(NOTE_COLUMNS)} from notes"
_USN = CARD_COLUMNS.index("usn")
_NOTE_USN = NOTE_COLUMNS.index("usn")


class NothingToUndoError(CollectionError):
    """The undo stack is empty."""


class UndoTooLargeError(CollectionError):
    """The latest step changed too much to be kept; it cannot be undone."""


class UndoConflictError(CollectionError):
    """Rows of the latest step changed after it; undoing would overwrite the newer change."""


@dataclass(frozen=True)
class UndoResult:
    label: str
    card_id: int | None  # the card to show again (the answered or acted-on card), if any
    cards: int  # card rows restored
    notes: int  # note rows restored


@dataclass(frozen=True)
class UndoStatus:
    label: str
    undoable: bool


class UndoStep:
    """One step being recorded: the rows as they were before, captured on first mention."""

    def __init__(self, col: Collection, label: str, card_id: int | None) -> None:
        self.col = col
        self.label = label
        self.card_id = card_id
        self.cards: dict[int, list[Any]] = {}
        self.notes: dict[int, list[Any]] = {}
        self.decks: dict[str, Any] = {}
        self.deck_counters: dict[str, dict[str, Any]] = {}
        self.config: dict[str, list[Any]] = {}
        self.added_cards: list[int] = []
        self.too_large = False
        self._tags_before = dict(col.tags)
        self._revlog_floor = _max_rowid(col, "revlog", "id")
        self._graves_floor = _max_rowid(col, "graves", "rowid")

    def cards_changing(self, card_ids: Iterable[int]) -> None:
        """Keep the rows of these cards as they are now (call before changing them)."""
        self._capture(card_ids, self.cards, _CARD_SELECT)

    def notes_changing(self, note_ids: Iterable[int]) -> None:
        """Keep the rows of these notes as they are now (call before changing them)."""
        self._capture(note_ids, self.notes, _NOTE_SELECT)

    def cards_added(self, card_ids: Iterable[int]) -> None:
        """Cards the block made (an edit that gives a note a new card): undo deletes them."""
        self.added_cards.extend(int(c) for c in card_ids if int(c) not in self.added_cards)

    def decks_added(self, deck_ids: Iterable[int]) -> None:
        """Decks the block made: undo removes them."""
        for did in deck_ids:
            self.decks.setdefault(str(int(did)), None)

    def decks_changing(self, deck_ids: Iterable[int]) -> None:
        """Keep these decks' entries of ``col.decks`` (absent ones are removed on undo)."""
        for did in deck_ids:
            key = str(int(did))
            if key not in self.decks:
                self.decks[key] = self.col.decks.get(key)

    def deck_counters_changing(self, deck_ids: Iterable[str | int]) -> None:
        """Keep only these decks' today counters (``newToday``... ``timeToday``): an answer
        changes nothing else of a deck, and a whole deck entry would weigh on every step."""
        for did in deck_ids:
            key = str(int(did))
            deck = self.col.decks.get(key)
            if key not in self.deck_counters and isinstance(deck, dict):
                self.deck_counters[key] = {k: deck.get(k) for k in DECK_COUNTER_KEYS}

    def config_changing(self, keys: Iterable[str]) -> None:
        """Keep these keys of ``col.conf`` (an absent key is removed again on undo): Anki's
        undo puts back the settings an action changed, such as a dialog's remembered choice."""
        conf = self.col.conf
        for key in keys:
            if key not in self.config:
                self.config[key] = [key in conf, conf.get(key)]

    def _capture(self, ids: Iterable[int], into: dict[int, list[Any]], select: str) -> None:
        if self.too_large:
            return
        wanted = [i for i in dict.fromkeys(int(x) for x in ids) if i not in into]
        if len(into) + len(wanted) > MAX_STEP_ROWS:
            self.too_large = True
            return
        for batch in chunks(wanted):
            for row in self.col.db.execute(f"{select} where id in ({placeholders(batch)})", batch):
                into[int(row[0])] = list(row)

    def _record(self) -> None:
        added_revlog = [
            int(r[0])
            for r in self.col.db.execute(
                "select id from revlog where id > ? order by id", (self._revlog_floor,)
            )
        ]
        step: dict[str, Any] = {
            "label": self.label,
            "card_id": self.card_id,
            "at": self.col.now_secs(),
            "cards": list(self.cards.values()),
            "notes": list(self.notes.values()),
            "decks": self.decks,
            "revlog": added_revlog,
            "graves": self._graves_floor,
        }
        if self.added_cards:
            step["added_cards"] = self.added_cards
        if self.deck_counters:
            step["deck_counters"] = self.deck_counters
        if self.config:
            step["config"] = self.config
        tags_now = self.col.tags
        tags_added = [t for t in tags_now if t not in self._tags_before]
        tags_removed = {t: u for t, u in self._tags_before.items() if t not in tags_now}
        if tags_added:
            step["tags_added"] = tags_added
        if tags_removed:
            step["tags_removed"] = tags_removed
        size = len(_dumps(step))
        if self.too_large or size > MAX_STEP_BYTES or len(added_revlog) > MAX_STEP_ROWS:
            kept = [{"label": self.label, "card_id": self.card_id, "too_large": True}]
        else:
            kept = _bounded([*_steps(self.col), step])
        conf = dict(self.col.conf)
        conf.pop(LEGACY_KEY, None)
        conf[STEPS_KEY] = kept
        self.col.save_json("conf", conf)


@contextmanager
def undoable(
    col: Collection,
    label: str,
    *,
    card_ids: Iterable[int] = (),
    note_ids: Iterable[int] = (),
    deck_ids: Iterable[int] = (),
    card_id: int | None = None,
) -> Iterator[UndoStep]:
    """Run the block in one transaction and record it as one undoable step named ``label``.

    ``card_ids``/``note_ids``/``deck_ids``: what the block changes, captured before it runs
    (more can be added inside with ``step.cards_changing(...)`` etc.). ``card_id``: the card
    the learner should see again after undoing (the answered card during review); by default
    the one card acted on, when ``card_ids`` names exactly one. If the block raises, nothing is
    written and no step is recorded.
    """
    card_ids = list(card_ids)
    if card_id is None and len(card_ids) == 1:
        card_id = int(card_ids[0])
    with col.transaction():
        step = UndoStep(col, label, card_id)
        step.cards_changing(card_ids)
        step.notes_changing(note_ids)
        step.decks_changing(deck_ids)
        yield step
        step._record()


def undo_status(col: Collection) -> UndoStatus | None:
    """What ``undo`` would undo now (for the "Undo <label>" menu entry), or None."""
    steps = _steps(col)
    if not steps:
        return None
    return UndoStatus(str(steps[-1].get("label", "")), not steps[-1].get("too_large", False))


def undo(col: Collection) -> UndoResult:
    """Undo the latest step. Raises ``NothingToUndoError`` on an empty stack,
    ``UndoTooLargeError``/``UndoConflictError`` (after clearing the stack) when it cannot."""
    steps = _steps(col)
    if not steps:
        raise NothingToUndoError("there is nothing to undo")
    step = steps[-1]
    label = str(step.get("label", ""))
    cards = [list(r) for r in step.get("cards", [])]
    notes = [list(r) for r in step.get("notes", [])]
    if step.get("too_large"):
        clear(col)
        raise UndoTooLargeError(f"{label} changed too many cards or notes to be undone")
    at = int(step.get("at", 0))
    added = [int(c) for c in step.get("added_cards", [])]
    if _changed_since(col, "cards", [int(r[0]) for r in cards] + added, at) or _changed_since(
        col, "notes", [int(r[0]) for r in notes], at
    ):
        clear(col)
        raise UndoConflictError(f"{label} cannot be undone: its cards or notes changed since")
    with col.transaction():
        for row in cards:
            row[_USN] = -1
        for row in notes:
            row[_NOTE_USN] = -1
        if cards:
            col.db.executemany(
                f"insert or replace into cards values ({placeholders(CARD_COLUMNS)})", cards
            )
        if notes:
            col.db.executemany(
                f"insert or replace into notes values ({placeholders(NOTE_COLUMNS)})", notes
            )
        revlog = [int(r) for r in step.get("revlog", [])]
        for batch in chunks(revlog):
            col.db.execute(f"delete from revlog where id in ({placeholders(batch)})", batch)
        if "graves" in step:
            col.db.execute("delete from graves where rowid > ?", (int(step["graves"]),))
        _remove_added_cards(col, added)
        _restore_decks(col, step.get("decks") or {})
        _restore_deck_counters(col, step.get("deck_counters") or {})
        _restore_tags(col, step.get("tags_added") or [], step.get("tags_removed") or {})
        _restore_config(col, step.get("config") or {})
        _save_steps(col, steps[:-1])
    card_id = step.get("card_id")
    return UndoResult(
        label=label,
        card_id=int(card_id) if isinstance(card_id, int) else None,
        cards=len(cards),
        notes=len(notes),
    )


def clear(col: Collection) -> None:
    """Forget every step (a change that cannot be undone makes older steps unsafe)."""
    if STEPS_KEY in col.conf or LEGACY_KEY in col.conf:
        _save_steps(col, [])


# ----------------------------------------------------------------- inside


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _max_rowid(col: Collection, table: str, column: str) -> int:
    row = col.db.execute(f"select max({column}) from {table}").fetchone()
    return int(row[0] or 0)


def _steps(col: Collection) -> list[dict[str, Any]]:
    steps = col.conf.get(STEPS_KEY)
    if not isinstance(steps, list):
        return []
    return [s for s in steps if isinstance(s, dict)]


def _bounded(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The newest steps within ``MAX_STEPS`` and ``MAX_TOTAL_BYTES``."""
    kept: list[dict[str, Any]] = []
    total = 0
    for step in reversed(steps[-MAX_STEPS:]):
        total += len(_dumps(step))
        if total > MAX_TOTAL_BYTES:
            break
        kept.append(step)
    kept.reverse()
    return kept


def _save_steps(col: Collection, steps: list[dict[str, Any]]) -> None:
    conf = dict(col.conf)
    conf.pop(LEGACY_KEY, None)
    if steps:
        conf[STEPS_KEY] = steps
    else:
        conf.pop(STEPS_KEY, None)
    col.save_json("conf", conf)


def _changed_since(col: Collection, table: str, ids: list[int], at: int) -> bool:
    for batch in chunks(ids):
        row = col.db.execute(
            f"select 1 from {table} where id in ({placeholders(batch)}) and mod > ? limit 1",
            (*batch, at),
        ).fetchone()
        if row is not None:
            return True
    return False


def _remove_added_cards(col: Collection, card_ids: list[int]) -> None:
    """Delete the cards a step made, with a grave each (a sync may have sent them meanwhile)."""
    for batch in chunks(card_ids):
        present = [
            int(r[0])
            for r in col.db.execute(
                f"select id from cards where id in ({placeholders(batch)})", batch
            )
        ]
        if not present:
            continue
        col.db.execute(f"delete from cards where id in ({placeholders(present)})", present)
        col.db.executemany(
            "insert into graves (usn, oid, type) values (-1, ?, 0)", [(c,) for c in present]
        )


def _restore_decks(col: Collection, decks: dict[str, Any]) -> None:
    if not decks:
        return
    restored = dict(col.decks)
    for key, deck in decks.items():
        if deck is None:
            restored.pop(key, None)
        else:
            restored[key] = deck
    col.save_json("decks", restored)


def _restore_deck_counters(col: Collection, counters: dict[str, Any]) -> None:
    """Put the kept today counters back into decks that still exist."""
    restored = dict(col.decks)
    changed = False
    for key, values in counters.items():
        deck = restored.get(key)
        if not isinstance(deck, dict) or not isinstance(values, dict):
            continue
        deck = dict(deck)
        for name in DECK_COUNTER_KEYS:
            if values.get(name) is None:
                deck.pop(name, None)
            else:
                deck[name] = values[name]
        deck["mod"] = col.now_secs()
        deck["usn"] = -1
        restored[key] = deck
        changed = True
    if changed:
        col.save_json("decks", restored)


def _restore_tags(col: Collection, added: list[Any], removed: dict[str, Any]) -> None:
    """Put the tag list back as it was: Anki's undo covers its tags table, so a tag the step
    registered leaves the list (and the browser's sidebar) again."""
    if not added and not removed:
        return
    registry = dict(col.tags)
    for name in added:
        registry.pop(str(name), None)
    for name, usn in removed.items():
        registry.setdefault(str(name), usn)
    col.save_json("tags", registry)


def _restore_config(col: Collection, config: dict[str, Any]) -> None:
    if not config:
        return
    conf = dict(col.conf)
    for key, (present, value) in config.items():
        if present:
            conf[key] = value
        else:
            conf.pop(key, None)
    col.save_json("conf", conf)
