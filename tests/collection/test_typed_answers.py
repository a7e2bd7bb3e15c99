"""Typing the answer (``{{type:Field}}``, ``{{type:cloze:Field}}``, ``{{type:nc:Field}}``):
the question never shows the answer, and what the learner is marked against is what Anki's
desktop marks them against (the real ``anki`` package is the referee)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection
from javumbo.collection.cards import get_card
from javumbo.collection.notes import add_note
from javumbo.collection.notetypes import notetype_by_name
from javumbo.collection.templates import cloze_typing_text, render, render_card
from javumbo.collection.typed_answers import (
    TYPE_ANSWER_MARKER,
    TypedAnswer,
    expected_text,
    keep_last_marker,
)

ANKI_TYPE_PATTERN = re.compile(r"\[\[type:(.+?)\]\]")
ANKI_COMPARISON = re.compile(r"<code id=typeans>(.*)</code>", re.DOTALL)

# name -> (fields, qfmt, afmt, notes (fields, tags)); None keeps the stock note type's templates.
NOTE_TYPES: dict[str, tuple[list[str], str, str, list[tuple[list[str], list[str]]]]] = {
    "Basic (type in the answer)": (
        [],
        "",
        "",
        [
            (["<b>Capital</b> of France?", "<i>Paris</i>&nbsp;city<br>x [sound:a.mp3]"], []),
            (["Nothing to type", ""], []),
            (["Only a line break", "<br>"], []),
        ],
    ),
    "Front side and two boxes": (
        ["Front", "Back"],
        "{{Front}} {{type:Back}} {{type:Front}}",
        "{{FrontSide}}<hr id=answer>{{type:Back}}",
        [(["f", "b &amp; <u>c</u>"], [])],
    ),
    "Answer only": (
        ["Front", "Back"],
        "{{Front}}",
        "{{Front}}<hr id=answer>{{type:Back}}",
        [(["q", "a"], [])],
    ),
    "Type the tags": (
        ["Front"],
        "{{Front}}{{type:Tags}}",
        "{{FrontSide}}<hr id=answer>{{type:Tags}}",
        [(["q"], ["tag1"])],
    ),
    "Ignore accents": (
        ["Front", "Back"],
        "{{Front}}{{type:nc:Back}}",
        "{{Front}}<hr id=answer>{{type:nc:Back}}",
        [(["coffee", "café"], [])],
    ),
    "Conditional box": (
        ["Front", "Back", "Hint"],
        "{{Front}}{{#Hint}}{{type:Hint}}{{/Hint}}{{type:Back}}",
        "{{FrontSide}}<hr id=answer>{{type:Back}}",
        [(["q", "b", ""], []), (["q", "b", "h"], [])],
    ),
}
CLOZE_TYPE = (
    "{{cloze:Text}}<br>{{type:cloze:Text}}",
    "{{cloze:Text}}<br>{{type:cloze:Text}}",
    [
        "{{c1::Paris::city}} and {{c2::Rome}} and {{c1::<b>Lyon</b>}} {{c1::a{{c2::b}}c}}",
        "{{c1::same}} and {{c1::same}}",
        "{{c1::<div>two</div><div>lines</div>}}",
    ],
)


def build_typing_cards(anki_col: Any) -> None:
    """Note types with type filters, made and rendered by real Anki; ``seen`` keeps Anki's
    question and answer per card and what its reviewer would ask the learner to type."""
    mm = anki_col.models
    for name, (field_names, qfmt, afmt, notes) in NOTE_TYPES.items():
        notetype = mm.by_name(name)
        if notetype is None:
            notetype = mm.new(name)
            for field_name in field_names:
                mm.add_field(notetype, mm.new_field(field_name))
            template = mm.new_template("Card 1")
            template["qfmt"], template["afmt"] = qfmt, afmt
            mm.add_template(notetype, template)
            mm.add(notetype)
        for fields, tags in notes:
            note = anki_col.new_note(mm.by_name(name))
            note.fields[:] = fields
            note.tags = tags
            anki_col.add_note(note, 1)
    cloze = mm.copy(mm.by_name("Cloze"), add=False)
    cloze["name"] = "Cloze to type"
    cloze["tmpls"][0]["qfmt"], cloze["tmpls"][0]["afmt"] = CLOZE_TYPE[0], CLOZE_TYPE[1]
    mm.add(cloze)
    for text in CLOZE_TYPE[2]:
        note = anki_col.new_note(mm.by_name("Cloze to type"))
        note["Text"] = text
        anki_col.add_note(note, 1)
    seen.clear()
    for cid in anki_col.find_cards(""):
        card = anki_col.get_card(cid)
        question = card.question()
        seen[cid] = (question, card.answer(), anki_reviewer_asks(anki_col, card, question))


seen: dict[int, tuple[str, str, tuple[str, ...]]] = {}


def anki_reviewer_asks(anki_col: Any, card: Any, question: str) -> tuple[str, ...]:
    """Anki's ``typeAnsQuestionFilter`` decision: ("none",), ("warn", text), ("empty",) or
    ("ask", field, expected, combining)."""
    match = ANKI_TYPE_PATTERN.search(question)
    if match is None:
        return ("none",)
    spec = match.group(1)
    cloze = spec.startswith("cloze:")
    name = spec.split(":")[1] if cloze else spec
    combining = not name.startswith("nc:")
    name = name if combining else name.split(":")[1]
    note = card.note()
    if name not in [f["name"] for f in note.note_type()["flds"]]:
        return ("warn", f"Type answer: unknown field {name}")
    value = note[name]
    if cloze:
        value = anki_col.extract_cloze_for_typing(value, card.ord + 1)
        if not value:
            return ("warn", "Please run Tools>Empty Cards")
    if not value:
        return ("empty",)
    comparison = ANKI_COMPARISON.fullmatch(anki_col.compare_answer(value, "", combining))
    assert comparison is not None
    return ("ask", name, html.unescape(comparison.group(1)), "combining" if combining else "nc")


def as_we_show_it(anki_html: str, asks: tuple[str, ...], question: bool) -> str:
    """Anki's rendering with its ``[[type:…]]`` patterns as we render them: one marker (the
    first box; the last comparison), a warning in Anki's words, or nothing."""
    patterns = ANKI_TYPE_PATTERN.findall(anki_html)
    if not patterns:
        return anki_html
    if question:
        first = {
            "ask": TYPE_ANSWER_MARKER,
            "warn": f'<span class="template-error">{html.escape(asks[-1], quote=False)}</span>',
        }.get(asks[0], "")
        return ANKI_TYPE_PATTERN.sub("", ANKI_TYPE_PATTERN.sub(first, anki_html, count=1))
    last = TYPE_ANSWER_MARKER if asks[0] == "ask" else ""
    for _ in patterns[1:]:
        anki_html = ANKI_TYPE_PATTERN.sub("", anki_html, count=1)
    return ANKI_TYPE_PATTERN.sub(last, anki_html)


