"""FSRS settings, optimize and evaluate over HTTP, on a collection with a real review history."""

from __future__ import annotations

import json
import random

import pytest
from apiflask import APIFlask

from javumbo.api import fsrs as fsrs_api
from javumbo.api.app import app_services
from javumbo.collection import Collection
from javumbo.collection.scheduler import fsrs_optimizer
from tests.api.conftest import ApiUser, assert_error

DAY = 86_400


def _history(app: APIFlask, user: ApiUser, cards: int = 60) -> None:
    """Reviews over four months for ``cards`` cards in the Default deck, written directly."""
    deck = user.new_deck("History")
    for i in range(cards):
        user.new_card(deck, f"q{i}", f"a{i}")
    svc = app_services(app)
    record = svc.meta.get_user(user.username)
    assert record is not None
    rng = random.Random(3)

    def write(col: Collection) -> None:
        next_day_at = col.sched_timing().next_day_at
        cids = [r[0] for r in col.db.execute("select id from cards order by id")]
        seq = 0
        for cid in cids:
            day, ivl = rng.randint(60, 120), 1
            rows = [(day, 3, -600, 0, 0), (day, 3, 1, -600, 0)]
            while day - ivl > 0:
                day -= ivl
                ease = rng.choices((1, 2, 3, 4), (15, 10, 65, 10))[0]
                new = 1 if ease == 1 else max(int(ivl * 2.5), ivl + 1)
                rows.append((day, ease, new, ivl, 1))
                ivl = new
            for days_ago, ease, new_ivl, last, kind in rows:
                seq += 1
                rid = (next_day_at - days_ago * DAY - 7200) * 1000 + seq
                col.db.execute(
                    "insert into revlog values (?,?,-1,?,?,?,2500,1000,?)",
                    (rid, cid, ease, new_ivl, last, kind),
                )
            col.db.execute(
                "update cards set type = 2, queue = 2, ivl = ?, factor = 2500, due = ? "
                "where id = ?",
                (ivl, col.today() + 1, cid),
            )
        deck_conf = {**col.decks[str(deck)], "conf": 1}
        col.save_json("decks", {**col.decks, str(deck): deck_conf})

    svc.engine.write(record.user_id, write)


def test_settings_save_updates_memory_states_and_reschedules(app: APIFlask, alice: ApiUser) -> None:
    _history(app, alice)
    settings = alice.ok(alice.get("/api/presets/1/fsrs"))
    assert settings["enabled"] is False and settings["params"] == []
    saved = alice.ok(
        alice.put(
            "/api/presets/1/fsrs",
            {"enabled": True, "desired_retention": 0.85, "reschedule": True},
        )
    )
    assert saved["enabled"] is True and saved["desired_retention"] == 0.85
    assert saved["cards"] == 60 and 0 < saved["rescheduled"] <= 60
    cards = alice.ok(alice.get("/api/cards", query_string={"q": "deck:History"}))
    assert cards["total"] == 60


def test_optimize_then_evaluate_then_save_the_parameters(app: APIFlask, alice: ApiUser) -> None:
    _history(app, alice)
    optimized = alice.ok(alice.post("/api/presets/1/fsrs/optimize"))
    assert optimized["item_count"] > 100 and optimized["review_count"] > 300
    params = optimized["params"]
    assert len(params) in (0, 21)
    judged = alice.ok(alice.post("/api/presets/1/fsrs/evaluate", {"params": params}))
    defaults = alice.ok(alice.post("/api/presets/1/fsrs/evaluate", {}))
    assert 0 < judged["log_loss"] <= defaults["log_loss"] + 1e-9
    assert 0 <= judged["rmse_bins"] < 1
    saved = alice.ok(alice.put("/api/presets/1/fsrs", {"params": params}))
    assert saved["params"] == params


def test_bad_input_is_refused_with_json_errors(app: APIFlask, alice: ApiUser) -> None:
    assert_error(alice.put("/api/presets/1/fsrs", {"params": [1.0, 2.0]}), 400)
    assert_error(alice.put("/api/presets/1/fsrs", {"desired_retention": 1.5}), 422)
    assert_error(
        alice.put("/api/presets/1/fsrs", {"ignore_revlogs_before_date": "2024-13-45"}), 400
    )
    assert_error(alice.put("/api/presets/1/fsrs", {"param_search": "re:x("}), 400)
    assert_error(alice.post("/api/presets/1/fsrs/evaluate", {"params": [0.1] * 5}), 400)
    assert_error(alice.get("/api/presets/424242/fsrs"), 404)
    assert_error(alice.post("/api/presets/424242/fsrs/optimize"), 404)
    assert alice.ok(alice.get("/api/presets/1/fsrs"))["params"] == []  # nothing written


