"""Import and export over the API, checked by real Anki."""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from apiflask import APIFlask
from flask.testing import FlaskClient

from javumbo.api.app import app_services
from javumbo.imports import jobs
from javumbo.imports.records import JOB_RETENTION_SECONDS, STALE_AFTER_SECONDS
from tests.api.conftest import ApiUser, assert_error
from tests.support import wait_until

POLL_DEADLINE_SECONDS = 60.0


def wait_for_job(user: ApiUser, job: dict[str, Any]) -> dict[str, Any]:
    if job["status"] != "running":
        return job

    def finished() -> dict[str, Any] | None:
        current: dict[str, Any] = user.ok(user.get(f"/api/import/{job['job_id']}"))
        return current if current["status"] != "running" else None

    return wait_until(finished, timeout=POLL_DEADLINE_SECONDS, what=f"import job {job['job_id']}")


def upload(user: ApiUser, data: bytes, name: str = "deck.apkg", **form: Any) -> Any:
    payload = {"file": (io.BytesIO(data), name), **form}
    return user.call("POST", "/api/import", data=payload, content_type="multipart/form-data")


def studied_deck(user: ApiUser, cards: int = 3, reviews: int = 2) -> int:
    deck_id = user.new_deck("Exported")
    ids = [user.new_card(deck_id, f'q{i} <img src="pic.png">', f"a{i}") for i in range(cards)]
    for card_id in ids[:reviews]:
        user.ok(user.post("/api/review", {"card_id": card_id, "rating": 3, "time_ms": 1200}))
    return deck_id


def studied_deck_with_picture(app: APIFlask, user: ApiUser) -> None:
    """``studied_deck`` plus the picture its cards show, in the user's media."""
    studied_deck(user)
    record = app_services(app).meta.get_user(user.username)
    assert record is not None
    app_services(app).engine.media(record.user_id).put("pic.png", b"\x89PNG\r\n\x1a\n picture")


def test_export_without_parameters_is_the_whole_collection_and_anki_opens_it(
    app: APIFlask,
    alice: ApiUser,
    tmp_path: Path,
    anki_validate: Callable[..., tuple[int, dict[str, Any]]],
) -> None:
    studied_deck_with_picture(app, alice)
    response = alice.get("/api/export")
    assert response.status_code == 200
    assert response.mimetype == "application/octet-stream"
    assert "attachment" in response.headers["Content-Disposition"]
    assert ".apkg" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as package:
        assert "collection.anki2" in package.namelist()
    path = tmp_path / "export.apkg"
    path.write_bytes(response.data)
    rc, verdict = anki_validate(path, expect={"notes": 3, "cards": 3, "revlog": 2})
    assert rc == 0, verdict
    assert verdict["counts"]["media_files"] == 1


def test_export_of_one_deck_without_scheduling(
    alice: ApiUser, tmp_path: Path, anki_validate: Callable[..., tuple[int, dict[str, Any]]]
) -> None:
    deck_id = studied_deck(alice)
    alice.new_card(alice.new_deck("Elsewhere"))
    response = alice.get(
        "/api/export", query_string={"deck_id": deck_id, "scheduling": "false", "media": "false"}
    )
    assert response.status_code == 200 and "Exported" in response.headers["Content-Disposition"]
    path = tmp_path / "deck.apkg"
    path.write_bytes(response.data)
    # Not strict: the cards refer to a picture that media=false leaves out on purpose.
    rc, verdict = anki_validate(path, strict=False, expect={"notes": 3, "cards": 3, "revlog": 0})
    assert rc == 0, verdict


def test_import_round_trip_through_another_user(
    app: APIFlask, alice: ApiUser, bob: ApiUser
) -> None:
    studied_deck(alice)
    user = app_services(app).meta.get_user("alice")
    assert user is not None
    app_services(app).engine.media(user.user_id).put("pic.png", b"\x89PNG picture bytes")
    exported = alice.get("/api/export").data

    response = upload(bob, exported)
    assert response.status_code == 202
    started = response.get_json()
    assert started["job_id"].startswith("imp_") and started["status"] in ("running", "done")
    job = wait_for_job(bob, started)
    assert job["status"] == "done" and job["error"] is None and job["progress"] == 1.0
    assert job["report"]["notes_added"] == 3 and job["report"]["cards_added"] == 3
    assert bob.ok(bob.get("/api/cards", query_string={"q": "deck:Exported"}))["total"] == 3
    assert bob.get("/api/export").headers["X-Export-Revlog"] == "2"
    assert bob.get("/api/media/pic.png").data == b"\x89PNG picture bytes"
    # Alice cannot see Bob's job.
    assert_error(alice.get(f"/api/import/{started['job_id']}"), 404)