def normalise(html_text: str) -> str:
    html_text = re.sub(r"^<style>.*?</style>", "", html_text, flags=re.DOTALL)
    return re.sub(r"\s+", " ", html_text).strip()


def test_typing_cards_match_what_ankis_reviewer_shows(anki_made_collection: Any) -> None:
    path: Path = anki_made_collection(build_typing_cards)
    assert len(seen) == 3 + 1 + 1 + 1 + 1 + 2 + (2 + 1 + 1)
    col = Collection.open(path)
    try:
        for cid, (question, answer, asks) in seen.items():
            ours = render_card(col, get_card(col, cid))
            assert normalise(ours.question) == normalise(as_we_show_it(question, asks, True)), cid
            assert normalise(ours.answer) == normalise(as_we_show_it(answer, asks, False)), cid
            if asks[0] == "ask":
                combining = asks[3] == "combining"
                assert ours.typed_answer == TypedAnswer(asks[1], asks[2], combining), cid
            else:
                assert ours.typed_answer is None, cid
        asked = sorted(
            (a.field, a.expected)
            for a in (render_card(col, get_card(col, cid)).typed_answer for cid in seen)
            if a is not None
        )
    finally:
        col.close()
    # The referee's verdicts, spelled out, so a change on either side shows here.
    assert asked == sorted(
        [
            ("Back", "Paris city x"),
            ("Back", "b & c"),
            ("Back", "b"),
            ("Back", "café"),
            ("Back", ""),
            ("Hint", "h"),
            ("Text", "Paris, Lyon, abc"),
            ("Text", "Rome, b"),
            ("Text", "same"),
            ("Text", "two lines"),
        ]
    )


def first_card_of(col: Collection, nid: int) -> int:
    row = col.db.execute("select id from cards where nid = ? order by ord", (nid,)).fetchone()
    return int(row[0])


