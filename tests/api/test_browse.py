"""The browser's routes: typed rows sorted by a column, cards and notes mode, the sidebar,
saved searches, and clear 400s for bad columns and searches."""

from __future__ import annotations

from tests.api.conftest import ApiUser, assert_error


def _cards(alice: ApiUser, count: int) -> tuple[int, list[int]]:
    deck_id = alice.new_deck("Words")
    return deck_id, [alice.new_card(deck_id, front=f"w{k:02d}") for k in range(count)]


def test_rows_sorted_by_sort_field_both_ways(alice: ApiUser) -> None:
    _, card_ids = _cards(alice, 5)
    page = alice.ok(
        alice.get("/api/browse/rows?search=deck:Words&columns=sort_field,deck&sort=sort_field")
    )
    assert page["total"] == 5
    assert [row["cells"]["sort_field"] for row in page["rows"]] == [f"w{k:02d}" for k in range(5)]
    assert [row["id"] for row in page["rows"]] == card_ids
    assert all(row["cells"]["deck"] == "Words" for row in page["rows"])
    back = alice.ok(alice.get("/api/browse/rows?search=deck:Words&sort=sort_field&reverse=true"))
    assert [row["id"] for row in back["rows"]] == card_ids[::-1]


def test_flag_is_the_rows_colour_and_notes_mode_has_one_row_per_note(alice: ApiUser) -> None:
    _, card_ids = _cards(alice, 3)
    alice.ok(alice.post("/api/cards/flag", {"card_ids": card_ids[:1], "flag": 1}))
    page = alice.ok(alice.get("/api/browse/rows?search=deck:Words&sort=created"))
    assert [row["colour"] for row in page["rows"]] == ["flag_red", "", ""]
    assert page["rows"][0]["flag"] == 1
    notes = alice.ok(alice.get("/api/browse/rows?search=deck:Words&mode=notes&sort=created"))
    assert notes["mode"] == "notes" and notes["total"] == 3
    assert [row["card_ids"] for row in notes["rows"]] == [[cid] for cid in card_ids]


def test_paging_keeps_the_total(alice: ApiUser) -> None:
    _, card_ids = _cards(alice, 7)
    page = alice.ok(alice.get("/api/browse/rows?search=deck:Words&sort=created&page=2&page_size=3"))
    assert page["total"] == 7
    assert [row["id"] for row in page["rows"]] == card_ids[3:6]


def test_bad_columns_sorts_and_searches_are_400(alice: ApiUser) -> None:
    assert_error(alice.get("/api/browse/rows?columns=nope"), 400)
    assert_error(alice.get("/api/browse/rows?sort=question"), 400)
    assert_error(alice.get("/api/browse/rows?search=deck:(("), 400)
    assert_error(alice.get("/api/browse/rows?mode=both"), 422)


def test_saved_searches_and_sidebar(alice: ApiUser) -> None:
    _cards(alice, 1)
    saved = alice.ok(
        alice.post(
            "/api/browse/saved-searches", {"name": "Due words", "search": "deck:Words is:due"}
        ),
        201,
    )
    assert saved["saved_searches"] == [{"name": "Due words", "search": "deck:Words is:due"}]
    assert_error(alice.post("/api/browse/saved-searches", {"name": "bad", "search": "(("}), 400)
    side = alice.ok(alice.get("/api/browse/sidebar"))
    assert side["saved_searches"] == saved["saved_searches"]
    words = next(d for d in side["decks"] if d["name"] == "Words")
    found = alice.ok(alice.get("/api/browse/rows", query_string={"search": words["search"]}))
    assert found["total"] == 1
    assert [f["search"] for f in side["flags"]][:2] == ["flag:1", "flag:2"]
    assert any(s["search"] == "is:suspended" for s in side["card_states"])
    left = alice.ok(alice.delete("/api/browse/saved-searches", query_string={"name": "Due words"}))
    assert left["saved_searches"] == []
    assert_error(alice.delete("/api/browse/saved-searches", query_string={"name": "x"}), 404)


