"""FSRS memory states, optimized parameters and evaluation against Anki's own (the ``anki``
package) on the same collection file with the same review history.

The history is written with SQL into a collection Anki made: learning then reviews over months,
with the entries Anki treats specially (a reset, set-due-date, cramming, a history that starts
without its learning answers, a card with no history at all, factors written under FSRS).
"""

from __future__ import annotations

import json
import random
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock
from javumbo.collection.scheduler import fsrs_optimizer
from javumbo.collection.scheduler.fsrs_presets import card_memory, fsrs_preset
from tests.support import anki_save_deck_options

DAY = 86_400
PARAMS = [
    0.2172, 1.1771, 3.2602, 16.1507, 7.0114, 0.57, 2.0966, 0.0069, 1.5261, 0.112,
    1.0178, 1.849, 0.1133, 0.3127, 2.2934, 0.2191, 3.0004, 0.7536, 0.3332, 0.1437, 0.2,
]  # fmt: skip


class History:
    """Revlog rows and final card columns built day by day, as a learner would leave them."""

    def __init__(self, next_day_at: int, rng: random.Random) -> None:
        self.next_day_at = next_day_at
        self.rng = rng
        self.rows: list[tuple[Any, ...]] = []
        self.seq = 0

    def entry(
        self, cid: int, days_ago: int, ease: int, ivl: int, last: int, factor: int, kind: int
    ) -> None:
        self.seq += 1
        at = (self.next_day_at - days_ago * DAY - 3 * 3600) * 1000 + self.seq
        self.rows.append((at, cid, -1, ease, ivl, last, factor, 12_000, kind))

    def learner(self, cid: int, start: int, *, learn: bool = True) -> tuple[int, int]:
        """Learning answers on day ``start`` days ago, then reviews until today; (ivl, factor)."""
        day, ivl, factor = start, 0, 2500
        if learn:
            for ease in (self.rng.choice((1, 3, 3)), 3):
                self.entry(cid, day, ease, -600, -60, 0, 0)
            ivl = 1
        else:
            ivl = self.rng.randint(3, 15)
        while day - ivl > 0:
            day -= ivl
            ease = self.rng.choices((1, 2, 3, 4), (12, 10, 70, 8))[0]
            if ease == 1:
                self.entry(cid, day, 1, -600, ivl, factor, 1)
                self.entry(cid, day, 3, 1, -600, factor, 2)
                factor, new_ivl = max(factor - 200, 1300), 1
            else:
                factor += {2: -150, 3: 0, 4: 150}[ease]
                new_ivl = max(int(ivl * factor / 1000 * self.rng.uniform(0.9, 1.1)), ivl + 1)
                self.entry(cid, day, ease, new_ivl, ivl, factor, 1)
            ivl = new_ivl
        return ivl, factor


def _write_history(anki: Any, cids: list[int], rng: random.Random) -> dict[int, str]:
    history = History(int(anki.sched.day_cutoff), rng)
    kinds: dict[int, str] = {}
    for n, cid in enumerate(cids):
        kind = ("plain", "plain", "plain", "truncated", "reset", "cram", "set_due", "none")[n % 8]
        kinds[cid] = kind
        if kind == "none":
            ivl, factor = 20, 2300
        elif kind == "truncated":
            ivl, factor = history.learner(cid, rng.randint(60, 200), learn=False)
        else:
            ivl, factor = history.learner(cid, rng.randint(60, 200))
        if kind == "reset":
            history.entry(cid, 40, 0, 0, ivl, 0, 4)
            ivl, factor = history.learner(cid, 39)
        elif kind == "cram":
            history.entry(cid, 2, 3, 0, 0, 0, 3)
        elif kind == "set_due":
            history.entry(cid, 3, 0, ivl, ivl, factor, 4)
        anki.db.execute(
            "update cards set type = 2, queue = 2, ivl = ?, factor = ?, due = ?, data = '' "
            "where id = ?",
            ivl,
            factor,
            anki.sched.today + 1,
            cid,
        )
    for row in history.rows:
        anki.db.execute("insert into revlog values (?,?,?,?,?,?,?,?,?)", *row)
    return kinds


