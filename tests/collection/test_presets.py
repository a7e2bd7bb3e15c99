"""Presets written under Anki's proto names are what real Anki reads back, option for option."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock
from javumbo.collection import presets as preset_ops
from javumbo.collection.decks import add_deck
from javumbo.collection.presets import OPTIONS, DefaultPresetError, OptionValueError

CHANGES: dict[str, Any] = {
    "new_per_day": 7,
    "reviews_per_day": 321,
    "learn_steps": [2.0, 30.0, 1440.0],
    "relearn_steps": [5.0],
    "graduating_interval_good": 2,
    "graduating_interval_easy": 6,
    "new_card_insert_order": 1,
    "minimum_lapse_interval": 3,
    "leech_threshold": 5,
    "leech_action": 0,
    "new_card_gather_priority": 3,
    "new_card_sort_order": 4,
    "new_mix": 2,
    "interday_learning_mix": 1,
    "review_order": 12,
    "bury_new": True,
    "bury_reviews": True,
    "bury_interday_learning": True,
    "disable_autoplay": True,
    "skip_question_when_replaying_answer": True,
    "cap_answer_time_to_secs": 90,
    "show_timer": True,
    "stop_timer_on_answer": True,
    "seconds_to_show_question": 4.5,
    "seconds_to_show_answer": 2.0,
    "wait_for_audio": False,
    "question_action": 1,
    "answer_action": 3,
    "easy_days_percentages": [1.0, 1.0, 0.5, 1.0, 1.0, 0.0, 0.0],
    "maximum_review_interval": 3650,
    "initial_ease": 2.3,
    "easy_multiplier": 1.5,
    "interval_multiplier": 0.9,
    "hard_multiplier": 1.1,
    "lapse_multiplier": 0.2,
    "desired_retention": 0.85,
    "historical_retention": 0.8,
    "param_search": "deck:current",
    "ignore_revlogs_before_date": "2024-01-01",
}


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, float) or isinstance(theirs, float):
        return math.isclose(float(ours), float(theirs), rel_tol=1e-6)
    if isinstance(ours, list):
        if len(ours) != len(theirs):
            return False
        return all(_same(a, b) for a, b in zip(ours, theirs, strict=True))
    return bool(ours == theirs)


def test_every_option_we_write_is_what_anki_reads(tmp_path: Path) -> None:
    from anki.collection import Collection as AnkiCollection

    path = tmp_path / "col.anki2"
    anki = AnkiCollection(str(path))
    anki.close(downgrade=True)
    col = Collection.open(path, clock=FixedClock(time.time()))
    deck = add_deck(col, "Spanish")
    child = add_deck(col, "Spanish::Verbs")
    assert set(CHANGES) == set(OPTIONS) - {"fsrs_params_4", "fsrs_params_5", "fsrs_params_6"}
    conf_id = preset_ops.add_preset(col, "Tuned", CHANGES)
    preset_ops.set_deck_preset(col, deck, conf_id, with_subdecks=True)
    preset_ops.set_deck_limits(col, deck, {"new": 4, "review_today": 12})
    ours = preset_ops.one_preset(col, conf_id)
    assert ours["use_count"] == 2
    col.close()

    anki = AnkiCollection(str(path))
    try:
        update = anki.decks.get_deck_configs_for_update(deck)
        configs = {c.config.name: c for c in update.all_config}
        tuned = configs["Tuned"]
        assert tuned.use_count == 2 and configs["Default"].use_count == 1
        assert update.current_deck.config_id == conf_id
        assert anki.decks.get(child)["conf"] == conf_id
        limits = update.current_deck.limits
        assert limits.new == 4 and not limits.HasField("review")
        assert limits.review_today == 12 and limits.review_today_active
        for name in CHANGES:
            theirs = getattr(tuned.config.config, name)
            theirs = list(theirs) if not isinstance(theirs, str | bool | int | float) else theirs
            assert _same(ours[name], theirs), (name, ours[name], theirs)
    finally:
        anki.close()


def test_default_preset_stays_and_bad_values_are_refused(col: Collection) -> None:
    with pytest.raises(DefaultPresetError):
        preset_ops.delete_preset(col, 1)
    for name, value in (
        ("new_per_day", 10_000),
        ("initial_ease", 1.0),
        ("review_order", 13),
        ("learn_steps", [0]),
        ("easy_days_percentages", [0.5]),
        ("show_timer", 1),
        ("name", " "),
    ):
        with pytest.raises(OptionValueError):
            preset_ops.update_preset(col, 1, {name: value})
    assert preset_ops.one_preset(col, 1)["new_per_day"] == 20


def test_random_insertion_order_gives_new_cards_random_positions(col: Collection) -> None:
    from javumbo.collection.cards import cards_of_note
    from javumbo.collection.notes import add_note
    from javumbo.collection.notetypes import notetype_by_name

    basic = notetype_by_name(col, "Basic")
    assert basic is not None
    deck = add_deck(col, "Shuffled")
    preset_ops.set_deck_preset(
        col,
        deck,
        preset_ops.add_preset(col, "Random", {"new_card_insert_order": 1}),
        with_subdecks=False,
    )
    mid = int(basic["id"])
    in_order = [add_note(col, mid, [f"a{i}", "b"], deck_id=1) for i in range(3)]
    shuffled = [add_note(col, mid, [f"c{i}", "d"], deck_id=deck) for i in range(5)]
    dues = [cards_of_note(col, n.id)[0].due for n in in_order]
    assert dues == [1, 2, 3]
    random_dues = [cards_of_note(col, n.id)[0].due for n in shuffled]
    assert random_dues != [4, 5, 6, 7, 8] and all(1 <= d < 1000 for d in random_dues)
    assert col.conf["nextPos"] == 9
