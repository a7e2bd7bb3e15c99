"""Custom study against Anki's own (``col.sched.custom_study``) on the same collection file:
the same Custom Study Session deck (search, order, limit, rescheduling) with the same cards,
and the same raised limits in the deck."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock
from javumbo.collection.custom_study import (
    CUSTOM_STUDY_DECK,
    CramOptions,
    StudyDefaults,
    TagChoice,
    custom_study,
    study_defaults,
)
from javumbo.collection.decks import deck_by_name
from javumbo.collection.errors import ValidationError
from javumbo.collection.scheduler import Scheduler
from tests.collection.test_filtered_decks import DECK_KEYS, Pair, _make_anki_collection, _same_cards


@pytest.fixture
def study_pair(tmp_path: Path) -> Iterator[Pair]:
    from anki.collection import Collection as AnkiCollection

    source = tmp_path / "anki.anki2"
    _make_anki_collection(source)
    ours_path = tmp_path / "ours.anki2"
    shutil.copy(source, ours_path)
    anki = AnkiCollection(str(source))
    ours = Collection.open(ours_path, clock=FixedClock(time.time()))
    yield Pair(anki, ours, FixedClock(time.time()))
    anki.close()
    with contextlib.suppress(sqlite3.ProgrammingError):
        ours.close()


def _anki_request(mode: str, amount: int, cram: CramOptions | None) -> Any:
    from anki.scheduler_pb2 import CustomStudyRequest

    fields = {
        "new_limit": "new_limit_delta",
        "review_limit": "review_limit_delta",
        "forgotten": "forgot_days",
        "review_ahead": "review_ahead_days",
        "preview_new": "preview_days",
    }
    if mode == "cram":
        assert cram is not None
        kind = ["due", "new", "review", "all"].index(cram.kind)
        return CustomStudyRequest(
            deck_id=1,
            cram=CustomStudyRequest.Cram(
                kind=kind,  # type: ignore[arg-type]
                card_limit=cram.card_limit,
                tags_to_include=list(cram.tags_to_include),
                tags_to_exclude=list(cram.tags_to_exclude),
            ),
        )
    return CustomStudyRequest(deck_id=1, **{fields[mode]: amount})


CASES = {
    "forgotten": ("forgotten", 1, None),
    "review ahead": ("review_ahead", 30, None),
    "preview new": ("preview_new", 1, None),
    "cram due": ("cram", 0, CramOptions("due", 50)),
    "cram new with tags": ("cram", 0, CramOptions("new", 3, ("even", "odd"), ("absent",))),
    "cram review": ("cram", 0, CramOptions("review", 100, (), ("odd", "x"))),
    "cram all": ("cram", 0, CramOptions("all", 100, ("even",))),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_session_deck_matches_anki(study_pair: Pair, case: tuple[str, int, Any]) -> None:
    mode, amount, cram = case
    pair = study_pair
    pair.anki.sched.custom_study(_anki_request(mode, amount, cram))
    our_did = custom_study(pair.ours, 1, mode, amount=amount, cram=cram)
    assert our_did is not None
    their_deck = pair.anki.decks.by_name(CUSTOM_STUDY_DECK)
    our_deck = pair.ours.decks[str(our_did)]
    keys = (*DECK_KEYS, "previewDelay")
    assert {k: our_deck[k] for k in keys} == {k: their_deck[k] for k in keys}
    theirs, ours = pair.cards()
    if their_deck["terms"][0][2] == 1:  # random order: the same cards, positions shuffled
        for row in (*theirs, *ours):
            row[3] = row[3] if row[2] == 0 else 0
    _same_cards(theirs, ours, (int(their_deck["id"]), our_did))
    assert any(row[2] for row in ours)
    if cram is not None:
        for key in ("Include", "Exclude"):
            name = f"_deck_1_customStudy{key}Tags"
            assert pair.ours.conf[name] == pair.anki.get_config(name)


def test_rebuilding_the_session_reuses_the_deck(study_pair: Pair) -> None:
    first = custom_study(study_pair.ours, 1, "review_ahead", amount=30)
    second = custom_study(study_pair.ours, 1, "cram", cram=CramOptions("all", 100))
    assert first == second
    found = deck_by_name(study_pair.ours, CUSTOM_STUDY_DECK)
    assert found is not None and found["terms"][0][0] == "deck:Default"


@pytest.mark.parametrize(
    ("mode", "amount"), [("new_limit", 7), ("review_limit", 7), ("review_limit", 9)]
)
def test_limit_increase_matches_anki(study_pair: Pair, mode: str, amount: int) -> None:
    """With a review limit of 1, the 6 new cards and 2 reviews of today use it up: a review
    extension of 7 still leaves nothing (new cards count against the review limit), 9 leaves
    two reviews, as in Anki."""
    pair = study_pair
    conf = pair.anki.decks.config_dict_for_deck_id(1)
    conf["new"]["perDay"] = 1
    review_limit = 1 if mode == "review_limit" else 100
    conf["rev"]["perDay"] = review_limit
    pair.anki.decks.save(conf)
    dconf = dict(pair.ours.dconf)
    dconf["1"] = {**dconf["1"], "new": {**dconf["1"]["new"], "perDay": 1}}
    dconf["1"]["rev"] = {**dconf["1"]["rev"], "perDay": review_limit}
    pair.ours.save_json("dconf", dconf)
    pair.anki.sched.custom_study(_anki_request(mode, amount, None))
    assert custom_study(pair.ours, 1, mode, amount=amount) is None
    keys = ("newToday", "revToday", "extendNew", "extendRev")
    their_deck = pair.anki.decks.get(1)
    assert {k: pair.ours.decks["1"][k] for k in keys} == {k: their_deck[k] for k in keys}
    after = Scheduler(pair.ours).due_counts(1)
    pair.anki.decks.select(1)
    assert (after.new, after.learning, after.review) == tuple(pair.anki.sched.counts())
    our_queue = [c.id for c in Scheduler(pair.ours).next_cards(1, 20)]
    their_queue = pair.anki.sched.get_queued_cards(fetch_limit=20).cards
    assert sorted(our_queue) == sorted(int(q.card.id) for q in their_queue)
    if (mode, amount) == ("review_limit", 9):
        assert after.review == 2


def test_nothing_matching_is_an_error_and_changes_nothing(study_pair: Pair) -> None:
    decks_before = dict(study_pair.ours.decks)
    with pytest.raises(ValidationError, match="no cards matched"):
        custom_study(study_pair.ours, 1, "cram", cram=CramOptions("all", 10, ("absent",)))
    assert study_pair.ours.decks == decks_before
    with pytest.raises(ValidationError):
        custom_study(study_pair.ours, 1, "sideways")


def test_available_counts_match_anki(tmp_path: Path) -> None:
    from anki.collection import Collection as AnkiCollection

    source = tmp_path / "anki.anki2"
    anki = AnkiCollection(str(source))
    child = int(anki.decks.id("Default::Kid") or 0)
    basic = anki.models.by_name("Basic")
    assert basic is not None

    def add(did: int, count: int) -> list[int]:
        ids = []
        for i in range(count):
            note = anki.new_note(basic)
            note["Front"] = f"q{did}-{i}"
            anki.add_note(note, did)  # type: ignore[arg-type]
            ids.append(note.cards()[0].id)
        return ids

    home, kid = add(1, 30), add(child, 5)
    for cid, tags in ((home[0], "b A::x"), (kid[1], "kid Zed"), (home[1], "c b")):
        note = anki.get_card(cid).note()  # type: ignore[arg-type]
        note.tags = tags.split()
        anki.update_note(note)
    today = anki.sched.today
    review = "update cards set type = 2, queue = ?, due = ?, ivl = 3 where id = ?"
    for cid in home[:3]:
        anki.db.execute(review, 2, today - 1, cid)
    for cid in home[3:5]:
        anki.db.execute(review, 2, today + 3, cid)  # not due yet
    anki.db.execute("update cards set type = 1, queue = 3, due = ? where id = ?", today, home[5])
    anki.db.execute("update cards set queue = -1 where id = ?", home[6])
    anki.db.execute(review, -2, today, home[7])  # buried
    anki.db.execute("update cards set type = 1, queue = 1, due = 0 where id = ?", home[8])
    anki.db.execute(review, 2, today, kid[0])
    anki.sched.extend_limits(5, 0)
    cram = _anki_request("cram", 0, CramOptions("all", 100, ("b",), ("Zed",)))
    anki.sched.custom_study(cram)
    session = anki.decks.by_name(CUSTOM_STUDY_DECK)
    assert session is not None
    anki.sched.empty_filtered_deck(session["id"])
    expected = {}
    for did in (1, child):
        d = anki.sched.custom_study_defaults(did)  # type: ignore[arg-type]
        expected[did] = StudyDefaults(
            d.available_new,
            d.available_new_in_children,
            d.available_review,
            d.available_review_in_children,
            d.extend_new,
            d.extend_review,
            tuple(TagChoice(t.name, t.include, t.exclude) for t in d.tags),
        )
    anki.close(downgrade=True)
    ours = Collection.open(source, clock=FixedClock(time.time()))
    try:
        for did, theirs in expected.items():
            assert study_defaults(ours, did) == theirs
        assert expected[1].available_new_in_children == 4
        assert [t.name for t in expected[1].tags] == ["A::x", "b", "c", "kid", "Zed"]
        assert {t.name for t in expected[1].tags if t.include or t.exclude} == {"b", "Zed"}
    finally:
        ours.close()
