"""The Reposition New Cards dialog's queue top/bottom and remembered choices are Anki's: after
the same repositions on the same collection, both give the same defaults and config keys."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from javumbo.collection import Collection
from javumbo.collection.browser.reposition_choice import (
    RANDOM_KEY,
    SHIFT_KEY,
    reposition_defaults,
)
from javumbo.collection.card_actions import reposition_new_cards


def _build(anki: Any) -> None:
    basic = anki.models.by_name("Basic")
    for k in range(5):
        note = anki.new_note(basic)
        note["Front"] = f"card {k}"
        anki.add_note(note, 1)


def _anki_defaults(anki: Any) -> tuple[int, int, bool, bool]:
    low, high = anki.db.first("select min(due), max(due) from cards where type=0 and odid=0")
    defaults = anki.sched.reposition_defaults()
    return max(low or 0, 0), high or 0, defaults.random, defaults.shift


def test_reposition_defaults_follow_anki(anki_made_collection: Any, tmp_path: Path) -> None:
    from anki.collection import Collection as AnkiCollection

    source = anki_made_collection(_build)
    copy = tmp_path / "ours.anki2"
    shutil.copy(source, copy)
    anki = AnkiCollection(str(source))
    ours = Collection.open(copy)
    try:
        assert vars(reposition_defaults(ours)) == dict(
            zip(
                ("queue_top", "queue_bottom", "randomize", "shift"),
                _anki_defaults(anki),
                strict=True,
            )
        )
        for randomize, shift, start in ((True, True, 7), (False, True, 0), (False, False, 3)):
            cids = [int(c) for c in anki.db.list("select id from cards order by id")][:2]
            anki.sched.reposition_new_cards(cids, start, 1, randomize, shift)
            reposition_new_cards(ours, cids, start=start, step=1, randomize=randomize, shift=shift)
            mine = reposition_defaults(ours)
            theirs = _anki_defaults(anki)
            # Positions of a random reposition differ by chance; the choices must not.
            assert (mine.randomize, mine.shift) == theirs[2:]
            if not randomize:
                assert (mine.queue_top, mine.queue_bottom) == theirs[:2]
            assert ours.conf[RANDOM_KEY] is anki.get_config(RANDOM_KEY)
            assert ours.conf[SHIFT_KEY] is anki.get_config(SHIFT_KEY)
    finally:
        ours.close()
        anki.close()
