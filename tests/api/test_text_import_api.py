"""Text files (.csv/.tsv/.txt) through ``POST /api/import``: the same job and report as
``.apkg``, with the deck, field mapping, tags and duplicate handling chosen in the form."""

from __future__ import annotations

import io

from tests.api.conftest import ApiUser
from tests.api.test_packages import upload, wait_for_job


def test_csv_import_into_chosen_deck_with_mapping_tags_and_duplicates(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Words")
    data = b"one,un,x\ntwo,deux,y\n"
    form = {"deck_id": str(deck_id), "field_columns": "2,1", "tags": "imported"}
    job = wait_for_job(alice, upload(alice, data, name="words.csv", **form).get_json())
    assert job["status"] == "done", job
    assert job["report"]["notes_added"] == 2
    cards = alice.ok(alice.get("/api/cards", query_string={"q": "deck:Words tag:imported"}))
    assert cards["total"] == 2
    again = wait_for_job(
        alice, upload(alice, data, name="words.csv", duplicates="preserve", **form).get_json()
    )
    assert again["report"]["notes_added"] == 0
    assert again["report"]["text"]["first_field_match_skipped"] == 2


def test_text_that_is_not_utf8_fails_the_job_and_changes_nothing(alice: ApiUser) -> None:
    before = alice.ok(alice.get("/api/cards"))["total"]
    job = wait_for_job(alice, upload(alice, b"caf\xe9,x\n", name="latin1.txt").get_json())
    assert job["status"] == "failed"
    assert "UTF-8" in job["error"]["message"]
    assert alice.ok(alice.get("/api/cards"))["total"] == before


def test_notes_in_plain_text_export_imports_back(alice: ApiUser, bob: ApiUser) -> None:
    deck_id = alice.new_deck("Plain")
    alice.new_card(deck_id, "front <b>one</b>", "back")
    response = alice.get("/api/export", query_string={"format": "txt"})
    assert response.status_code == 200
    text = response.data.decode()
    assert text.startswith("#separator:tab\n#html:true\n#guid column:1\n")
    assert "front <b>one</b>\tback" in text
    job = wait_for_job(bob, upload(bob, response.data, name="notes.txt").get_json())
    assert job["report"]["notes_added"] == 1
    cards = bob.ok(bob.get("/api/cards", query_string={"q": "deck:Plain"}))
    assert cards["total"] == 1


def test_preview_shows_separator_columns_rows_and_mapping(alice: ApiUser) -> None:
    data = b"#separator:semicolon\n#tags:lesson\nhund;dog;animal\nkatze;<b>cat</b>;animal\n"
    payload = {"file": (io.BytesIO(data), "words.csv")}
    preview = alice.ok(
        alice.call(
            "POST", "/api/import/text/preview", data=payload, content_type="multipart/form-data"
        )
    )
    assert preview["separator"] == "semicolon"
    assert preview["html"] is True
    assert preview["column_count"] == 3
    assert preview["rows"] == [["hund", "dog", "animal"], ["katze", "cat", "animal"]]
    assert preview["field_names"] == ["Front", "Back"]
    assert preview["field_columns"] == [1, 2]
    assert preview["tags_column"] == 3
    assert preview["tags"] == ["lesson"]


def test_preview_of_a_binary_file_is_a_clear_400(alice: ApiUser) -> None:
    payload = {"file": (io.BytesIO(b"\xff\xfe\x00bad"), "x.csv")}
    response = alice.call(
        "POST", "/api/import/text/preview", data=payload, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "UTF-8" in response.get_json()["error"]["message"]
