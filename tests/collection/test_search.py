"""Search: the same query must find the same cards and notes here as in real Anki.

One collection is built with the ``anki`` package (decks, tags, every stock note type, answered,
suspended, buried and flagged cards); every query is run through Anki there and through our
``find_cards``/``find_notes`` on the schema-11 file it leaves, and the id sets must be equal.
"""

from __future__ import annotations

import sqlite3
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, NotFoundError
from javumbo.collection.search import (
    SearchError,
    compile_search,
    find_cards,
    find_notes,
    search_cards_page,
)

ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

NOTES: list[tuple[str, dict[str, str], str, list[str]]] = [
    # (note type, fields, deck, tags)
    (
        "Basic",
        {"Front": "Dog house", "Back": "casa del perro"},
        "Lang::Spanish",
        ["lang", "animals"],
    ),
    ("Basic", {"Front": "<b>cat</b>", "Back": "gato"}, "Lang::Spanish", ["lang", "Animals::pets"]),
    ("Basic", {"Front": "dog_food", "Back": "comida"}, "Lang::Spanish", []),
    ("Basic", {"Front": "100% sure", "Back": "seguro"}, "Lang::French", ["lang"]),
    ("Basic", {"Front": "a*b star", "Back": "étoile"}, "Lang::French", ["lang", "symbols"]),
    ("Basic", {"Front": "Éclair", "Back": "pastry"}, "Lang::French", ["food", "Ünïcode"]),
    ("Basic", {"Front": "straße", "Back": "street"}, "Lang", ["lang::de"]),
    (
        "Basic (and reversed card)",
        {"Front": "Paris", "Back": "France"},
        "Geo::Europe",
        ["geo::capitals", "europe"],
    ),
    (
        "Basic (and reversed card)",
        {"Front": "Berlin", "Back": "Germany"},
        "Geo::Europe",
        ["geo::capitals", "europe"],
    ),
    (
        "Basic (and reversed card)",
        {"Front": "Tokyo", "Back": "Japan"},
        "Geo::Asia",
        ["geo::capitals"],
    ),
    (
        "Basic (and reversed card)",
        {"Front": "Danube", "Back": "river"},
        "Geo::Europe",
        ["geo::rivers", "europe"],
    ),
    (
        "Basic (optional reversed card)",
        {"Front": "Mekong", "Back": "Asia river", "Add Reverse": "y"},
        "Geo::Asia",
        ["geo::rivers"],
    ),
    (
        "Basic (optional reversed card)",
        {"Front": "Nile", "Back": "Africa river", "Add Reverse": ""},
        "Geo",
        ["geography"],
    ),
    (
        "Cloze",
        {"Text": "{{c1::Canberra}} is the capital of {{c2::Australia}}", "Back Extra": "dog"},
        "Geo",
        ["geo::capitals", "cloze"],
    ),
    ("Cloze", {"Text": "{{c1::H2O}} is water", "Back Extra": ""}, "Misc Stuff", ["cloze"]),
    ("Cloze", {"Text": "The {{c3::third}} one", "Back Extra": "x"}, "Misc Stuff", []),
    ("Basic", {"Front": "Default deck note", "Back": "plain"}, "Default", []),
]