def anki_with_basic_notes(source: Path, count: int) -> tuple[Any, list[int]]:
    """Real Anki at ``source`` with ``count`` Basic notes in Default and the load balancer off
    (so due days are the scheduler's alone); returns it and the card ids in order."""
    from anki.collection import Collection as AnkiCollection
    from anki.collection import Config

    anki = AnkiCollection(str(source))
    anki.set_config_bool(Config.Bool.LOAD_BALANCER_ENABLED, False)
    basic = anki.models.by_name("Basic")
    for i in range(count):
        note = anki.new_note(basic)
        note["Front"] = f"q{i}"
        anki.add_note(note, 1)
    return anki, [int(c) for c in anki.db.list("select id from cards order by id")]


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Any, Collection, dict[int, str]]]:
    """(Anki, ours, kind of history per card) on copies of one file; FSRS on, PARAMS set."""
    from anki.collection import Collection as AnkiCollection

    source = tmp_path / "anki.anki2"
    anki, cids = anki_with_basic_notes(source, 160)
    kinds = _write_history(anki, cids, random.Random(7))
    conf = anki.decks.config_dict_for_deck_id(1)
    conf["fsrsParams6"] = PARAMS
    conf["sm2Retention"] = 0.85
    anki.decks.update_config(conf)
    anki.set_config("fsrs", True)
    anki.close(downgrade=True)
    shutil.copy(source, tmp_path / "ours.anki2")
    anki = AnkiCollection(str(source))
    ours = Collection.open(tmp_path / "ours.anki2", clock=FixedClock(time.time()))
    yield anki, ours, kinds
    anki.close()
    ours.close()


def test_memory_state_from_history_matches_anki(
    pair: tuple[Any, Collection, dict[int, str]],
) -> None:
    anki, ours, kinds = pair
    preset = fsrs_preset(ours, 1)
    next_day_at = ours.sched_timing().next_day_at
    assert next_day_at == anki.sched.day_cutoff
    seen = set()
    for cid, kind in kinds.items():
        theirs = anki._backend.compute_memory_state(cid)
        mine = card_memory(ours, cid, preset, next_day_at)
        assert mine is not None, (kind, cid)
        seen.add(kind)
        if kind == "none":  # Anki's card info shows none; answering uses SM-2 (test below)
            assert not theirs.HasField("state")
            continue
        assert theirs.HasField("state"), (kind, cid)
        assert mine.stability == pytest.approx(theirs.state.stability, rel=1e-5), kind
        assert mine.difficulty == pytest.approx(theirs.state.difficulty, rel=1e-5), kind
    assert seen == {"plain", "truncated", "reset", "cram", "set_due", "none"}


def test_answer_without_stored_memory_matches_anki(
    pair: tuple[Any, Collection, dict[int, str]],
) -> None:
    """A card reaching FSRS with history but no memory state is answered from its replayed
    state: same memory, same interval as Anki."""
    from javumbo.collection.scheduler import Scheduler

    anki, ours, kinds = pair
    scheduler = Scheduler(ours)
    today = anki.sched.today
    for n, cid in enumerate(list(kinds)[:32]):
        ease = (3, 2, 4, 1)[n % 4]
        for col_exec in (anki.db.execute, lambda sql, *a: ours.db.execute(sql, a)):
            col_exec("update cards set due = ? where id = ?", today, cid)
        card = anki.get_card(cid)
        card.timer_started = time.time() - 5
        anki.sched.answerCard(card, ease)
        ours.clock.set(time.time())  # type: ignore[attr-defined]
        scheduler.answer_card(cid, ease, 5000)
        their_ivl, their_data = anki.db.first("select ivl, data from cards where id = ?", cid)
        our_ivl, our_data = ours.db.execute(
            "select ivl, data from cards where id = ?", (cid,)
        ).fetchone()
        theirs, mine = json.loads(their_data), json.loads(our_data)
        assert mine == {**theirs, "lrt": mine["lrt"]}, kinds[cid]
        assert our_ivl == their_ivl, kinds[cid]


