"""Hostile searches over HTTP: many wildcards answer at once, and a search past its time budget
answers a clear 400 instead of holding the server."""

from __future__ import annotations

import time

import pytest

from javumbo.collection.search import time_budget
from tests.api.conftest import ApiUser, assert_error

# Generous: each answer takes milliseconds; the backtracking matcher took 10 s at 10 stars and
# did not end at 14.
BOUND_SECONDS = 5.0
LONG_NAME = "a" * 40


def _stars(count: int) -> str:
    return "a*" * count + "b"


@pytest.fixture
def user_with_long_names(alice: ApiUser) -> ApiUser:
    deck_id = alice.new_deck(LONG_NAME)
    body = {"deck_id": deck_id, "front": LONG_NAME, "back": LONG_NAME, "tags": [LONG_NAME]}
    alice.ok(alice.post("/api/cards", body), 201)
    return alice


@pytest.mark.parametrize(
    "query",
    [
        f"deck:{_stars(10)}",
        f"deck:{_stars(14)}",
        f"deck:{_stars(300)}",
        f"deck:{'_*' * 300}b",
        f"note:{_stars(14)}",
        f"card:{_stars(14)}",
        f"tag:{_stars(14)}",
        f"tag:{_stars(300)}",
        f"{_stars(14)}:x",
        f"front:{_stars(300)}",
        _stars(300),
    ],
)
def test_many_wildcards_answer_at_once(user_with_long_names: ApiUser, query: str) -> None:
    user = user_with_long_names
    start = time.monotonic()
    body = user.ok(user.get("/api/cards", query_string={"q": query}))
    assert time.monotonic() - start < BOUND_SECONDS
    assert body["total"] == 0 and body["cards"] == []


def test_the_long_names_are_found(user_with_long_names: ApiUser) -> None:
    """Guards the test above against matching nothing for another reason."""
    user = user_with_long_names
    for query in (f"deck:{'a*' * 14}", f"tag:{'a*' * 14}", f"front:{'a*' * 14}"):
        assert user.ok(user.get("/api/cards", query_string={"q": query}))["total"] == 1, query


def test_a_search_past_its_budget_answers_400(
    user_with_long_names: ApiUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time_budget, "SEARCH_TIME_BUDGET_SECONDS", 0.0)
    monkeypatch.setattr(time_budget, "PROGRESS_STEPS", 1)
    user = user_with_long_names
    error = assert_error(
        user.get("/api/cards", query_string={"q": "deck:*"}), 400, "search_too_expensive"
    )
    assert "narrow it down" in error["message"]
    monkeypatch.undo()
    assert user.ok(user.get("/api/cards", query_string={"q": "deck:*"}))["total"] == 1


def test_a_search_too_deep_for_sqlite_answers_400(alice: ApiUser) -> None:
    alternating = "".join("(dog or " for _ in range(50)) + "cat" + ")" * 50
    error = assert_error(alice.get("/api/cards", query_string={"q": alternating}), 400)
    assert "too big" in error["message"]
