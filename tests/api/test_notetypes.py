"""/api/notetypes and /api/notes/change-notetype over HTTP: PUT takes what GET gives, fields keep
their notes' values, template errors are 400 template_error, schema changes say so."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import ApiUser, assert_error


def notetype_id(user: ApiUser, name: str) -> int:
    listing = user.ok(user.get("/api/notetypes"))["notetypes"]
    return int(next(nt["id"] for nt in listing if nt["name"] == name))


def add_note(user: ApiUser, mid: int, fields: list[str]) -> dict[str, Any]:
    body = {"notetype_id": mid, "deck_id": 1, "fields": fields}
    created: dict[str, Any] = user.ok(user.post("/api/notes", body), 201)
    return created


def test_list_gives_note_counts(alice: ApiUser) -> None:
    basic = notetype_id(alice, "Basic")
    add_note(alice, basic, ["a", "b"])
    listing = alice.ok(alice.get("/api/notetypes"))["notetypes"]
    by_name = {nt["name"]: nt for nt in listing}
    assert by_name["Basic"]["note_count"] == 1 and by_name["Cloze"]["note_count"] == 0
    assert by_name["Basic"]["fields"] == ["Front", "Back"]


def test_put_what_get_gives_with_a_field_added_and_one_renamed(alice: ApiUser) -> None:
    basic = notetype_id(alice, "Basic")
    note = add_note(alice, basic, ["front", "back"])
    nt = alice.ok(alice.get(f"/api/notetypes/{basic}"))
    assert [f["ord"] for f in nt["fields"]] == [0, 1]
    nt["fields"][0]["name"] = "Question"
    nt["fields"][1]["html_editor"] = True
    nt["fields"].append({"ord": None, "name": "Extra"})
    saved = alice.ok(alice.put(f"/api/notetypes/{basic}", nt))
    assert saved["full_sync_required"] is True
    assert [f["name"] for f in saved["fields"]] == ["Question", "Back", "Extra"]
    assert saved["fields"][1]["html_editor"] is True
    assert saved["templates"][0]["front"] == "{{Question}}"
    assert saved["templates"][0]["card_count"] == 1
    stored = alice.ok(alice.get(f"/api/notes/{note['id']}"))
    assert stored["fields"] == ["front", "back", ""]
    # saving it again unchanged is no schema change
    again = alice.ok(alice.put(f"/api/notetypes/{basic}", saved))
    assert again["full_sync_required"] is False


def test_template_error_is_a_400_with_anki_words(alice: ApiUser) -> None:
    basic = notetype_id(alice, "Basic")
    nt = alice.ok(alice.get(f"/api/notetypes/{basic}"))
    nt["templates"][0]["front"] = "{{Nope}}"
    error = assert_error(alice.put(f"/api/notetypes/{basic}", nt), 400, "template_error")
    assert "Field 'Nope' not found." in error["message"]
    nt["templates"][0]["front"] = "{{cloze:Front}}"
    error = assert_error(alice.put(f"/api/notetypes/{basic}", nt), 400, "template_error")
    assert "'cloze:' can only be used on cloze note types." in error["message"]


def test_add_stock_and_clone_then_delete_counts_notes(alice: ApiUser) -> None:
    made = alice.ok(alice.post("/api/notetypes", {"kind": "cloze", "name": "My cloze"}), 201)
    assert made["full_sync_required"] is True
    nt = alice.ok(alice.get(f"/api/notetypes/{made['id']}"))
    assert nt["is_cloze"] and [f["name"] for f in nt["fields"]] == ["Text", "Back Extra"]
    copy = alice.ok(alice.post("/api/notetypes", {"clone_of": made["id"]}), 201)
    assert alice.ok(alice.get(f"/api/notetypes/{copy['id']}"))["name"] == "My cloze copy"
    add_note(alice, copy["id"], ["{{c1::x}}", ""])
    add_note(alice, copy["id"], ["{{c1::y}}", ""])
    gone = alice.ok(alice.delete(f"/api/notetypes/{copy['id']}"))
    assert gone == {"deleted": copy["id"], "notes_deleted": 2, "full_sync_required": True}
    assert_error(alice.get(f"/api/notetypes/{copy['id']}"), 404, "not_found")
    assert_error(alice.post("/api/notetypes", {"kind": "basic", "clone_of": 1}), 400)
    assert_error(alice.post("/api/notetypes", {"kind": "nope"}), 422)
    assert_error(alice.post("/api/notetypes", {"kind": "basic", "name": "Cloze"}), 400)


def test_change_notetype(alice: ApiUser, bob: ApiUser) -> None:
    basic = notetype_id(alice, "Basic")
    reversed_ = notetype_id(alice, "Basic (and reversed card)")
    note = add_note(alice, basic, ["one", "two"])
    body = {
        "note_ids": [note["id"]],
        "notetype_id": reversed_,
        "fields": [1, 0],
        "templates": [None, 0],
    }
    done = alice.ok(alice.post("/api/notes/change-notetype", body))
    assert done == {"notes": 1, "cards_removed": 0, "cards_added": 1, "full_sync_required": True}
    stored = alice.ok(alice.get(f"/api/notes/{note['id']}"))
    assert stored["notetype_id"] == reversed_ and stored["fields"] == ["two", "one"]
    assert len(stored["card_ids"]) == 2
    assert_error(bob.post("/api/notes/change-notetype", body), 404)
    body["fields"] = [0]
    assert_error(alice.post("/api/notes/change-notetype", body), 400, "invalid_request")


def test_preview_renders_unsaved_templates_on_a_real_note(alice: ApiUser) -> None:
    basic = notetype_id(alice, "Basic")
    sample = alice.ok(
        alice.post(f"/api/notetypes/{basic}/preview", {"front": "Q: {{Front}}", "back": "{{Back}}"})
    )
    assert sample["note_id"] is None and sample["question"] == "Q: (Front)"
    note = add_note(alice, basic, ["<b>hola</b>", "hello"])
    body = {"front": "Q: {{Front}}", "back": "{{FrontSide}}<hr>{{Back}}", "css": ".x{}"}
    shown = alice.ok(alice.post(f"/api/notetypes/{basic}/preview", body))
    assert shown == {
        "question": "Q: <b>hola</b>",
        "answer": "Q: <b>hola</b><hr>hello",
        "css": ".x{}",
        "note_id": note["id"],
    }
    cloze = notetype_id(alice, "Cloze")
    add_note(alice, cloze, ["{{c2::x}} y", ""])
    card = alice.ok(
        alice.post(
            f"/api/notetypes/{cloze}/preview", {"front": "{{cloze:Text}}", "back": "{{cloze:Text}}"}
        )
    )
    assert 'data-ordinal="2"' in card["question"] and "[...]" in card["question"]


def test_put_with_card_types_repositioned_keeps_each_card_on_its_template(
    alice: ApiUser,
) -> None:
    both = notetype_id(alice, "Basic (and reversed card)")
    add_note(alice, both, ["front", "back"])
    nt = alice.ok(alice.get(f"/api/notetypes/{both}"))
    cards = alice.ok(alice.get("/api/cards?q=deck:Default"))["cards"]
    ord_by_card = {c["card_id"]: c["ord"] for c in cards}
    assert sorted(ord_by_card.values()) == [0, 1]
    nt["templates"].reverse()
    saved = alice.ok(alice.put(f"/api/notetypes/{both}", nt))
    assert saved["full_sync_required"] is True
    assert [t["name"] for t in saved["templates"]] == ["Card 2", "Card 1"]
    assert [t["ord"] for t in saved["templates"]] == [0, 1]
    after = alice.ok(alice.get("/api/cards?q=deck:Default"))["cards"]
    assert {c["card_id"]: c["ord"] for c in after} == {cid: 1 - o for cid, o in ord_by_card.items()}