@pytest.mark.slow
def test_optimized_parameters_and_evaluation_match_anki(
    pair: tuple[Any, Collection, dict[int, str]],
) -> None:
    anki, ours, _ = pair
    theirs = anki._backend.compute_fsrs_params(
        search='preset:"Default" -is:suspended',
        current_params=[],
        ignore_revlogs_before_ms=0,
        num_of_relearning_steps=1,
        health_check=False,
    )
    ours.save_json("dconf", {**ours.dconf, "1": {**ours.dconf["1"], "fsrsParams6": []}})
    mine = fsrs_optimizer.optimize(ours, 1)
    assert mine.item_count == theirs.fsrs_items > 400
    assert len(mine.params) == len(theirs.params) == 21
    assert mine.params == pytest.approx(list(theirs.params), abs=1e-4)

    their_eval = anki._backend.evaluate_params_legacy(
        params=PARAMS, search='preset:"Default" -is:suspended', ignore_revlogs_before_ms=0
    )
    my_eval = fsrs_optimizer.evaluate(ours, 1, PARAMS)
    assert my_eval.log_loss == pytest.approx(their_eval.log_loss, rel=1e-5)
    assert my_eval.rmse_bins == pytest.approx(their_eval.rmse_bins, rel=1e-5)


def test_optimizer_refuses_more_reviews_than_its_bound(
    pair: tuple[Any, Collection, dict[int, str]],
) -> None:
    _, ours, _ = pair
    with pytest.raises(fsrs_optimizer.TooManyReviewsError):
        fsrs_optimizer.optimize(ours, 1, limit=100)


def test_relearning_steps_counted_within_a_day() -> None:
    assert fsrs_optimizer.relearning_steps_in_a_day([10.0]) == 1
    assert fsrs_optimizer.relearning_steps_in_a_day([10.0, 1430.0, 5.0]) == 1
    assert fsrs_optimizer.relearning_steps_in_a_day([]) == 0


def _anki_save_preset(anki: Any, *, desired_retention: float, reschedule: bool) -> None:
    """Anki's deck options 'Save' with a new desired retention (FSRS stays on)."""
    current = anki.decks.get_deck_configs_for_update(1)
    config = current.all_config[0].config
    config.config.desired_retention = desired_retention
    anki_save_deck_options(anki, 1, [config], fsrs=True, reschedule=reschedule)


def _same_cards(anki: Any, ours: Collection, kinds: dict[int, str]) -> None:
    columns = "id, type, queue, ivl, due, odue, data"
    their_cards = anki.db.all(f"select {columns} from cards order by id")
    our_cards = ours.db.execute(f"select {columns} from cards order by id").fetchall()
    for theirs, mine in zip(their_cards, our_cards, strict=True):
        kind = kinds[theirs[0]]
        assert list(mine[:6]) == list(theirs[:6]), kind
        assert json.loads(mine[6] or "{}") == json.loads(theirs[6] or "{}"), kind


@pytest.mark.parametrize("reschedule", [False, True])
def test_changed_retention_updates_cards_as_anki(
    pair: tuple[Any, Collection, dict[int, str]], reschedule: bool
) -> None:
    from javumbo.collection.scheduler.fsrs_reschedule import update_memory_states

    anki, ours, kinds = pair
    ours.clock.set(time.time())  # type: ignore[attr-defined]
    _anki_save_preset(anki, desired_retention=0.8, reschedule=reschedule)
    ours.save_json("dconf", {**ours.dconf, "1": {**ours.dconf["1"], "desiredRetention": 0.8}})
    result = update_memory_states(ours, 1, reschedule=reschedule)
    assert result.cards == sum(1 for k in kinds.values() if k != "none")
    _same_cards(anki, ours, kinds)
    log = "select cid, ease, ivl, lastIvl, factor, time from revlog where type = 5 order by cid"
    their_log = [list(r) for r in anki.db.all(log)]
    assert [list(r) for r in ours.db.execute(log).fetchall()] == their_log
    assert bool(their_log) == reschedule
    assert result.rescheduled == len(their_log)


