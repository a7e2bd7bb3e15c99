"""The search parser on its own: text to nodes, no collection involved."""

from __future__ import annotations

import pytest

from javumbo.collection.search import SearchError, parse
from javumbo.collection.search.nodes import (
    AddedSearch,
    And,
    DeckSearch,
    EaseSearch,
    EditedSearch,
    FieldSearch,
    FlagSearch,
    IdSearch,
    MatchAll,
    Node,
    Not,
    NotetypeIdSearch,
    NotetypeSearch,
    Or,
    PropSearch,
    RatedSearch,
    StateSearch,
    TagSearch,
    TemplateSearch,
    TextSearch,
)


@pytest.mark.parametrize(
    ("query", "node"),
    [
        ("", MatchAll()),
        ("   ", MatchAll()),
        ("dog", TextSearch("dog")),
        ('"dog house"', TextSearch("dog house")),
        (r"a\*b", TextSearch(r"a\*b")),
        (r"dog\_food", TextSearch(r"dog\_food")),
        (r"\(x\)", TextSearch("(x)")),
        (r"\"q\"", TextSearch('"q"')),
        ("d_g*", TextSearch("d_g*")),
        ("front:dog*", FieldSearch("front", "dog*")),
        (r"fr\:ont:x", FieldSearch("fr:ont", "x")),
        ("front:", FieldSearch("front", "")),
        ("deck:Geo::Europe", DeckSearch("Geo::Europe")),
        ('deck:"Misc Stuff"', DeckSearch("Misc Stuff")),
        ('"deck:Misc Stuff"', DeckSearch("Misc Stuff")),
        ("DECK:*", DeckSearch("*")),
        ("deck:filtered", DeckSearch("filtered")),
        ("note:Basic*", NotetypeSearch("Basic*")),
        ("card:2", TemplateSearch(number=2)),
        ("card:Card*", TemplateSearch(name="Card*")),
        ("tag:geo::*", TagSearch("geo::*")),
        ("tag:none", TagSearch("none")),
        ("flag:3", FlagSearch(3)),
        ("is:due", StateSearch("due")),
        ("is:buried-sibling", StateSearch("buried-sibling")),
        ("prop:ivl>=10", PropSearch("ivl", ">=", 10)),
        ("prop:due>-1", PropSearch("due", ">", -1)),
        ("prop:pos<=3", PropSearch("pos", "<=", 3)),
        ("prop:ease!=2.5", EaseSearch("!=", 2.5)),
        ("prop:rated=0", RatedSearch("=", 0, None)),
        ("prop:rated>-2:3", RatedSearch(">", -2, 3)),
        ("rated:7", RatedSearch(">", -7, None)),
        ("rated:0:1", RatedSearch(">", -1, 1)),
        ("added:0", AddedSearch(1)),
        ("edited:30", EditedSearch(30)),
        ("nid:3,1,3", IdSearch("nid", (1, 3))),
        ("cid:5", IdSearch("cid", (5,))),
        ("did:1", IdSearch("did", (1,))),
        ("mid:-4", NotetypeIdSearch(-4)),
        ("-", TextSearch("-")),
        ("and_or", TextSearch("and_or")),
    ],
)
def test_single_terms(query: str, node: Node) -> None:
    assert parse(query) == node


def test_and_binds_tighter_than_or() -> None:
    assert parse("a b or c") == Or((And((TextSearch("a"), TextSearch("b"))), TextSearch("c")))
    assert parse("a and b OR c and d") == Or(
        (And((TextSearch("a"), TextSearch("b"))), And((TextSearch("c"), TextSearch("d"))))
    )


def test_groups_and_negation() -> None:
    assert parse("-(dog or cat) lang") == And(
        (Not(Or((TextSearch("dog"), TextSearch("cat")))), TextSearch("lang"))
    )
    assert parse("((deck:Geo))") == DeckSearch("Geo")
    assert parse("-tag:none -is:new") == And((Not(TagSearch("none")), Not(StateSearch("new"))))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("(", "never closed"),
        (")", "never opened"),
        ("()", "empty parentheses"),
        ("dog or", "between two search terms"),
        ("or dog", "between two search terms"),
        ('""', "empty quotes"),
        ('"dog', "never closed"),
        (r"dog\q", "unknown escape"),
        ("dog\\", "escapes nothing"),
        (":dog", "nothing before it"),
        ("is:foo", "unknown state"),
        ("flag:9", "0 to 7"),
        ("prop:ivl>x", "whole number"),
        ("prop:foo>1", "needs one of"),
        ("prop:s>1", "not supported"),
        ("prop:ease>abc", "like 2.5"),
        ("prop:rated>1", "0 or a negative"),
        ("rated:1:5", "1 to 4"),
        ("added:4294967296", "out of range"),
        ("nid:1,a", "digits and commas"),
        ("re:do.", "not supported"),
        ("front:re:do.", "not supported"),
        ("tag:re:geo", "not supported"),
        ("deck:current", "not supported"),
        ("dog " * 301, "too many search terms"),
        ("(" * 51 + "dog" + ")" * 51, "nested too deeply"),
    ],
)
def test_errors_are_raised_while_parsing(query: str, message: str) -> None:
    with pytest.raises(SearchError, match=message):
        parse(query)