def test_the_stock_type_in_note_never_shows_the_answer_on_the_question(col: Collection) -> None:
    notetype = notetype_by_name(col, "Basic (type in the answer)")
    assert notetype is not None
    note = add_note(col, int(notetype["id"]), ["Capital of France?", "<b>Paris</b>"], 1)
    rendered = render_card(col, get_card(col, first_card_of(col, note.id)))
    assert "Paris" not in rendered.question
    assert rendered.question.count(TYPE_ANSWER_MARKER) == 1
    assert "Capital of France?" in rendered.question
    assert "Paris" not in rendered.answer  # the web app shows it, in the comparison
    assert rendered.answer.count(TYPE_ANSWER_MARKER) == 1
    assert rendered.typed_answer == TypedAnswer("Back", "Paris")


def test_a_card_without_a_type_filter_asks_nothing(col: Collection) -> None:
    notetype = notetype_by_name(col, "Basic")
    assert notetype is not None
    note = add_note(col, int(notetype["id"]), ["hola", "hello"], 1)
    rendered = render_card(col, get_card(col, first_card_of(col, note.id)))
    assert rendered.typed_answer is None
    assert TYPE_ANSWER_MARKER not in rendered.question + rendered.answer
    assert "hello" in rendered.answer


def test_type_filter_edge_cases() -> None:
    fields = {"Front": "f", "Back": "b", "Text": "{{c2::x}}"}
    missing = render("{{type:Nope}}", fields, card_ord=0, cloze=False)
    assert "Found '{{type:Nope}}', but there is no field called 'Nope'" in missing
    assert "template-error" in missing
    assert "Found '{{text:Nope}}'" in render("{{text:Nope}}", fields, card_ord=0, cloze=False)
    no_cloze = render("{{type:cloze:Text}}", fields, card_ord=0, cloze=True)
    assert "Please run Tools&gt;Empty Cards" in no_cloze
    # Only the first box counts, on either side; other filters beside "type" change nothing.
    twice = render("{{type:Back}}|{{type:text:Front}}", fields, card_ord=0, cloze=False)
    assert twice == TYPE_ANSWER_MARKER + "|"
    answer = render("{{type:Back}}{{type:Back}}", fields, card_ord=0, cloze=False, front_side="")
    assert answer == TYPE_ANSWER_MARKER
    assert render("{{type:Back}}", {"Back": ""}, card_ord=0, cloze=False) == ""


@pytest.mark.parametrize(
    "field_html",
    [
        "[sound:foo.mp3]<b>1</b> &nbsp;2",
        "a<br>b<div>c</div>\nd",
        "<BR/>x<Div>",
        "  spaced  ",
        "[anki:tts lang=en_US]hi[/anki:tts]after",
        "a\u00a0b",
        "&lt;dir&gt;/bin",
        "<img src='a.png'>pic",
        "x[sound:a.mp3]y",
        "<!-- note -->ca<style>p{}</style>fé",
        "Ünïcödé <span style='color:red'>ok</span>",
    ],
)
def test_expected_text_is_what_anki_compares_with(field_html: str, tmp_path: Path) -> None:
    from anki.collection import Collection as AnkiCollection

    anki_col = AnkiCollection(str(tmp_path / "referee.anki2"))
    try:
        comparison = ANKI_COMPARISON.fullmatch(anki_col.compare_answer(field_html, ""))
    finally:
        anki_col.close()
    assert comparison is not None
    assert expected_text(field_html) == html.unescape(comparison.group(1))


@pytest.mark.parametrize(
    ("text", "ordinal", "expected"),
    [
        ("{{c1::a{{c1::b}}c}}", 1, "abc, b"),
        ("{{c1::x}} {{c1::x}}", 1, "x"),
        ("{{c1::x}} {{c1::y}} {{c1::x}}", 1, "x, y, x"),
        ("{{c2::x}}", 1, ""),
        ("{{c1::a::hint}} {{c2::b}}", 1, "a"),
        ("{{c1::<b>bold</b>}}", 1, "<b>bold</b>"),
    ],
)
def test_cloze_typing_text_as_anki_extracts_it(
    text: str, ordinal: int, expected: str, tmp_path: Path
) -> None:
    from anki.collection import Collection as AnkiCollection

    anki_col = AnkiCollection(str(tmp_path / "referee.anki2"))
    try:
        assert anki_col.extract_cloze_for_typing(text, ordinal) == expected
    finally:
        anki_col.close()
    assert cloze_typing_text(text, ordinal) == expected


def test_only_the_last_marker_of_an_answer_stays() -> None:
    assert keep_last_marker(f"a{TYPE_ANSWER_MARKER}b{TYPE_ANSWER_MARKER}c") == (
        f"ab{TYPE_ANSWER_MARKER}c"
    )
    assert keep_last_marker("plain") == "plain"