def test_optimizer_is_bounded_in_reviews_and_in_concurrent_runs(
    app: APIFlask, alice: ApiUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    _history(app, alice, cards=10)
    with monkeypatch.context() as patch:
        patch.setattr(fsrs_optimizer, "MAX_TRAINING_REVIEWS", 20)
        assert_error(alice.post("/api/presets/1/fsrs/optimize"), 422, "too_many_reviews")
    assert fsrs_api._TRAINING.acquire(blocking=False)
    try:
        assert_error(alice.post("/api/presets/1/fsrs/optimize"), 429, "fsrs_busy")
    finally:
        fsrs_api._TRAINING.release()
    assert json.loads(alice.post("/api/presets/1/fsrs/optimize").data)["item_count"] > 0


def _memory_states(app: APIFlask, user: ApiUser) -> dict[int, tuple[float, float]]:
    svc = app_services(app)
    record = svc.meta.get_user(user.username)
    assert record is not None

    def read(col: Collection) -> dict[int, tuple[float, float]]:
        rows = col.db.execute("select id, data from cards").fetchall()
        return {
            cid: (data["s"], data["dr"])
            for cid, text in rows
            if "s" in (data := json.loads(text or "{}"))
        }

    return svc.engine.write(record.user_id, read)


def _rescheduled(app: APIFlask, user: ApiUser) -> int:
    svc = app_services(app)
    record = svc.meta.get_user(user.username)
    assert record is not None
    return svc.engine.write(
        record.user_id,
        lambda col: int(col.db.execute("select count() from revlog where type = 5").fetchone()[0]),
    )


def test_deck_and_preset_options_update_memory_states(app: APIFlask, alice: ApiUser) -> None:
    """The deck options page saves through PUT /api/decks and PUT /api/presets: switching
    FSRS on there gives the cards memory states, a new desired retention (with
    fsrs_reschedule) reschedules them, an unrelated option leaves them alone."""
    _history(app, alice, cards=20)
    deck_id = alice.ok(alice.get("/api/decks"))["decks"][-1]["id"]
    assert _memory_states(app, alice) == {}
    alice.ok(alice.put(f"/api/decks/{deck_id}", {"fsrs": True}))
    states = _memory_states(app, alice)
    assert len(states) == 20 and {dr for _, dr in states.values()} == {0.9}
    assert _rescheduled(app, alice) == 0

    alice.ok(alice.put("/api/presets/1", {"new_per_day": 7, "fsrs_reschedule": True}))
    assert _memory_states(app, alice) == states and _rescheduled(app, alice) == 0

    preset = alice.ok(
        alice.put("/api/presets/1", {"desired_retention": 0.8, "fsrs_reschedule": True})
    )
    assert preset["desired_retention"] == 0.8
    changed = _memory_states(app, alice)
    assert {dr for _, dr in changed.values()} == {0.8}
    assert 0 < _rescheduled(app, alice) <= 20

    alice.ok(alice.put(f"/api/decks/{deck_id}", {"fsrs": False}))
    assert _memory_states(app, alice) == {}


def test_simulator_and_optimal_retention(app: APIFlask, alice: ApiUser) -> None:
    _history(app, alice, cards=30)
    run = alice.ok(
        alice.post(
            "/api/presets/1/fsrs/simulate",
            {"days_to_simulate": 60, "additional_new_cards": 100, "new_limit": 10},
        )
    )
    assert run["desired_retention"] == 0.9 and run["days_to_simulate"] == 60
    assert run["simulated_cards"] == 100 and run["studied_cards_left_out"] == 30
    assert len(run["daily_review_count"]) == len(run["daily_time_seconds"]) == 60
    assert sum(run["daily_new_count"]) == 100 and run["daily_new_count"][0] == 10
    assert sum(run["daily_review_count"]) > 0 and run["memorized"][-1] > 0
    higher = alice.ok(
        alice.post(
            "/api/presets/1/fsrs/simulate",
            {"days_to_simulate": 60, "additional_new_cards": 100, "desired_retention": 0.97},
        )
    )
    assert sum(higher["daily_review_count"]) > sum(run["daily_review_count"])

    best = alice.ok(
        alice.post(
            "/api/presets/1/fsrs/optimal-retention",
            {"days_to_simulate": 90, "additional_new_cards": 50},
        )
    )
    assert 0.7 <= best["optimal_retention"] <= 0.95
    assert best["studied_cards"] == 30 and best["new_cards"] == 50


def test_simulator_refuses_oversized_or_bad_input(app: APIFlask, alice: ApiUser) -> None:
    url = "/api/presets/1/fsrs/simulate"
    assert_error(alice.post(url, {"additional_new_cards": 10**7}), 422)
    assert_error(alice.post(url, {"days_to_simulate": 0}), 422)
    assert_error(alice.post(url, {"days_to_simulate": 100_000}), 422)
    assert_error(alice.post(url, {"additional_new_cards": 5, "params": [1.0, 2.0]}), 400)
    assert_error(alice.post(url, {"new_limit": 0}), 400)  # nothing to simulate
    assert_error(alice.post(url, {"days_to_simulate": 3650, "additional_new_cards": 10_000}), 400)
    assert_error(
        alice.post(
            "/api/presets/1/fsrs/optimal-retention",
            {"days_to_simulate": 3000, "additional_new_cards": 10_000},
        ),
        400,
    )
    assert_error(alice.post("/api/presets/424242/fsrs/simulate", {}), 404)
    assert fsrs_api._TRAINING.acquire(blocking=False)
    try:
        assert_error(alice.post(url, {"additional_new_cards": 5}), 429, "fsrs_busy")
    finally:
        fsrs_api._TRAINING.release()


def test_optimize_and_evaluate_use_settings_not_saved_yet(app: APIFlask, alice: ApiUser) -> None:
    """As Anki's Optimize, the screen's search and 'ignore reviews before' apply unsaved."""
    _history(app, alice, cards=20)
    url = "/api/presets/1/fsrs/optimize"
    assert alice.ok(alice.post(url, {}))["item_count"] > 50
    assert alice.ok(alice.post(url, {"param_search": "deck:Nothing"}))["item_count"] == 0
    later = {"ignore_revlogs_before_date": "2999-01-01"}
    assert alice.ok(alice.post(url, later))["item_count"] == 0
    assert alice.ok(alice.post("/api/presets/1/fsrs/evaluate", later))["item_count"] == 0
    assert_error(alice.post(url, {"param_search": "re:x("}), 400)
    assert_error(alice.post(url, {"params": [0.1] * 5}), 400)
    assert alice.ok(alice.get("/api/presets/1/fsrs"))["param_search"] == ""  # nothing saved
