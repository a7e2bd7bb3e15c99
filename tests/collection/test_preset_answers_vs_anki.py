"""Answers under a preset with every advanced option changed, against Anki on the same file:
starting ease, easy bonus, interval modifier, hard interval, new interval, maximum interval,
minimum interval, learning/relearning steps, graduating and easy intervals."""

from __future__ import annotations

from collections.abc import Callable

from javumbo.collection import presets as preset_ops
from tests.collection.test_scheduler_vs_anki import (  # noqa: F401 (pytest fixture)
    SEQUENCE,
    Pair,
    _card_ids,
    _same_except_answer_second,
    pair_factory,
)

OPTIONS = {
    "initial_ease": 2.1,
    "easy_multiplier": 1.6,
    "interval_multiplier": 1.3,
    "hard_multiplier": 1.1,
    "lapse_multiplier": 0.4,
    "maximum_review_interval": 40,
    "minimum_lapse_interval": 2,
    "learn_steps": [3.0, 20.0, 90.0],
    "relearn_steps": [15.0, 60.0],
    "graduating_interval_good": 2,
    "graduating_interval_easy": 5,
}


def test_answers_follow_the_preset_options_as_in_anki(pair_factory: Callable[..., Pair]) -> None:  # noqa: F811
    pair = pair_factory(notes=2)
    preset_ops.update_preset(pair.ours, 1, OPTIONS)
    # the same preset, written by our API, is what Anki gets: copy it over as stored
    pair.anki.decks.update_config(dict(pair.ours.dconf["1"]))
    for cid, sequence in zip(_card_ids(pair), (SEQUENCE, SEQUENCE[::-1]), strict=True):
        for step, ease in enumerate(sequence):
            pair.make_due(cid)
            their_labels, our_labels = pair.labels(cid)
            assert our_labels == their_labels, f"card {cid} step {step}: labels differ"
            pair.answer(cid, ease)
            theirs, ours, their_log, our_log = pair.rows(cid)
            assert _same_except_answer_second(theirs, ours), (step, ease, theirs, ours, our_log)
            assert our_log == their_log, f"card {cid} step {step}: revlog differs"
    assert max(pair.ours.db.execute("select max(ivl) from cards").fetchone()) <= 40
