"""Saving deck options updates the cards' FSRS memory states (and, with "reschedule cards on
change", their due dates) exactly where Anki's ``update_deck_configs`` does: a preset's new
desired retention reaches its decks' cards, a deck moved to a preset with other parameters has
its cards updated and no other deck's, options unrelated to FSRS touch no card.

Both sides start from one collection file with months of review history in two decks.
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
from javumbo.collection import presets as preset_ops
from javumbo.collection.scheduler.fsrs_reschedule import follow_options_change, fsrs_snapshot
from tests.collection.test_fsrs_vs_anki import PARAMS, _write_history, anki_with_basic_notes
from tests.support import anki_save_deck_options

OTHER_PARAMS = [
    0.3, 1.3, 3.0, 15.0, 6.9, 0.6, 2.0, 0.01, 1.5, 0.12,
    1.0, 1.8, 0.11, 0.3, 2.2, 0.22, 2.9, 0.7, 0.3, 0.15, 0.25,
]  # fmt: skip


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Any, Collection, int, int]]:
    """(Anki, ours, id of deck Two, id of preset Other): 160 cards with history, the second
    half in Two; Default (PARAMS) used by both decks, Other (OTHER_PARAMS) by none; FSRS on."""
    from anki.collection import Collection as AnkiCollection

    source = tmp_path / "anki.anki2"
    anki, cids = anki_with_basic_notes(source, 160)
    _write_history(anki, cids, random.Random(11))
    two = int(anki.decks.id("Two"))
    anki.db.execute(f"update cards set did = ? where id in ({','.join(map(str, cids[80:]))})", two)
    conf = anki.decks.config_dict_for_deck_id(1)
    conf["fsrsParams6"] = PARAMS
    anki.decks.update_config(conf)
    other = anki.decks.add_config_returning_id("Other")
    other_conf = anki.decks.get_config(other)
    other_conf["fsrsParams6"] = OTHER_PARAMS
    anki.decks.update_config(other_conf)
    anki.set_config("fsrs", True)
    anki.close(downgrade=True)
    shutil.copy(source, tmp_path / "ours.anki2")
    anki = AnkiCollection(str(source))
    ours = Collection.open(tmp_path / "ours.anki2", clock=FixedClock(time.time()))
    yield anki, ours, two, int(other)
    anki.close()
    ours.close()


def _anki_save(anki: Any, deck_id: int, config: Any, *, reschedule: bool) -> None:
    """Anki's deck options Save for ``deck_id`` with ``config`` as its (changed) preset."""
    anki_save_deck_options(anki, deck_id, [config], fsrs=True, reschedule=reschedule)


def _config(anki: Any, deck_id: int, preset_id: int) -> Any:
    current = anki.decks.get_deck_configs_for_update(deck_id)
    return next(c.config for c in current.all_config if c.config.id == preset_id)


def _assert_same_cards(anki: Any, ours: Collection) -> int:
    """Same card columns and FSRS data, same Rescheduled entries; how many cards have a
    memory state."""
    columns = "id, did, type, queue, ivl, due, odue, data"
    theirs = anki.db.all(f"select {columns} from cards order by id")
    mine = ours.db.execute(f"select {columns} from cards order by id").fetchall()
    for their, my in zip(theirs, mine, strict=True):
        assert list(my[:7]) == list(their[:7])
        assert json.loads(my[7] or "{}") == json.loads(their[7] or "{}"), their[0]
    log = "select cid, ease, ivl, lastIvl, factor, time from revlog where type = 5 order by cid"
    assert [list(r) for r in ours.db.execute(log).fetchall()] == [list(r) for r in anki.db.all(log)]
    return sum(1 for row in theirs if "s" in json.loads(row[7] or "{}"))


@pytest.mark.parametrize("reschedule", [False, True])
def test_new_desired_retention_through_preset_options_as_anki(
    pair: tuple[Any, Collection, int, int], reschedule: bool
) -> None:
    anki, ours, _, _ = pair
    ours.clock.set(time.time())  # type: ignore[attr-defined]
    config = _config(anki, 1, 1)
    config.config.desired_retention = 0.82
    _anki_save(anki, 1, config, reschedule=reschedule)
    with ours.transaction():
        before = fsrs_snapshot(ours)
        preset_ops.update_preset(ours, 1, {"desired_retention": 0.82})
        done = follow_options_change(ours, before, reschedule=reschedule)
    with_data = _assert_same_cards(anki, ours)
    assert done.cards == with_data > 100
    assert (done.rescheduled > 0) == reschedule


