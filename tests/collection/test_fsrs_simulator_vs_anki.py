"""The FSRS retention simulator against Anki's own (the ``anki`` package) on the same
collection: the learner's habits read from the review log (Anki's
``get_optimal_retention_parameters``), the day-by-day simulation (``simulate_fsrs_review``) and
the optimal retention (``compute_optimal_retention``) for the same request.

The collection has months of history: some cards studied, some studied then forgotten (new
again, their reviews still in the log), some never studied.
"""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock
from javumbo.collection.errors import ValidationError
from javumbo.collection.scheduler import fsrs_simulator
from javumbo.collection.scheduler.fsrs_simulator import SimulationSettings
from tests.collection.test_fsrs_vs_anki import PARAMS, _write_history, anki_with_basic_notes

SEARCH = 'preset:"Default" -is:suspended'


def _make(tmp_path: Path, *, forget_all: bool) -> tuple[Any, Collection]:
    from anki.collection import Collection as AnkiCollection

    source = tmp_path / "anki.anki2"
    anki, cids = anki_with_basic_notes(source, 120)
    _write_history(anki, cids[:80], random.Random(5))
    if forget_all:
        anki.sched.schedule_cards_as_new(cids[:80], restore_position=True, reset_counts=False)
    else:
        anki.sched.schedule_cards_as_new(cids[:20], restore_position=True, reset_counts=False)
    conf = anki.decks.config_dict_for_deck_id(1)
    conf["fsrsParams6"] = PARAMS
    anki.decks.update_config(conf)
    anki.set_config("fsrs", True)
    anki.close(downgrade=True)
    shutil.copy(source, tmp_path / "ours.anki2")
    anki = AnkiCollection(str(source))
    ours = Collection.open(tmp_path / "ours.anki2", clock=FixedClock(time.time()))
    return anki, ours


@pytest.fixture
def forgotten(tmp_path: Path) -> Iterator[tuple[Any, Collection]]:
    """No studied card: 80 with history forgotten, 40 never studied."""
    anki, ours = _make(tmp_path, forget_all=True)
    yield anki, ours
    anki.close()
    ours.close()


@pytest.fixture
def studied(tmp_path: Path) -> Iterator[tuple[Any, Collection]]:
    """60 studied cards, 20 forgotten, 40 never studied."""
    anki, ours = _make(tmp_path, forget_all=False)
    yield anki, ours
    anki.close()
    ours.close()


def _request(days: int, retention: float = 0.85, extra: int = 150) -> dict[str, Any]:
    return {
        "params": PARAMS,
        "desired_retention": retention,
        "deck_size": extra,
        "days_to_simulate": days,
        "new_limit": 12,
        "review_limit": 9999,
        "max_interval": 36500,
        "search": SEARCH,
        "new_cards_ignore_review_limit": True,
        "easy_days_percentages": [1.0] * 7,
        # 'order added': no review priority in fsrs-rs, as the Python binding's simulator has
        # none (Anki's due-date orders reorder the simulated reviews by their due day)
        "review_order": 9,
        "historical_retention": 0.9,
        "learning_step_count": 2,
        "relearning_step_count": 1,
    }


def _anki_request(request: dict[str, Any]) -> Any:
    from anki.scheduler_pb2 import SimulateFsrsReviewRequest

    return SimulateFsrsReviewRequest(**request)


def _settings(request: dict[str, Any]) -> SimulationSettings:
    return SimulationSettings(
        desired_retention=request["desired_retention"],
        days_to_simulate=request["days_to_simulate"],
        additional_new_cards=request["deck_size"],
        new_limit=request["new_limit"],
        review_limit=request["review_limit"],
        max_interval=request["max_interval"],
        new_cards_ignore_review_limit=request["new_cards_ignore_review_limit"],
        suspend_after_lapses=None,
    )