QUERIES = [
    "",
    "dog",
    "DOG",
    "house dog",
    '"dog house"',
    '"house dog"',
    "d_g",
    "dog*",
    "*",
    "cat",
    "<b>",
    "100%",
    "100",
    r"a\*b",
    "a*b",
    r"dog\_food",
    "éclair",
    "straße",
    "-dog",
    "dog or cat",
    "dog OR cat",
    "dog and cat",
    "(dog or cat) lang",
    "dog or cat lang",
    "-(dog or cat)",
    "front:dog*",
    "front:dog",
    "front:*house",
    "front:Paris",
    "back:France",
    "text:*canberra*",
    "FRONT:paris",
    "f*:paris",
    "nosuchfield:x",
    "front:",
    "back:",
    "deck:Geo",
    "deck:geo",
    "deck:Geo::Europe",
    'deck:"Geo::Europe"',
    '"deck:Misc Stuff"',
    'deck:"Misc Stuff"',
    "deck:Misc*",
    "deck:G*",
    "deck:*",
    "deck:Lang -deck:Lang::Spanish",
    "deck:Default",
    "deck:nosuch",
    "deck:filtered",
    "tag:geo",
    "tag:geo::capitals",
    "tag:GEO::Capitals",
    "tag:geo::*",
    "tag:geo*",
    "tag:europe",
    "tag:euro",
    "tag:none",
    "-tag:none",
    "tag:*",
    "tag:animals",
    "tag:pets",
    "tag:ünïcode",
    "tag:ÜNÏCODE",
    "tag:lang",
    "tag:l_ng",
    "tag:animals::pets",
    "is:new",
    "is:learn",
    "is:review",
    "is:due",
    "is:suspended",
    "is:buried",
    "is:buried-manually",
    "is:buried-sibling",
    "-is:new",
    "is:review -is:suspended",
    "note:Basic",
    "note:basic",
    "note:Cloze",
    "note:Basic*",
    'note:"Basic (and reversed card)"',
    "note:nosuch",
    "card:1",
    "card:2",
    "card:3",
    "card:0",
    "card:Card*",
    "card:card 2",
    '"card:card 2"',
    "card:Cloze",
    "card:2 note:Cloze",
    "rated:1",
    "rated:1:3",
    "rated:1:1",
    "rated:7",
    "rated:1:4",
    "-rated:1",
    "prop:ivl>5",
    "prop:ivl>=10",
    "prop:ivl=0",
    "prop:ivl!=0",
    "prop:ivl<3",
    "prop:reps>0",
    "prop:reps=1",
    "prop:lapses>=1",
    "prop:ease>2.4",
    "prop:ease=2.5",
    "prop:ease<2.5",
    "prop:ease!=2.5",
    "prop:due>0",
    "prop:due=0",
    "prop:due<=5",
    "prop:due>-1",
    "prop:pos<=3",
    "prop:rated=0",
    "prop:rated>-2",
    "flag:0",
    "flag:1",
    "flag:3",
    "-flag:0",
    "added:1",
    "added:30",
    "edited:1",
    "is:new (deck:Geo or tag:lang) -note:Cloze",
    "((deck:Geo))",
    "-deck:Geo -deck:Lang",
    "dog or (deck:Geo and is:review)",
    "dog -house",
    "-dog -cat -deck:Geo",
    "Default deck",
    '"default deck"',
    "capital -tag:none",
    "river or capital or water",
    "and_or",
    "-",
    # many wildcards (matched in linear time, with Anki's meaning)
    "deck:G*o::*e",
    "deck:l_ng*",
    "deck:*a*a*",
    "tag:g*::c*s",
    "tag:*e*",
    "note:*as*c*",
    "card:*2",
    "f*n*:*a*",
    "*a*a*a*a*",
]

BAD_QUERIES = [
    "(",
    ")",
    "dog )",
    "(dog",
    "()",
    "dog or",
    "or dog",
    "and",
    "dog and or cat",
    '""',
    '"dog',
    "is:foo",
    "flag:9",
    "flag:x",
    "prop:ivl>x",
    "prop:foo>1",
    "prop:ivl",
    "prop:ease>abc",
    "rated:x",
    "rated:1:5",
    "added:x",
    "nid:1,a",
    "cid:",
    r"dog\q",
    "dog\\",
    ":dog",
    "prop:rated>1",
]