def test_columns_are_listed(alice: ApiUser) -> None:
    listed = alice.ok(alice.get("/api/browse/columns"))
    keys = {c["key"] for c in listed["columns"]}
    assert {"sort_field", "question", "answer", "due", "ease", "card_type", "tags"} <= keys
    assert next(c for c in listed["columns"] if c["key"] == "question")["sortable_cards"] is False


def test_find_replace_and_duplicates(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Words")
    for front in ("<b>dog</b>", "dog", "cat"):
        alice.new_card(deck_id, front=front, back="a dog")
    replaced = alice.ok(
        alice.post(
            "/api/notes/find-replace",
            {"note_ids": [], "search": "DOG", "replacement": "hound", "field": "Back"},
        )
    )
    assert replaced == {"changed": 3}
    backs = alice.ok(alice.get("/api/browse/rows?search=back:*hound*&columns=answer"))
    assert backs["total"] == 3
    dupes = alice.ok(alice.get("/api/notes/duplicates", query_string={"field": "Front"}))
    assert [d["text"] for d in dupes["duplicates"]] == ["dog"]
    assert len(dupes["duplicates"][0]["note_ids"]) == 2
    bad = {"search": "(", "replacement": "", "regex": True}
    assert_error(alice.post("/api/notes/find-replace", bad), 400)


def _tagged_note(alice: ApiUser, deck_id: int, tags: list[str]) -> int:
    types = alice.ok(alice.get("/api/notetypes"))["notetypes"]
    basic = next(nt["id"] for nt in types if nt["name"] == "Basic")
    body = {"notetype_id": basic, "deck_id": deck_id, "fields": ["q", "a"], "tags": tags}
    note_id: int = alice.ok(alice.post("/api/notes", body), 201)["note_id"]
    return note_id


def test_find_replace_in_tags_is_undoable(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Words")
    first = _tagged_note(alice, deck_id, ["verb", "Chapter1"])
    # stored as Chapter1::extra: a new tag under a known parent takes its spelling
    second = _tagged_note(alice, deck_id, ["chapter1::extra"])
    untouched = _tagged_note(alice, deck_id, ["chapter1"])
    body = {
        "note_ids": [first, second],
        "search": r"^chapter(\d)",
        "replacement": "Unit::$1",
        "regex": True,
        "target": "tags",
    }
    assert alice.ok(alice.post("/api/notes/find-replace", body)) == {"changed": 2}
    tags = {n: alice.ok(alice.get(f"/api/notes/{n}"))["tags"] for n in (first, second, untouched)}
    assert tags == {
        first: ["Unit::1", "verb"],
        second: ["Unit::1::extra"],
        untouched: ["Chapter1"],
    }
    assert "Unit::1" in alice.ok(alice.get("/api/tags"))["tags"]
    assert alice.ok(alice.get("/api/undo"))["next"]["label"] == "Update Tag"
    alice.ok(alice.post("/api/undo"))
    assert alice.ok(alice.get(f"/api/notes/{first}"))["tags"] == ["Chapter1", "verb"]
    assert alice.ok(alice.get("/api/tags"))["tags"] == ["Chapter1", "Chapter1::extra", "verb"]


def test_find_replace_in_tags_refuses_bad_input_with_400(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Words")
    note = _tagged_note(alice, deck_id, ["verb"])
    for body, status in (
        ({"search": "(", "regex": True, "target": "tags"}, 400),
        ({"search": "verb", "replacement": "two words", "target": "tags"}, 400),
        ({"search": "verb", "target": "labels"}, 422),
    ):
        assert_error(alice.post("/api/notes/find-replace", body), status)
    assert alice.ok(alice.get(f"/api/notes/{note}"))["tags"] == ["verb"]


def test_reposition_dialog_defaults_follow_the_last_reposition(alice: ApiUser) -> None:
    _, card_ids = _cards(alice, 3)
    first = alice.ok(alice.get("/api/browse/reposition-defaults"))
    assert first == {"queue_top": 1, "queue_bottom": 3, "randomize": False, "shift": False}
    body = {"card_ids": card_ids[2:], "start": 10, "randomize": True, "shift": True}
    alice.ok(alice.post("/api/cards/reposition", body))
    after = alice.ok(alice.get("/api/browse/reposition-defaults"))
    assert after == {"queue_top": 1, "queue_bottom": 10, "randomize": True, "shift": True}
