"""The comparison of the answers a user sent and got acknowledged with the answers the server
applied: it must catch a lost answer and one applied twice, and accept either fate for an
answer whose outcome the user never learnt."""

from __future__ import annotations

from collections import Counter

from javumbo.loadtest.scenario import UserOutcome, compare_answers, find_deck


def outcome(sent: dict[int, int], acknowledged: dict[int, int]) -> UserOutcome:
    return UserOutcome("u", sent=Counter(sent), acknowledged=Counter(acknowledged))


def test_compare_answers_finds_lost_answers() -> None:
    lost, duplicated = compare_answers(outcome({1: 1, 2: 1}, {1: 1, 2: 1}), Counter({1: 1}))
    assert lost == [2] and duplicated == {}


def test_compare_answers_finds_duplicates() -> None:
    lost, duplicated = compare_answers(outcome({1: 1}, {1: 1}), Counter({1: 2, 9: 1}))
    assert lost == [] and duplicated == {1: 1, 9: 1}


def test_compare_answers_accepts_unknown_outcomes_applied_or_not() -> None:
    unacknowledged = outcome({1: 1, 2: 1}, {})
    assert compare_answers(unacknowledged, Counter({1: 1})) == ([], {})
    assert compare_answers(unacknowledged, Counter()) == ([], {})


def test_find_deck_walks_a_nested_tree() -> None:
    tree = {"decks": [{"name": "Default", "id": 1, "children": [{"name": "Load test", "id": 7}]}]}
    assert find_deck(tree, "Load test") == 7
    assert find_deck(tree, "Missing") is None