def _build(anki: Any) -> None:
    decks = {name: anki.decks.id(name) for name in {n[2] for n in NOTES}}
    cids: list[list[int]] = []
    for notetype, fields, deck, tags in NOTES:
        note = anki.new_note(anki.models.by_name(notetype))
        for name, value in fields.items():
            note[name] = value
        note.tags = tags
        anki.add_note(note, decks[deck])
        cids.append([c.id for c in note.cards()])
    sched = anki.sched
    for i in (0, 1, 2, 7):
        for cid in cids[i][:1]:
            card = anki.get_card(cid)
            card.start_timer()
            sched.answerCard(card, 3 if i != 2 else 1)
    # review cards with known intervals, some then answered again (pass and lapse)
    sched.set_due_date(cids[8], "0!")
    sched.set_due_date(cids[9], "5-8!")
    sched.set_due_date(cids[10][:1], "0")
    sched.set_due_date(cids[11][:1], "12")
    for cid, ease in ((cids[8][0], 3), (cids[8][1], 1), (cids[11][0], 4)):
        card = anki.get_card(cid)
        card.start_timer()
        sched.answerCard(card, ease)
    sched.suspend_cards([cids[3][0], cids[9][1]])
    sched.bury_cards([cids[4][0]], manual=True)
    sched.bury_cards([cids[5][0]], manual=False)
    anki.set_user_flag_for_cards(1, [cids[0][0], cids[7][1]])
    anki.set_user_flag_for_cards(3, [cids[13][1]])


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The Anki-made file and what Anki answers for each query (ids, or the error text)."""
    from anki.collection import Collection as AnkiCol
    from anki.errors import SearchError as AnkiSearchError

    path = tmp_path_factory.mktemp("search") / "anki.anki2"
    anki = AnkiCol(str(path))
    answers: dict[str, Any] = {}
    try:
        _build(anki)
        for query in QUERIES + BAD_QUERIES:
            try:
                answers[query] = (
                    sorted(anki.find_cards(query)),
                    sorted(anki.find_notes(query)),
                )
            except AnkiSearchError as exc:
                answers[query] = str(exc)
    finally:
        anki.close(downgrade=True)
    return path, answers


@pytest.fixture(scope="module")
def ours(reference: tuple[Path, dict[str, Any]]) -> Iterator[Collection]:
    col = Collection.open(reference[0])
    yield col
    col.close()


@pytest.mark.parametrize("query", QUERIES)
def test_finds_what_anki_finds(
    query: str, reference: tuple[Path, dict[str, Any]], ours: Collection
) -> None:
    expected = reference[1][query]
    assert not isinstance(expected, str), f"Anki rejected a query we expect to work: {expected}"
    cards, notes = expected
    assert sorted(find_cards(ours, query)) == cards
    assert sorted(find_notes(ours, query)) == notes


def test_the_reference_collection_exercises_every_state(
    reference: tuple[Path, dict[str, Any]],
) -> None:
    """Guards the comparison above against vacuous agreement on empty results."""
    answers = reference[1]
    for query in (
        "is:new",
        "is:learn",
        "is:review",
        "is:due",
        "is:suspended",
        "rated:1",
        "is:buried-manually",
        "is:buried-sibling",
        "flag:1",
        "prop:lapses>=1",
        "prop:ivl>5",
        "tag:geo",
        "front:dog*",
        "card:2 note:Cloze",
    ):
        assert answers[query][0], f"{query} finds nothing in the reference collection"
    assert answers["dog"][0] != answers[""][0]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_malformed_queries_raise_search_error(
    query: str, reference: tuple[Path, dict[str, Any]], ours: Collection
) -> None:
    assert isinstance(reference[1][query], str), "Anki accepts this query"
    with pytest.raises(SearchError):
        find_cards(ours, query)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("re:do.", "not supported"),
        ("front:re:do.", "not supported"),
        ("tag:re:geo", "not supported"),
        ("deck:current", "not supported"),
        ("prop:s>1", "not supported"),
        ("is:whatever", "unknown state"),
        ("(dog", "never closed"),
    ],
)
def test_errors_say_what_is_wrong(query: str, message: str, ours: Collection) -> None:
    with pytest.raises(SearchError, match=message):
        compile_search(ours, query)


@pytest.mark.parametrize(
    "query",
    [
        "dog " * 999,
        "-(" * 100 + "dog" + ")" * 100,
        "(" * 600 + "dog" + ")" * 600,
        " or ".join(["tag:lang"] * 600),
    ],
)
def test_queries_too_big_for_sqlite_are_search_errors(query: str, ours: Collection) -> None:
    """A few hundred terms, or groups nested dozens deep, would exceed Python's recursion limit
    or SQLite's expression depth (1000); they are refused while parsing, in plain words."""
    with pytest.raises(SearchError, match=r"too many search terms|nested too deeply"):
        find_cards(ours, query)
    with pytest.raises(SearchError):
        search_cards_page(ours, query)


def test_nesting_too_deep_for_sqlites_parser_is_a_search_error(ours: Collection) -> None:
    """Within the group limit, alternating and/or groups can still exceed SQLite's parser
    stack: a SearchError (an answer 400), never an sqlite error (a 500)."""
    alternating = "".join("(dog or " for _ in range(50)) + "cat" + ")" * 50
    with pytest.raises(SearchError, match="too big to run"):
        find_cards(ours, alternating)
    with pytest.raises(SearchError, match="too big to run"):
        search_cards_page(ours, alternating)
    negations = "-(" * 50 + "dog" + ")" * 50
    assert find_cards(ours, negations) == find_cards(ours, "dog")  # an even number of them


