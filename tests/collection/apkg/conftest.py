"""Fixtures for package tests: a media folder, snapshots to prove nothing changed, and packages
built by real Anki (the ``anki`` package) with every kind of content."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection
from tests.anki_repairs import repair_anki_last_review_times


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    return tmp_path / "collection.media"


def tree_digest(*roots: Path) -> dict[str, str]:
    """SHA-1 of every file under ``roots`` (a missing root counts as empty)."""
    out: dict[str, str] = {}
    for root in roots:
        if root.is_file():
            out[str(root)] = hashlib.sha1(root.read_bytes()).hexdigest()
        elif root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    out[str(path)] = hashlib.sha1(path.read_bytes()).hexdigest()
    return out


def counts(col: Collection) -> dict[str, int]:
    q = col.db.execute
    return {
        "notes": q("select count() from notes").fetchone()[0],
        "cards": q("select count() from cards").fetchone()[0],
        "revlog": q("select count() from revlog").fetchone()[0],
        "suspended": q("select count() from cards where queue = -1").fetchone()[0],
        "buried": q("select count() from cards where queue in (-2, -3)").fetchone()[0],
        "type_new": q("select count() from cards where type = 0").fetchone()[0],
        "type_learning": q("select count() from cards where type = 1").fetchone()[0],
        "type_review": q("select count() from cards where type = 2").fetchone()[0],
        "type_relearning": q("select count() from cards where type = 3").fetchone()[0],
        "flagged": q("select count() from cards where flags & 7 != 0").fetchone()[0],
    }


def expected_counts(expect_file: Path) -> dict[str, int]:
    expect: dict[str, Any] = json.loads(expect_file.read_text())
    return {k: v for k, v in expect.items() if isinstance(v, int) and k != "media_files"}


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)

AnkiPackageBuilder = Callable[..., Path]


@pytest.fixture
def anki_package(tmp_path: Path) -> AnkiPackageBuilder:
    """``build(legacy=True, scheduling=True, name=...) -> Path``: an .apkg exported by real Anki
    from a collection with Basic, reversed, Cloze and a custom note type, nested decks, tags,
    a suspended card, answered cards (review history), an image and a sound."""

    def build(*, legacy: bool = True, scheduling: bool = True, name: str = "anki.apkg") -> Path:
        from anki.collection import Collection as AnkiCollection
        from anki.collection import ExportAnkiPackageOptions
        from anki.decks import DeckId

        work = tmp_path / f"anki-{name}"
        work.mkdir()
        acol = AnkiCollection(str(work / "collection.anki2"))
        try:
            _fill_anki_collection(acol, work)
            out = tmp_path / name
            acol.export_anki_package(
                out_path=str(out),
                options=ExportAnkiPackageOptions(
                    with_scheduling=scheduling,
                    with_deck_configs=scheduling,
                    with_media=True,
                    legacy=legacy,
                ),
                limit=None,
            )
            del DeckId
        finally:
            acol.close()
        return out

    return build


def _fill_anki_collection(acol: Any, work: Path) -> None:
    media_src = work / "src"
    media_src.mkdir()
    (media_src / "pic one.png").write_bytes(PNG)
    (media_src / "hello.mp3").write_bytes(b"ID3 fake mp3 " * 20)
    pic = acol.media.add_file(str(media_src / "pic one.png"))
    snd = acol.media.add_file(str(media_src / "hello.mp3"))

    lang = acol.decks.id("Lang::Spanish::Verbs")
    geo = acol.decks.id("Geography")
    models = acol.models
    basic = models.by_name("Basic")
    reversed_ = models.by_name("Basic (and reversed card)")
    cloze = models.by_name("Cloze")
    custom = models.new("Vocab Custom")
    for fname in ("Word", "Meaning", "Example"):
        models.add_field(custom, models.new_field(fname))
    tmpl = models.new_template("Recognise")
    tmpl["qfmt"] = "{{Word}}"
    tmpl["afmt"] = "{{FrontSide}}<hr id=answer>{{Meaning}}<br>{{Example}}"
    models.add_template(custom, tmpl)
    custom["css"] += '\n@font-face { font-family: x; src: url("_custom_font.ttf"); }'
    models.add(custom)

    def add(model: Any, fields: list[str], deck: int, tags: list[str]) -> Any:
        note = acol.new_note(model)
        for i, value in enumerate(fields):
            note.fields[i] = value
        note.tags = tags
        acol.add_note(note, deck)
        return note

    add(basic, ["Capital of France", f'Paris <img src="{pic}">'], geo, ["geo::capitals"])
    add(basic, ["Capital of Peru", "Lima"], geo, ["geo::capitals", "americas"])
    add(reversed_, ["hablar", f"to speak [sound:{snd}]"], lang, ["verbs"])
    add(reversed_, ["comer", "to eat"], lang, ["verbs"])
    add(cloze, ["{{c1::Water}} boils at {{c2::100}} °C", "extra"], geo, [])
    add(custom, ["gato", "cat", "El gato <b>duerme</b>"], lang, ["nouns"])
    acol.media.write_data("_custom_font.ttf", b"font bytes")

    sched = acol.sched
    for deck, ease, answers in ((geo, 4, 3), (lang, 3, 2)):
        acol.decks.select(deck)
        for _ in range(answers):
            card = sched.getCard()
            assert card is not None
            sched.answerCard(card, ease)
    repair_anki_last_review_times(acol)
    cids = list(acol.find_cards("deck:Geography"))
    sched.suspend_cards(cids[:1])
    acol.set_user_flag_for_cards(1, cids[1:2])