def test_learner_habits_from_the_review_log_match_anki(
    studied: tuple[Any, Collection],
) -> None:
    anki, ours = studied
    theirs = anki._backend.get_optimal_retention_parameters(search=SEARCH)
    given = fsrs_simulator.simulation_input(ours, 1, _settings(_request(30)), None)
    habits = given.habits
    assert habits.first_rating_prob == pytest.approx(list(theirs.first_rating_prob), rel=1e-6)
    assert habits.review_rating_prob == pytest.approx(list(theirs.review_rating_prob), rel=1e-6)
    for mine, flat in (
        (habits.learning_step_transitions, theirs.learning_step_transitions),
        (habits.relearning_step_transitions, theirs.relearning_step_transitions),
        (habits.state_rating_costs, theirs.state_rating_costs),
    ):
        assert [v for row in mine for v in row] == pytest.approx(list(flat), rel=1e-6)
    # the history changed something: these are not fsrs-rs's defaults
    assert habits.state_rating_costs != fsrs_simulator.learner_habits([], 0).state_rating_costs
    assert given.new_cards == 60 and len(given.studied) == 60


def test_day_by_day_simulation_matches_anki(forgotten: tuple[Any, Collection]) -> None:
    anki, ours = forgotten
    request = _request(120)
    theirs = anki._backend.simulate_fsrs_review(_anki_request(request))
    mine = fsrs_simulator.simulate(
        fsrs_simulator.simulation_input(ours, 1, _settings(request), None)
    )
    assert mine.simulated_cards == 120 + 150 and mine.studied_cards_left_out == 0
    assert mine.daily_review_count == list(theirs.daily_review_count)
    assert mine.daily_new_count == list(theirs.daily_new_count)
    assert sum(mine.daily_new_count) == 270  # 12 a day until every card is introduced
    assert mine.daily_time_seconds == pytest.approx(list(theirs.daily_time_cost), rel=1e-6)
    assert mine.memorized == pytest.approx(list(theirs.accumulated_knowledge_acquisition), rel=1e-6)


def test_optimal_retention_matches_anki(studied: tuple[Any, Collection]) -> None:
    anki, ours = studied
    request = _request(120)
    theirs = anki._backend.compute_optimal_retention(_anki_request(request))
    mine = fsrs_simulator.optimal_retention(
        fsrs_simulator.simulation_input(ours, 1, _settings(request), None)
    )
    assert 0.7 <= mine <= 0.95
    assert mine == pytest.approx(theirs, abs=1e-6)


def test_oversized_simulations_are_refused(studied: tuple[Any, Collection]) -> None:
    _, ours = studied
    too_many = _settings({**_request(30), "deck_size": fsrs_simulator.MAX_CARDS})
    with pytest.raises(ValidationError):
        fsrs_simulator.simulation_input(ours, 1, too_many, None)
    long = _settings({**_request(3650), "deck_size": 10_000})
    with pytest.raises(ValidationError):
        fsrs_simulator.simulate(fsrs_simulator.simulation_input(ours, 1, long, None))
    with pytest.raises(ValidationError):
        fsrs_simulator.optimal_retention(fsrs_simulator.simulation_input(ours, 1, long, None))
    with pytest.raises(ValidationError):
        fsrs_simulator.simulation_input(ours, 1, _settings(_request(30)), [1.0, 2.0])
    assert fsrs_simulator.samples_per_retention(30) == 180
    assert fsrs_simulator.samples_per_retention(180) == 34
    assert fsrs_simulator.samples_per_retention(400) == 16


def test_parameters_fsrs_rs_cannot_simulate_are_bad_input(
    studied: tuple[Any, Collection],
) -> None:
    """fsrs-rs accepts these 21 numbers but panics simulating with them (a NaN probability)."""
    _, ours = studied
    params = [
        4.456, 2.3446, -63.355, -60.157, 63.995, 50.657, 14.871, -54.515, 0.2053, 58.546,
        4.6068, -79.81, 4.0378, -55.969, 2.0089, 73.511, 0.1076, 50.146, -6.2331, 0.5047, 1.6405,
    ]  # fmt: skip
    given = fsrs_simulator.simulation_input(ours, 1, _settings(_request(30)), params)
    with pytest.raises(ValidationError):
        fsrs_simulator.simulate(given)
    with pytest.raises(ValidationError):
        fsrs_simulator.optimal_retention(given)
