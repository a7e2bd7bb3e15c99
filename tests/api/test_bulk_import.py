"""Large imports over the API go in the bulk way: one upload and one marker, not every row
journaled; a retried upload with the same Idempotency-Key is answered, not imported twice."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apiflask import APIFlask

from javumbo.api.app import app_services
from javumbo.imports import jobs
from tests.api.conftest import ApiUser
from tests.support import wait_until

PACKAGE = "synthetic_10k_legacy.apkg"


def import_package(user: ApiUser, data: bytes, key: str | None = None) -> dict[str, Any]:
    headers = {"Idempotency-Key": key} if key else None
    form = {"file": (io.BytesIO(data), PACKAGE)}
    response = user.call(
        "POST", "/api/import", data=form, content_type="multipart/form-data", headers=headers
    )
    job: dict[str, Any] = user.ok(response, 202)

    def finished() -> dict[str, Any] | None:
        current: dict[str, Any] = user.ok(user.get(f"/api/import/{job['job_id']}"))
        return current if current["status"] != "running" else None

    done = job if job["status"] != "running" else wait_until(finished, timeout=120, what="import")
    assert done["status"] == "done", done
    return done


@pytest.fixture
def bulk_from_any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "BULK_IMPORT_MIN_BYTES", 1)


@pytest.mark.usefixtures("bulk_from_any_size")
def test_a_large_import_is_one_upload_and_one_marker_and_anki_reads_the_result(
    app: APIFlask,
    alice: ApiUser,
    anki_fixtures: Path,
    tmp_path: Path,
    anki_validate: Callable[..., tuple[int, dict[str, Any]]],
) -> None:
    alice.new_card(alice.new_deck("Before"), "kept", "across the import")
    engine = app_services(app).engine
    before = engine.counters

    report = import_package(alice, (anki_fixtures / PACKAGE).read_bytes())["report"]

    after = engine.counters
    assert report["notes_added"] == 10_000
    assert after["replacements"] == before["replacements"] + 1
    assert after["journal_appends"] == before["journal_appends"] + 1  # the marker only
    assert after["spills"] == before["spills"]
    export = tmp_path / "after.apkg"
    export.write_bytes(alice.get("/api/export").data)
    rc, verdict = anki_validate(export, expect={"notes": 10_001, "cards": 10_001})
    assert rc == 0, verdict


@pytest.mark.usefixtures("bulk_from_any_size")
def test_a_retried_bulk_import_with_the_same_key_is_answered_not_repeated(
    app: APIFlask, alice: ApiUser, anki_fixtures: Path
) -> None:
    data = (anki_fixtures / PACKAGE).read_bytes()
    first = import_package(alice, data, key="import-once")["report"]
    engine = app_services(app).engine
    replacements = engine.counters["replacements"]

    again = import_package(alice, data, key="import-once")["report"]

    assert again == first
    assert engine.counters["replacements"] == replacements
    svc = app_services(app)
    user = svc.meta.get_user(alice.username)
    assert user is not None
    with svc.engine.read(user.user_id) as col:
        assert col.db.execute("select count() from notes").fetchone()[0] == 10_000
