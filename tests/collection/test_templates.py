"""Template rendering, checked against the HTML Anki itself renders for the same cards."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection
from javumbo.collection.cards import get_card
from javumbo.collection.templates import (
    cloze_numbers,
    render,
    render_card,
    renders_nonempty,
    reveal_clozes,
)
from javumbo.collection.typed_answers import TYPE_ANSWER_MARKER

FANCY_QFMT = (
    "{{Front}}|{{text:Front}}|{{hint:Extra}}|{{type:Back}}|{{unknownfilter:Front}}"
    "|{{#Extra}}has extra: {{Extra}}{{/Extra}}{{^Extra}}no extra{{/Extra}}"
    "|{{#Back}}{{^Extra}}back but no extra{{/Extra}}{{/Back}}"
    "|{{Tags}}|{{Deck}}|{{Subdeck}}|{{Card}}|{{Type}}|{{CardFlag}}|{{ Front }}"
)
FANCY_AFMT = "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}} {{text:hint:Back}}"
CLOZE_TEXTS = [
    "{{c1::Paris::city}} is the capital of {{c2::France}}; {{c1::Lyon}} is not.",
    "<b>{{c1::<i>bold</i> & co}}</b> {{c2::outer {{c3::nested::n}} part}} &amp; more",
    'Accents {{c1::é ü ñ}} CJK {{c2::中文}} emoji {{c3::🙂::smile}} <img src="x.png">',
]


def normalise(html: str) -> str:
    """Allowed differences, nothing else: Anki prefixes ``<style>`` with the note type CSS (we
    return it separately); hint element ids are a hash (Anki uses Rust's SipHash, we SHA-1);
    runs of whitespace; and ``[[type:F]]`` markers, which Anki's desktop later replaces with an
    input box (nothing for an empty field) and we with the web app's marker (``type_values``)."""
    html = re.sub(r"^<style>.*?</style>", "", html, flags=re.DOTALL)
    html = re.sub(r"hint[0-9a-f]{16}", "hintID", html)
    return re.sub(r"\s+", " ", html).strip()


def build_anki_cards(anki_col: Any) -> None:
    mm = anki_col.models
    fancy = mm.new("Fancy")
    for name in ("Front", "Back", "Extra"):
        mm.add_field(fancy, mm.new_field(name))
    tmpl = mm.new_template("Forward")
    tmpl["qfmt"], tmpl["afmt"] = FANCY_QFMT, FANCY_AFMT
    mm.add_template(fancy, tmpl)
    fancy["css"] = ".card { color: red; }"
    mm.add(fancy)
    fancy = mm.by_name("Fancy")
    deck = anki_col.decks.id("Lang::Spanish")
    rows = [
        ("Fancy", ["<b>Hola</b> &amp; <i>adiós</i>", "hello", "a hint"], ["t1", "geo::x"]),
        ("Fancy", ["front only", "", ""], []),
        ("Fancy", ["f", "back here", ""], ["solo"]),
        ("Basic", ["¿Qué?", "What?"], []),
        ("Basic (and reversed card)", ["perro", "dog"], []),
        ("Basic (optional reversed card)", ["gato", "cat", "y"], []),
        ("Cloze", [CLOZE_TEXTS[0], "extra <u>info</u>"], []),
        ("Cloze", [CLOZE_TEXTS[1], ""], []),
        ("Cloze", [CLOZE_TEXTS[2], ""], []),
    ]
    for notetype, fields, tags in rows:
        note = anki_col.new_note(mm.by_name(notetype))
        for i, value in enumerate(fields):
            note.fields[i] = value
        note.tags = tags
        anki_col.add_note(note, deck)
    for cid in anki_col.find_cards(""):
        card = anki_col.get_card(cid)
        if card.note().note_type()["name"] == "Fancy" and "hello" in card.note().fields:
            anki_col.set_user_flag_for_cards(2, [cid])
    anki_renders.clear()
    for cid in anki_col.find_cards(""):
        card = anki_col.get_card(cid)
        note = card.note()
        names = [f["name"] for f in note.note_type()["flds"]]
        types = {f"[[type:{name}]]": TYPE_ANSWER_MARKER if note[name] else "" for name in names}
        anki_renders[cid] = (card.question(), card.answer(), types, note.note_type()["css"])


anki_renders: dict[int, tuple[str, str, dict[str, str], str]] = {}


def test_rendering_matches_anki(anki_made_collection: Any) -> None:
    path: Path = anki_made_collection(build_anki_cards)
    assert len(anki_renders) == 3 + 1 + 2 + 2 + (2 + 3 + 3)
    col = Collection.open(path)
    try:
        for cid, (question, answer, type_values, css) in anki_renders.items():
            for marker, value in type_values.items():
                question = question.replace(marker, value)
                answer = answer.replace(marker, value)
            ours = render_card(col, get_card(col, cid))
            assert normalise(ours.question) == normalise(question), cid
            assert normalise(ours.answer) == normalise(answer), cid
            assert ours.css == css
    finally:
        col.close()


def test_conditionals_and_special_cases() -> None:
    fields = {"A": "a", "Empty": "<br>", "B": "b"}
    assert render("{{#A}}[{{A}}]{{/A}}{{^Empty}}!{{/Empty}}", fields, card_ord=0, cloze=False) == (
        "[a]!"
    )
    assert render("{{#Empty}}x{{/Empty}}", fields, card_ord=0, cloze=False) == ""
    assert render("{{#A}}{{#B}}ab{{/B}}{{/A}}", fields, card_ord=0, cloze=False) == "ab"
    assert "no field called 'Nope'" in render("{{Nope}}", fields, card_ord=0, cloze=False)
    broken = render("{{#A}}unclosed", fields, card_ord=0, cloze=False)
    assert "template-error" in broken and "never closed" in broken
    assert "template-error" in render("{{/A}}", fields, card_ord=0, cloze=False)
    answer = render("{{FrontSide}}<hr id=answer>{{B}}", fields, card_ord=0, cloze=False,
                    front_side="Q")  # fmt: skip
    assert answer == "Q<hr id=answer>b"
    assert render("{{text:A}}", {"A": "<b>x</b>&lt;"}, card_ord=0, cloze=False) == "x<"
    assert render("{{type:A}}", fields, card_ord=0, cloze=False) == TYPE_ANSWER_MARKER
    assert render("{{hint:Empty}}", {"Empty": " "}, card_ord=0, cloze=False) == ""
    furigana = render("{{furigana:J}}|{{kana:J}}|{{kanji:J}}", {"J": "日本[にほん]"},
                      card_ord=0, cloze=False)  # fmt: skip
    assert furigana == "<ruby><rb>日本</rb><rt>にほん</rt></ruby>|にほん|日本"


def test_empty_card_detection() -> None:
    assert renders_nonempty("{{Front}}", {"Front"})
    assert not renders_nonempty("{{Front}}", set())
    assert not renders_nonempty("text {{Tags}} {{FrontSide}}", {"Back"})
    assert renders_nonempty("{{#Add Reverse}}{{Back}}{{/Add Reverse}}", {"Back", "Add Reverse"})
    assert not renders_nonempty("{{#Add Reverse}}{{Back}}{{/Add Reverse}}", {"Back"})
    assert renders_nonempty("{{^Hide}}{{Back}}{{/Hide}}", {"Back", "Hide"})
    assert not renders_nonempty("{{#A}}unclosed {{A}}", {"A"})


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("{{c1::a}} {{c2::b::h}} {{c1::c}}", {1, 2}),
        ("{{c10::x}}", {10}),
        ("{{c1::unclosed", set()),
        ("{{c2::a {{c7::b}} c}}", {2, 7}),
        ("no clozes }} here", set()),
    ],
)
def test_cloze_numbers(text: str, numbers: set[int]) -> None:
    assert cloze_numbers(text) == numbers


def test_cloze_missing_number_renders_empty() -> None:
    assert reveal_clozes("{{c1::a}}", 2, question=True) == ""
    assert reveal_clozes("x }} {{c1::a", 1, question=True) == ""
    assert reveal_clozes("{{c1::a}}", 1, question=True).endswith(">[...]</span>")