def test_import_without_scheduling_starts_cards_as_new(alice: ApiUser, bob: ApiUser) -> None:
    studied_deck(alice)
    exported = alice.get("/api/export").data
    job = wait_for_job(bob, upload(bob, exported, scheduling="false").get_json())
    assert job["status"] == "done" and job["report"]["revlog_added"] == 0
    cards = bob.ok(bob.get("/api/cards", query_string={"q": "deck:Exported"}))["cards"]
    assert {c["type"] for c in cards} == {0}


@pytest.mark.parametrize(
    "data",
    [b"not a zip at all", b"PK\x03\x04 truncated", b"PK\x05\x06" + b"\x00" * 18],
)
def test_broken_packages_fail_the_job_cleanly(alice: ApiUser, data: bytes) -> None:
    before = alice.ok(alice.get("/api/cards"))["total"]
    job = wait_for_job(alice, alice.ok(upload(alice, data), 202))
    assert job["status"] == "failed"
    assert job["error"]["code"] == "invalid_package" and job["error"]["message"]
    assert alice.ok(alice.get("/api/cards"))["total"] == before


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("my deck.anki2", "my_deck.anki2"),
        ("../../etc/passwd", "etc_passwd"),
        ("", "the uploaded file"),
        ("\x00\x01", "the uploaded file"),
    ],
)
def test_a_failed_import_names_the_file_the_user_sent(
    alice: ApiUser, name: str, shown: str
) -> None:
    job = wait_for_job(alice, alice.ok(upload(alice, b"SQLite format 3\x00", name), 202))
    assert job["status"] == "failed"
    message = job["error"]["message"]
    assert message.startswith(f"{shown} is not a zip file"), message
    assert "upload.apkg" not in message


def test_import_bad_requests(alice: ApiUser) -> None:
    no_file = alice.call("POST", "/api/import", data={}, content_type="multipart/form-data")
    assert_error(no_file, 422)
    assert_error(alice.post("/api/import", {"file": "x"}), 422)
    assert_error(upload(alice, b""), 400, "invalid_package")
    assert_error(alice.get("/api/import/imp_" + "f" * 24), 404)
    assert_error(alice.get("/api/import/../../etc"), 404)
    assert_error(alice.get("/api/export", query_string={"deck_id": 424242}), 404)
    assert_error(alice.get("/api/export", query_string={"scheduling": "maybe"}), 422)


