"""Packages moved by the browser straight to and from S3 (presigned requests, as on Lambda where
API Gateway refuses bodies over 6 MB), over real HTTP against the S3 emulator; Anki reads the
exported package."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from apiflask import APIFlask
from flask.testing import FlaskClient

from javumbo.api.app import app_services, create_app
from javumbo.settings import Settings
from javumbo.stores.aws_setup import ensure_aws_resources
from tests.api.conftest import ApiUser, assert_error, register_and_login
from tests.support import aws_settings, unique_names

PACKAGE = "sample_legacy_anki21.apkg"


@pytest.fixture
def lambda_app(moto_url: str, tmp_path: Path) -> Iterator[APIFlask]:
    base = aws_settings(moto_url, **unique_names("transfers"))
    settings = Settings(**{**base.__dict__, "cache_dir": tmp_path / "cache"})
    ensure_aws_resources(settings)
    app = create_app(settings, in_lambda=True)
    yield app
    app_services(app).close()


@pytest.fixture
def learner(lambda_app: APIFlask) -> ApiUser:
    return register_and_login(lambda_app.test_client())


def post_form(form: dict[str, Any], data: bytes, name: str = PACKAGE) -> requests.Response:
    """What the browser does with an upload form: its fields, then the file."""
    return requests.post(form["url"], data=form["fields"], files={"file": (name, data)}, timeout=30)


def test_the_server_says_whether_it_offers_direct_transfers(
    lambda_app: APIFlask, client: FlaskClient, alice: ApiUser
) -> None:
    assert lambda_app.test_client().get("/api/server-info").get_json()["direct_transfers"] is True
    assert client.get("/api/server-info").get_json()["direct_transfers"] is False
    refused = alice.post("/api/import/uploads", {"filename": "deck.apkg"})
    assert_error(refused, 404, "direct_transfers_unavailable")
    assert_error(alice.post("/api/export/link"), 404, "direct_transfers_unavailable")


def test_a_package_uploaded_to_storage_is_imported_and_then_removed(
    lambda_app: APIFlask, learner: ApiUser, anki_fixtures: Path
) -> None:
    data = (anki_fixtures / PACKAGE).read_bytes()
    expected = json.loads((anki_fixtures / "sample.expect.json").read_text())
    form = learner.ok(learner.post("/api/import/uploads", {"filename": "My deck.apkg"}), 201)
    assert form["max_bytes"] == app_services(lambda_app).settings.import_temp_bytes
    assert form["key"].endswith("/My_deck.apkg")

    assert post_form(form, data).status_code in (200, 201, 204)
    body = {"key": form["key"], "scheduling": True}
    job = learner.ok(learner.post("/api/import/from-upload", body), 202)

    assert job["status"] == "done", job
    assert job["report"]["notes_added"] == expected["notes"]
    assert app_services(lambda_app).blobs.head(form["key"]) is None
    again = learner.post("/api/import/from-upload", body)
    assert_error(again, 404, "not_found")


def test_an_upload_of_another_user_cannot_be_imported(
    lambda_app: APIFlask, learner: ApiUser, anki_fixtures: Path
) -> None:
    form = learner.ok(learner.post("/api/import/uploads", {"filename": "deck.apkg"}), 201)
    assert post_form(form, (anki_fixtures / PACKAGE).read_bytes()).ok
    mallory = register_and_login(lambda_app.test_client(), "mallory")

    stolen = mallory.post("/api/import/from-upload", {"key": form["key"]})

    assert_error(stolen, 404, "not_found")
    assert app_services(lambda_app).blobs.head(form["key"]) is not None


def test_an_upload_is_bounded_by_the_signed_policy_and_again_before_import(
    lambda_app: APIFlask, learner: ApiUser
) -> None:
    """S3 enforces the signed ``content-length-range`` (the emulator does not, so the policy is
    read here); an object larger than the import allowance is refused before any download."""
    settings = app_services(lambda_app).settings
    form = learner.ok(learner.post("/api/import/uploads", {"filename": "deck.apkg"}), 201)
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    assert ["content-length-range", 1, settings.import_temp_bytes] in policy["conditions"]

    assert post_form(form, b"PK" + b"\0" * 4096).ok
    object.__setattr__(settings, "import_temp_bytes", 1024)
    refused = learner.post("/api/import/from-upload", {"key": form["key"]})

    assert_error(refused, 413, "payload_too_large")


def test_an_export_link_downloads_a_package_anki_opens(
    learner: ApiUser,
    tmp_path: Path,
    anki_validate: Callable[..., tuple[int, dict[str, Any]]],
) -> None:
    deck = learner.ok(learner.post("/api/decks", {"name": "Linked"}), 201)["id"]
    learner.ok(learner.post("/api/cards", {"deck_id": deck, "front": "q", "back": "a"}), 201)

    link = learner.ok(learner.post("/api/export/link?deck_id=" + str(deck)), 201)
    download = requests.get(link["url"], timeout=30)

    assert download.status_code == 200
    assert link["filename"] in download.headers["Content-Disposition"]
    assert link["cards"] == 1
    path = tmp_path / "linked.apkg"
    path.write_bytes(download.content)
    rc, verdict = anki_validate(path, expect={"notes": 1, "cards": 1})
    assert rc == 0, verdict


def test_a_text_file_uploaded_to_storage_is_imported_with_the_text_choices(
    learner: ApiUser,
) -> None:
    deck = learner.ok(learner.post("/api/decks", {"name": "Words"}), 201)["id"]
    form = learner.ok(learner.post("/api/import/uploads", {"filename": "words.csv"}), 201)
    assert post_form(form, b"un;one;x\ndeux;two;y\n", name="words.csv").ok
    choices = {"deck_id": deck, "separator": "semicolon", "field_columns": "2,1", "tags": "fr"}

    job = learner.ok(learner.post("/api/import/from-upload", {"key": form["key"], **choices}), 202)

    assert job["status"] == "done", job
    assert job["report"]["text"]["new"] == 2
    found = learner.ok(learner.get("/api/cards", query_string={"q": "deck:Words tag:fr one"}))
    assert found["total"] == 1


def test_a_bad_text_file_uploaded_to_storage_is_a_clear_400(learner: ApiUser) -> None:
    form = learner.ok(learner.post("/api/import/uploads", {"filename": "words.txt"}), 201)
    assert post_form(form, b"\xff\xfe\x00\x00binary", name="words.txt").ok

    refused = learner.post("/api/import/from-upload", {"key": form["key"]})

    assert_error(refused, 400, "invalid_text_file")
    assert learner.ok(learner.get("/api/cards"))["total"] == 0


def test_an_export_link_of_notes_in_plain_text(learner: ApiUser) -> None:
    deck = learner.ok(learner.post("/api/decks", {"name": "Plain"}), 201)["id"]
    learner.ok(learner.post("/api/cards", {"deck_id": deck, "front": "q", "back": "a"}), 201)

    link = learner.ok(learner.post(f"/api/export/link?format=txt&deck_id={deck}"), 201)
    download = requests.get(link["url"], timeout=30)

    assert download.status_code == 200
    assert link["filename"].endswith(".txt")
    assert (link["notes"], link["cards"]) == (1, 0)
    assert download.content.startswith(b"#separator:tab\n#html:true\n")
    assert b"\tPlain\tq\ta\t" in download.content