@pytest.mark.parametrize("reschedule", [False, True])
def test_deck_moved_to_a_preset_with_other_parameters_as_anki(
    pair: tuple[Any, Collection, int, int], reschedule: bool
) -> None:
    anki, ours, two, other = pair
    ours.clock.set(time.time())  # type: ignore[attr-defined]
    _anki_save(anki, two, _config(anki, two, other), reschedule=reschedule)
    with ours.transaction():
        before = fsrs_snapshot(ours)
        preset_ops.set_deck_preset(ours, two, other, with_subdecks=False)
        done = follow_options_change(ours, before, reschedule=reschedule)
    with_data = _assert_same_cards(anki, ours)
    assert done.cards == with_data > 50
    # only deck Two's cards were updated
    untouched = ours.db.execute("select data from cards where did = 1").fetchall()
    assert all(not data for (data,) in untouched)


def test_reschedule_through_the_load_balancer_as_anki(
    pair: tuple[Any, Collection, int, int],
) -> None:
    """Anki's default: the load balancer on, so rescheduled cards are spread over the days of
    their fuzz range by the cards already due (and easy days), card after card."""
    from anki.collection import Config

    anki, ours, _, _ = pair
    # 18 cards with history: Anki balances cards in an unstable sort by history length,
    # which keeps card order for equal lengths up to 20 cards (Rust's insertion sort); the
    # other cards, without history, are review cards due over the coming months that the
    # balancer weighs
    kept = ",".join(str(c) for c in anki.db.list("select id from cards order by id limit 18"))
    today = anki.sched.today
    for execute in (anki.db.execute, lambda sql: ours.db.execute(sql)):
        execute(f"delete from revlog where cid not in ({kept})")
        execute(f"update cards set due = {today} + 1 + (id * 7) % 200 where id not in ({kept})")
    anki.set_config_bool(Config.Bool.LOAD_BALANCER_ENABLED, True)
    ours.save_json("conf", {**ours.conf, "loadBalancerEnabled": True})
    easy_days = [1.0, 1.0, 0.5, 1.0, 1.0, 0.0, 1.0]
    config = _config(anki, 1, 1)
    config.config.desired_retention = 0.8
    del config.config.easy_days_percentages[:]
    config.config.easy_days_percentages.extend(easy_days)
    ours.clock.set(time.time())  # type: ignore[attr-defined]
    _anki_save(anki, 1, config, reschedule=True)
    with ours.transaction():
        before = fsrs_snapshot(ours)
        preset_ops.update_preset(
            ours, 1, {"desired_retention": 0.8, "easy_days_percentages": easy_days}
        )
        done = follow_options_change(ours, before, reschedule=True)
    assert _assert_same_cards(anki, ours) == done.cards > 10
    assert done.rescheduled > 10


def test_options_unrelated_to_fsrs_touch_no_card(pair: tuple[Any, Collection, int, int]) -> None:
    anki, ours, _, _ = pair
    config = _config(anki, 1, 1)
    config.config.new_per_day = 33
    _anki_save(anki, 1, config, reschedule=True)
    with ours.transaction():
        before = fsrs_snapshot(ours)
        preset_ops.update_preset(ours, 1, {"new_per_day": 33})
        done = follow_options_change(ours, before, reschedule=True)
    assert _assert_same_cards(anki, ours) == 0
    assert done.cards == 0


def test_switching_fsrs_off_clears_every_deck_as_anki(
    pair: tuple[Any, Collection, int, int],
) -> None:
    """FSRS on then off: Anki removes the memory states it wrote, deck by deck."""
    anki, ours, two, _ = pair
    config = _config(anki, 1, 1)
    config.config.desired_retention = 0.85
    _anki_save(anki, 1, config, reschedule=False)
    with ours.transaction():
        before = fsrs_snapshot(ours)
        preset_ops.update_preset(ours, 1, {"desired_retention": 0.85})
        follow_options_change(ours, before, reschedule=False)
    assert _assert_same_cards(anki, ours) > 100
    anki_save_deck_options(anki, two, [_config(anki, two, 1)], fsrs=False)
    with ours.transaction():
        before = fsrs_snapshot(ours)
        ours.save_json("conf", {**ours.conf, "fsrs": False})
        done = follow_options_change(ours, before, reschedule=False)
    assert _assert_same_cards(anki, ours) == 0
    assert done.cards > 100