def test_upload_limit_is_larger_than_json_limit_but_still_enforced(
    app: APIFlask, alice: ApiUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    from javumbo.api import app as app_module

    monkeypatch.setattr(app_module, "MAX_UPLOAD_BYTES", 3 * 1024 * 1024)
    big = b"PK" + b"\x00" * (2 * 1024 * 1024)  # over the JSON limit, under the upload limit
    response = upload(alice, big)
    assert response.status_code == 202
    too_big = b"PK" + b"\x00" * (4 * 1024 * 1024)
    assert_error(upload(alice, too_big), 413)


# ------------------------------------------------------------------ interrupted imports


def _job_blob_key(app: APIFlask, username: str, job_id: str) -> str:
    user = app_services(app).meta.get_user(username)
    assert user is not None
    return f"users/{user.user_id}/jobs/{job_id}.json"


def test_a_running_import_keeps_a_heartbeat(
    app: APIFlask, alice: ApiUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def slow_import(col: Any, package: Path, **options: Any) -> Any:
        assert release.wait(30), "the test never let the import finish"
        return SimpleNamespace(as_dict=lambda: {"notes_added": 0})

    monkeypatch.setattr(jobs, "import_apkg", slow_import)
    monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0.01)
    started = alice.ok(upload(alice, b"PK\x03\x04 whatever"), 202)
    key = _job_blob_key(app, alice.username, started["job_id"])
    beats: set[float] = set()
    deadline = time.monotonic() + POLL_DEADLINE_SECONDS
    while len(beats) < 3:  # the job rewrites its record while the import runs
        assert time.monotonic() < deadline, f"no heartbeat: {beats}"
        record = json.loads(app_services(app).blobs.get(key).data)
        assert record["status"] == "running"
        beats.add(record["updated_at"])
    release.set()
    assert wait_for_job(alice, started)["status"] == "done"


def test_a_job_whose_heartbeat_stopped_is_reported_failed(app: APIFlask, alice: ApiUser) -> None:
    svc = app_services(app)
    now = svc.clock.now()
    for job_id, silent_for, shown in (
        ("imp_" + "a" * 24, STALE_AFTER_SECONDS + 5, "failed"),
        ("imp_" + "b" * 24, STALE_AFTER_SECONDS - 5, "running"),
    ):
        record = {
            "job_id": job_id,
            "status": "running",
            "progress": 0.4,
            "stage": "notes",
            "report": None,
            "error": None,
            "created_at": now - 1000,
            "updated_at": now - silent_for,
        }
        svc.blobs.put(_job_blob_key(app, alice.username, job_id), json.dumps(record).encode())
        job = alice.ok(alice.get(f"/api/import/{job_id}"))
        assert job["status"] == shown, job
        if shown == "failed":
            assert job["error"]["code"] == "import_interrupted"
            assert "import the file again" in job["error"]["message"]


def test_a_new_import_deletes_job_records_past_their_retention(
    app: APIFlask, alice: ApiUser
) -> None:
    svc = app_services(app)
    now = svc.clock.now()
    old, recent = now - JOB_RETENTION_SECONDS - 60, now - 60

    def stamped(at: float) -> str:  # as job ids are made: creation time first
        return f"imp_{int(at * 1000):012x}{uuid.uuid4().hex[:12]}"

    # job id -> (created at, kept?); the last two are ids from before ids carried the time
    jobs = {
        stamped(old): (old, False),
        stamped(recent): (recent, True),
        "imp_" + "f" * 24: (old, False),
        "imp_" + "e" * 24: (recent, True),
    }
    for job_id, (at, _) in jobs.items():
        record = {
            "job_id": job_id,
            "status": "done",
            "progress": 1.0,
            "stage": "done",
            "report": {"notes_added": 1},
            "error": None,
            "created_at": at,
            "updated_at": at,
        }
        svc.blobs.put(_job_blob_key(app, alice.username, job_id), json.dumps(record).encode())

    started = alice.ok(upload(alice, b"PK\x03\x04 whatever"), 202)
    assert wait_for_job(alice, started)["status"] == "failed"
    for job_id, (_, kept) in jobs.items():
        response = alice.get(f"/api/import/{job_id}")
        assert response.status_code == (200 if kept else 404), job_id
    assert int(started["job_id"][4:16], 16) / 1000 == pytest.approx(now, abs=60)


def test_export_in_the_current_layout_opens_in_anki_and_imports_back(
    app: APIFlask,
    alice: ApiUser,
    bob: ApiUser,
    tmp_path: Path,
    anki_validate: Callable[..., tuple[int, dict[str, Any]]],
) -> None:
    studied_deck_with_picture(app, alice)

    response = alice.get("/api/export", query_string={"layout": "current"})
    assert response.status_code == 200 and ".apkg" in response.headers["Content-Disposition"]
    assert response.headers["X-Export-Revlog"] == "2"
    with zipfile.ZipFile(io.BytesIO(response.data)) as package:
        assert package.namelist() == [
            "meta",
            "collection.anki21b",
            "collection.anki2",
            "0",
            "media",
        ]
    path = tmp_path / "current.apkg"
    path.write_bytes(response.data)
    rc, verdict = anki_validate(path, expect={"notes": 3, "cards": 3, "revlog": 2})
    assert rc == 0, verdict
    assert verdict["file_info"]["meta_version"] == "VERSION_LATEST"
    assert verdict["counts"]["media_files"] == 1

    job = wait_for_job(bob, upload(bob, response.data).get_json())
    assert job["status"] == "done" and job["report"]["notes_added"] == 3, job
    assert bob.get("/api/media/pic.png").data == b"\x89PNG\r\n\x1a\n picture"

    legacy = alice.get("/api/export", query_string={"layout": "legacy"})
    with zipfile.ZipFile(io.BytesIO(legacy.data)) as package:
        assert "meta" not in package.namelist() and "collection.anki2" in package.namelist()


def test_export_layout_parameter_is_checked_and_documented(
    alice: ApiUser, client: FlaskClient
) -> None:
    for bad in ("newest", "LEGACY", ""):
        error = assert_error(alice.get("/api/export", query_string={"layout": bad}), 422)
        assert "layout" in json.dumps(error), error
    document = client.get("/api/openapi.json").get_json()
    (param,) = [
        p for p in document["paths"]["/api/export"]["get"]["parameters"] if p["name"] == "layout"
    ]
    assert param["in"] == "query" and not param["required"]
    assert param["schema"]["enum"] == ["legacy", "current"]
    assert param["schema"]["default"] == "legacy"
    assert "Anki 2.1.50" in param["description"]