def test_long_but_reasonable_queries_still_work(ours: Collection) -> None:
    assert find_cards(ours, "dog " * 100) == find_cards(ours, "dog")
    nested = "(" * 20 + "dog" + ")" * 20
    assert find_cards(ours, nested) == find_cards(ours, "dog")


def test_values_travel_as_parameters_never_as_sql(ours: Collection) -> None:
    hostile = "x'); drop table notes; --"
    sql, params = compile_search(ours, f'"{hostile}" "front:{hostile}" tag:{hostile[4:8]}')
    assert "drop" not in sql
    assert any("drop table" in str(p) for p in params)
    assert find_cards(ours, f'"{hostile}"') == []
    assert ours.db.execute("select count() from notes").fetchone()[0] == len(NOTES)


def test_deck_id_restricts_to_the_deck_and_its_children(ours: Collection) -> None:
    geo = next(int(d["id"]) for d in ours.decks.values() if d["name"] == "Geo")
    in_geo = find_cards(ours, "", deck_id=geo)
    assert sorted(in_geo) == sorted(find_cards(ours, "deck:Geo"))
    assert sorted(find_cards(ours, "is:new", deck_id=geo)) == sorted(
        find_cards(ours, "is:new deck:Geo")
    )
    with pytest.raises(NotFoundError):
        find_cards(ours, "", deck_id=424242)


def test_orders(ours: Collection) -> None:
    rows = ours.db.execute(
        "select c.id, c.type, c.due, n.id, c.ord, n.sfld from cards c join notes n on c.nid = n.id"
    ).fetchall()
    by_due = [r[0] for r in sorted(rows, key=lambda r: (r[1], r[2], r[0]))]
    by_added = [r[0] for r in sorted(rows, key=lambda r: (r[3], r[4]))]
    sort_key = {r[0]: (str(r[5]).translate(ASCII_LOWER), r[4]) for r in rows}
    assert find_cards(ours, "") == by_due
    assert find_cards(ours, "", order="added") == by_added
    by_sort = [sort_key[cid] for cid in find_cards(ours, "", order="sort field")]
    assert by_sort == sorted(sort_key.values())
    with pytest.raises(SearchError, match="unknown order"):
        find_cards(ours, "", order="random")


def test_search_cards_page(ours: Collection) -> None:
    total = len(find_cards(ours, "deck:Geo"))
    first = search_cards_page(ours, "deck:Geo", page=1, page_size=4)
    second = search_cards_page(ours, "deck:Geo", page=2, page_size=4)
    assert first["total"] == second["total"] == total > 4
    assert len(first["rows"]) == 4
    ids = [r["card_id"] for r in first["rows"] + second["rows"]]
    assert ids == find_cards(ours, "deck:Geo")[:8]
    paris = search_cards_page(ours, "front:Paris card:2")["rows"]
    assert len(paris) == 1
    row = paris[0]
    assert row["deck_name"] == "Geo::Europe"
    assert row["notetype"] == "Basic (and reversed card)"
    assert row["sort_field"] == "Paris"
    assert row["ord"] == 1
    assert set(row["tags"]) == {"geo::capitals", "europe"}
    assert {"due", "ivl", "queue", "type", "note_id", "flags"} <= row.keys()
    assert search_cards_page(ours, "deck:Geo", page=99)["rows"] == []
    with pytest.raises(SearchError):
        search_cards_page(ours, "", page=0)
    with pytest.raises(SearchError):
        search_cards_page(ours, "", page_size=0)


def test_search_never_surfaces_sqlite_errors(ours: Collection) -> None:
    for query in [
        "'",
        "\x00",
        "deck:'",
        'tag:"a b"',
        "prop:ivl>99999999999999999999999",
        "card:99999999999999999999",
        "nid:99999999999999999999999",
        "prop:ease>1e99",
        "prop:ease>inf",
        "added:4294967295",
        "rated:4294967295:1",
        "prop:due>-2147483648",
    ]:
        try:
            find_cards(ours, query)
        except SearchError:
            pass
        except sqlite3.Error as exc:  # pragma: no cover - the failure being guarded against
            pytest.fail(f"{query!r} raised a sqlite error: {exc}")


def test_search_on_an_empty_collection(col: Collection) -> None:
    assert find_cards(col, "") == []
    assert find_notes(col, "deck:Default is:new") == []
    assert search_cards_page(col, "")["total"] == 0
