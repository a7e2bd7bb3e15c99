"""The limits around ``POST /api/import``: the media allowance, the per-user cap on queued or
running imports, the cap on the package bytes the server holds, and (over real HTTP against
``javumbo serve``) a big media file imported with the server's memory bounded."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from apiflask import APIFlask
from flask.testing import FlaskClient

from javumbo.api.app import app_services, create_app
from javumbo.imports import jobs
from javumbo.imports.admission import IMPORT_ADMISSION
from javumbo.settings import Settings
from tests.api.conftest import PASSWORD, ApiUser, assert_error, register_and_login
from tests.imports.media_packages import MiB, write_media_package

POLL_DEADLINE_SECONDS = 60.0


@pytest.fixture
def app(data_dir: Path) -> Iterator[APIFlask]:
    settings = Settings(
        data_dir=data_dir,
        media_quota_bytes=6 * MiB,
        media_max_file_bytes=4 * MiB,
        imports_per_user=2,
        import_temp_bytes=8 * MiB,
    )
    app = create_app(settings, in_lambda=False)
    app.testing = False
    yield app
    app_services(app).close()


def upload(user: ApiUser, data: bytes, name: str = "deck.apkg") -> Any:
    payload = {"file": (io.BytesIO(data), name)}
    return user.call("POST", "/api/import", data=payload, content_type="multipart/form-data")


def wait_for_job(user: ApiUser, job: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + POLL_DEADLINE_SECONDS
    while job["status"] == "running":
        assert time.monotonic() < deadline, f"import job still running: {job}"
        time.sleep(0.02)
        job = user.ok(user.get(f"/api/import/{job['job_id']}"))
    return job


def _notes(user: ApiUser) -> int:
    total: int = user.ok(user.get("/api/cards", query_string={"q": ""}))["total"]
    return total


@pytest.mark.parametrize(
    ("media", "code"),
    [
        ({"a.mp3": 3, "b.mp3": 3, "c.png": b"c"}, "media_quota_exceeded"),
        ({"huge.mp3": 5, "c.png": b"c"}, "media_file_too_large"),
    ],
    ids=["allowance", "largest-file"],
)
def test_an_import_past_the_media_allowance_fails_and_changes_nothing(
    alice: ApiUser, tmp_path: Path, media: dict[str, int | bytes], code: str
) -> None:
    package = write_media_package(tmp_path / "media.apkg", tmp_path, media).read_bytes()
    before = _notes(alice)
    job = wait_for_job(alice, alice.ok(upload(alice, package), 202))
    assert job["status"] == "failed", job
    assert job["error"]["code"] == code, job
    assert "MiB" in job["error"]["message"]
    assert _notes(alice) == before
    assert_error(alice.get("/api/media/c.png"), 404)


def test_an_import_within_the_allowance_stores_its_media(alice: ApiUser, tmp_path: Path) -> None:
    package = write_media_package(tmp_path / "ok.apkg", tmp_path, {"a.mp3": 3, "c.png": b"c"})
    job = wait_for_job(alice, alice.ok(upload(alice, package.read_bytes()), 202))
    assert job["status"] == "done" and job["report"]["media_added"] == 2, job
    assert alice.get("/api/media/c.png").data == b"c"


def test_a_third_import_while_two_are_queued_or_running_answers_429(
    client: FlaskClient, alice: ApiUser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real_import = jobs.import_apkg

    def held_import(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(POLL_DEADLINE_SECONDS), "the test never let the import finish"
        return real_import(*args, **kwargs)

    monkeypatch.setattr(jobs, "import_apkg", held_import)
    package = write_media_package(tmp_path / "p.apkg", tmp_path, {"c.png": b"c"}).read_bytes()
    try:
        first = alice.ok(upload(alice, package), 202)
        second = alice.ok(upload(alice, package), 202)
        refused = upload(alice, package)
        error = assert_error(refused, 429, "too_many_imports")
        assert "at most 2" in error["message"]
        assert refused.headers["Retry-After"].isdigit()
        bob = register_and_login(client, "bob")
        bobs = bob.ok(upload(bob, package), 202)  # the cap is per user
    finally:
        release.set()
    for user, job in ((alice, first), (alice, second), (bob, bobs)):
        assert wait_for_job(user, job)["status"] == "done"
    deadline = time.monotonic() + POLL_DEADLINE_SECONDS
    while IMPORT_ADMISSION.in_flight(app_user_id(client, "alice")):
        assert time.monotonic() < deadline, "the finished jobs kept their places"
        time.sleep(0.01)
    assert wait_for_job(alice, alice.ok(upload(alice, package), 202))["status"] == "done"


def test_a_refused_upload_gives_its_place_back(alice: ApiUser) -> None:
    for _ in range(3):  # more than the cap of 2: each refusal released its place
        assert_error(alice.post("/api/import", {"file": "x"}), 422)
        assert_error(upload(alice, b""), 400, "invalid_package")
    assert IMPORT_ADMISSION.in_flight() == 0 and IMPORT_ADMISSION.held_bytes == 0


def app_user_id(client: FlaskClient, username: str) -> str:
    record = app_services(client.application).meta.get_user(username)  # type: ignore[arg-type]
    assert record is not None
    return record.user_id


def test_the_server_holds_a_bounded_amount_of_uploaded_packages(
    alice: ApiUser, tmp_path: Path
) -> None:
    too_big = os.urandom(9 * MiB)  # over the 8 MiB the server holds for all imports together
    assert_error(upload(alice, too_big), 413, "payload_too_large")
    held = IMPORT_ADMISSION.admit("someone-else", 7 * MiB, per_user=2, temp_bytes=8 * MiB)
    try:
        busy = upload(alice, os.urandom(2 * MiB))
        assert_error(busy, 503, "imports_busy")
        assert busy.headers["Retry-After"].isdigit()
    finally:
        held.release()
    assert IMPORT_ADMISSION.in_flight() == 0 and IMPORT_ADMISSION.held_bytes == 0


# ------------------------------------------------------------------ over real HTTP


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _peak_resident_bytes(pid: int) -> int:
    """The process's resident memory high-water mark (``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc/<pid>/status")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    env = {
        **os.environ,
        "JAVUMBO_DATA_DIR": str(tmp_path / "data"),
        "JAVUMBO_BACKEND": "embedded",
        "JAVUMBO_MEDIA_MAX_FILE_MB": "512",
    }
    env.pop("JWT_SECRET_KEY", None)
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "javumbo", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
        try:
            if requests.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, "javumbo serve did not answer /health in time"
        time.sleep(0.05)
    try:
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.mark.slow
def test_a_300_mib_media_file_imports_with_the_server_memory_bounded(
    served: tuple[str, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    """A ~5 MB package holding a 300 MiB media file: the server's peak resident memory grows by
    less than 64 MiB (holding the file whole, as the import did before, costs 300-600 MiB)."""
    url, proc = served
    package = write_media_package(tmp_path / "big.apkg", tmp_path, {"big.mp3": 300})
    assert package.stat().st_size < 10 * MiB
    http = requests.Session()
    credentials = {"username": "listener", "password": PASSWORD}
    assert http.post(f"{url}/register", json=credentials, timeout=10).status_code == 201
    token = http.post(f"{url}/login", json=credentials, timeout=10).json()["token"]
    http.headers["Authorization"] = f"Bearer {token}"
    assert http.get(f"{url}/api/decks", timeout=10).status_code == 200  # collection warm
    before = _peak_resident_bytes(proc.pid)

    with package.open("rb") as fh:
        started = http.post(f"{url}/api/import", files={"file": ("big.apkg", fh)}, timeout=60)
    assert started.status_code == 202, started.text
    job = started.json()
    deadline = time.monotonic() + 300
    while job["status"] == "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
        job = http.get(f"{url}/api/import/{job['job_id']}", timeout=10).json()
    assert job["status"] == "done" and job["report"]["media_added"] == 1, job

    growth = _peak_resident_bytes(proc.pid) - before
    assert growth < 64 * MiB, f"peak resident memory grew by {growth / MiB:.0f} MiB"
    stored = list((tmp_path / "data").rglob("big.mp3"))
    assert len(stored) == 1 and stored[0].stat().st_size == 300 * MiB
