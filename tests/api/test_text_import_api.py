"""Text files (.csv/.tsv/.txt) through ``POST /api/import``: the same job and report as
``.apkg``, with the deck, field mapping, tags and duplicate handling chosen in the form."""

from __future__ import annotations

import io

import pytest

from javumbo.api import packages
from javumbo.api.packages import PREVIEW_BYTES
from javumbo.imports.admission import IMPORT_ADMISSION
from tests.api.conftest import ApiUser, assert_error
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


def test_text_that_is_not_utf8_is_refused_before_a_job_starts(alice: ApiUser) -> None:
    before = alice.ok(alice.get("/api/cards"))["total"]
    refused = upload(alice, b"caf\xe9,x\n", name="latin1.txt")
    assert_error(refused, 400, "invalid_text_file")
    assert "UTF-8" in refused.get_json()["error"]["message"]
    assert alice.ok(alice.get("/api/cards"))["total"] == before


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "UTF-8"),
        (b"a,b\x00c\n", "NUL"),
        (b"#separator:comma\n#html:false\n", "no rows"),
        (b"", "empty"),
    ],
)
def test_a_file_that_is_no_text_import_is_a_clear_400(
    alice: ApiUser, data: bytes, words: str
) -> None:
    refused = upload(alice, data, name="cards.csv")
    code = "invalid_package" if not data else "invalid_text_file"
    assert_error(refused, 400, code)
    assert words in refused.get_json()["error"]["message"]
    assert alice.ok(alice.get("/api/cards"))["total"] == 0


def test_a_field_mapping_that_does_not_fit_the_note_type_is_a_400(alice: ApiUser) -> None:
    """Refused uploads give their place under the import caps back."""
    held = IMPORT_ADMISSION.in_flight()
    refused = upload(alice, b"one,un\n", name="words.csv", field_columns="1,2,3")
    assert_error(refused, 400, "invalid_text_file")
    assert "Front, Back" in refused.get_json()["error"]["message"]
    outside = upload(alice, b"one,un\n", name="words.csv", field_columns="1,5")
    assert_error(outside, 400, "invalid_text_file")
    words = upload(alice, b"one,un\n", name="words.csv", field_columns="1,x")
    assert_error(words, 400, "invalid_text_file")
    assert IMPORT_ADMISSION.in_flight() <= held


def test_bad_bytes_past_the_checked_start_fail_the_job_with_the_text_code(
    alice: ApiUser,
) -> None:
    """The upload is checked by its first rows; a fault further down fails the job, all or
    nothing, with the same code."""
    rows = b"".join(b"word%d,mot%d\n" % (i, i) for i in range(30_000))
    assert len(rows) > PREVIEW_BYTES
    job = wait_for_job(alice, upload(alice, rows + b"caf\xe9,x\n", name="big.csv").get_json())
    assert job["status"] == "failed"
    assert job["error"]["code"] == "invalid_text_file"
    assert alice.ok(alice.get("/api/cards"))["total"] == 0


def test_tags_column_and_match_scope_choices(alice: ApiUser) -> None:
    first = alice.new_deck("First")
    second = alice.new_deck("Second")
    data = b"one;un;animal big\ntwo;deux;\n"
    form = {"separator": "semicolon", "field_columns": "1,2", "tags_column": "3"}
    job = wait_for_job(
        alice, upload(alice, data, name="w.txt", deck_id=str(first), **form).get_json()
    )
    assert job["report"]["notes_added"] == 2
    tagged = alice.ok(alice.get("/api/cards", query_string={"q": "tag:animal tag:big"}))
    assert tagged["total"] == 1
    scoped = {**form, "match_scope": "notetype_and_deck", "duplicates": "preserve"}
    again = wait_for_job(
        alice, upload(alice, data, name="w.txt", deck_id=str(second), **scoped).get_json()
    )
    assert again["report"]["text"]["new"] == 2, again
    same = wait_for_job(
        alice, upload(alice, data, name="w.txt", deck_id=str(second), **scoped).get_json()
    )
    assert same["report"]["text"]["first_field_match_skipped"] == 2, same


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
    assert response.get_json()["error"]["code"] == "invalid_text_file"
    assert "UTF-8" in response.get_json()["error"]["message"]


def test_preview_of_a_chosen_separator_and_note_type_maps_fields_again(alice: ApiUser) -> None:
    notetypes = alice.ok(alice.get("/api/notetypes"))
    reversed_type = next(
        nt for nt in notetypes["notetypes"] if nt["name"] == "Basic (optional reversed card)"
    )
    data = b"a;b|c;d|e\nf;g|h;i|j\n"
    payload = {
        "file": (io.BytesIO(data), "x.txt"),
        "separator": "pipe",
        "notetype_id": str(reversed_type["id"]),
    }
    preview = alice.ok(
        alice.call(
            "POST", "/api/import/text/preview", data=payload, content_type="multipart/form-data"
        )
    )
    assert preview["separator"] == "pipe"
    assert preview["rows"] == [["a;b", "c;d", "e"], ["f;g", "h;i", "j"]]
    assert preview["field_names"] == ["Front", "Back", "Add Reverse"]
    assert preview["field_columns"] == [1, 2, 3]
    assert preview["tags_column"] == 0
    assert preview["match_scope"] == "notetype"


def test_preview_of_a_cut_file_shows_its_whole_first_rows(alice: ApiUser) -> None:
    """The web app sends the first 256 KiB: a character or a line cut there is not an error."""
    row = "näive,naïf\n".encode()
    rows = row * (PREVIEW_BYTES // len(row) + 10)
    data = next(
        pad + rows
        for pad in (b"x" * k + b",y\n" for k in range(len(row)))
        if (pad + rows)[PREVIEW_BYTES - 1] == 0xC3  # the cut falls inside "ä" or "ï"
    )
    payload = {"file": (io.BytesIO(data), "x.csv")}
    preview = alice.ok(
        alice.call(
            "POST", "/api/import/text/preview", data=payload, content_type="multipart/form-data"
        )
    )
    assert preview["rows"][1] == ["näive", "naïf"]


def test_plain_text_export_options_leave_out_html_and_columns(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Options")
    alice.new_card(deck_id, "front <b>one</b>", "back<br>two")
    query = {"format": "txt", "deck_id": deck_id, "with_html": "false", "with_guid": "false"}
    response = alice.get("/api/export", query_string={**query, "with_tags": "false"})
    assert response.status_code == 200
    assert response.data.decode().splitlines() == [
        "#separator:tab",
        "#html:false",
        "#notetype column:1",
        "#deck column:2",
        "Basic\tOptions\tfront one\tback two",
    ]


def test_a_text_file_too_large_to_read_whole_is_a_413(
    alice: ApiUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(packages, "TEXT_IMPORT_MAX_BYTES", 16)
    refused = upload(alice, b"one,un\ntwo,deux\nthree,trois\n", name="words.csv")
    assert_error(refused, 413, "payload_too_large")
    assert "split the file" in refused.get_json()["error"]["message"]
    assert alice.ok(alice.get("/api/cards"))["total"] == 0