@pytest.mark.parametrize("reschedule", [False, True])
def test_a_decks_own_desired_retention_schedules_as_anki(
    pair: tuple[Any, Collection, dict[int, str]], reschedule: bool
) -> None:
    """The "This deck" desired retention of Anki's deck options: saved, it updates the deck's
    cards as Anki does (rescheduled or not), and answers use it instead of the preset's."""
    from javumbo.collection.presets import deck_limits, set_deck_limits
    from javumbo.collection.scheduler.fsrs_reschedule import follow_options_change, fsrs_snapshot

    anki, ours, kinds = pair
    ours.clock.set(time.time())  # type: ignore[attr-defined]
    config = anki.decks.get_deck_configs_for_update(1).all_config[0].config
    anki_save_deck_options(anki, 1, [config], fsrs=True, reschedule=reschedule, deck_retention=0.75)
    before = fsrs_snapshot(ours)
    set_deck_limits(ours, 1, {"desired_retention": 0.75})
    follow_options_change(ours, before, reschedule=reschedule)
    assert ours.decks["1"]["desiredRetention"] == anki.decks.get(1)["desiredRetention"] == 75
    assert deck_limits(ours, 1)["desired_retention"] == pytest.approx(0.75)
    _same_cards(anki, ours, kinds)

    answered = _answer_due_today_on_both(anki, ours, kinds, 24)
    dr = anki.db.list(f"select json_extract(data, '$.dr') from cards where id in ({answered})")
    assert set(dr) == {0.75}  # the answers used the deck's retention, not the preset's 0.9


@pytest.mark.parametrize("percent", [0, 100, 150])
def test_a_deck_retention_anki_never_offers_still_schedules_as_anki(
    pair: tuple[Any, Collection, dict[int, str]], percent: int
) -> None:
    """A synced deck may carry a retention outside the options' 70-99% (0 makes FSRS ask for an
    infinite interval): answers still schedule as Anki's, never fail."""
    anki, ours, kinds = pair
    deck = anki.decks.get(1)
    deck["desiredRetention"] = percent
    anki.decks.save(deck)
    ours.save_json("decks", {**ours.decks, "1": {**ours.decks["1"], "desiredRetention": percent}})
    _answer_due_today_on_both(anki, ours, kinds, 12)


def _answer_due_today_on_both(
    anki: Any, ours: Collection, kinds: dict[int, str], count: int
) -> str:
    """Answers the first ``count`` cards, made due today, on both sides with the same ratings
    and checks every card's interval and data; the answered ids, for SQL."""
    from javumbo.collection.scheduler import Scheduler

    scheduler = Scheduler(ours)
    today = anki.sched.today
    for n, cid in enumerate(list(kinds)[:count]):
        for col_exec in (anki.db.execute, lambda sql, *a: ours.db.execute(sql, a)):
            col_exec("update cards set due = ? where id = ?", today, cid)
        card = anki.get_card(cid)
        card.timer_started = time.time() - 5
        anki.sched.answerCard(card, (3, 2, 4, 1)[n % 4])
        ours.clock.set(time.time())  # type: ignore[attr-defined]
        scheduler.answer_card(cid, (3, 2, 4, 1)[n % 4], 5000)
    their_ivls = anki.db.all("select id, ivl, data from cards order by id")
    our_ivls = ours.db.execute("select id, ivl, data from cards order by id").fetchall()
    for theirs, mine in zip(their_ivls, our_ivls, strict=True):
        assert mine[1] == theirs[1], kinds[theirs[0]]
        their_data, my_data = json.loads(theirs[2] or "{}"), json.loads(mine[2] or "{}")
        assert my_data == {**their_data, **({"lrt": my_data["lrt"]} if "lrt" in my_data else {})}
    return ",".join(str(cid) for cid in list(kinds)[:count])
