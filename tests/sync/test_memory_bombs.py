"""Memory stays bounded under decompression bombs, on the real server: ``javumbo serve`` in a
subprocess, a zstd bomb (a few KB expanding to 256 MB) posted to every sync route before and
after login, a zip bomb as a media upload; every answer is a 4xx and the server's peak resident
memory (``VmHWM`` in ``/proc/<pid>/status``) ends less than 64 MB above its resident memory
before the first bomb."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import zstandard

from tests.sync.conftest import PASSWORD

MIB = 1024 * 1024
START_DEADLINE_SECONDS = 30.0
ALLOWED_GROWTH_BYTES = 64 * MIB
COLLECTION_METHODS = [
    "meta",
    "start",
    "applyGraves",
    "applyChanges",
    "chunk",
    "applyChunk",
    "sanityCheck2",
    "finish",
    "abort",
    "upload",
    "download",
]
MEDIA_METHODS = ["begin", "mediaChanges", "uploadChanges", "downloadFiles", "mediaSanity"]

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} for process {pid}")


def _reset_peak(pid: int) -> None:
    """Set the process's peak resident memory (``VmHWM``) to its current one (Linux >= 4.0)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    assert _memory_kib(pid, "VmHWM") <= _memory_kib(pid, "VmRSS") + 1024


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, int]]:
    port = _free_port()
    env = {**os.environ, "JAVUMBO_DATA_DIR": str(tmp_path / "data"), "JAVUMBO_BACKEND": "embedded"}
    env.pop("JWT_SECRET_KEY", None)
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "javumbo", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_DEADLINE_SECONDS
            while True:
                assert proc.poll() is None, log_path.read_text()[-3000:]
                try:
                    if requests.get(f"{url}/health", timeout=1).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                assert time.monotonic() < deadline, "javumbo serve did not answer in time"
                time.sleep(0.05)
            yield url, proc.pid
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def _post(url: str, path: str, body: bytes, key: str = "") -> requests.Response:
    header = json.dumps({"v": 11, "k": key, "c": "bomb-test", "s": "bomb"})
    return requests.post(
        f"{url}{path}",
        data=body,
        headers={"anki-sync": header, "Content-Type": "application/octet-stream"},
        timeout=120,
    )


def _zip_bomb() -> bytes:
    """A media upload (zstd-compressed as Anki sends it) whose one entry inflates to 256 MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("0", "w", force_zip64=True) as entry:
            block = b"\0" * MIB
            for _ in range(256):
                entry.write(block)
        zf.writestr("_meta", json.dumps([["bomb.png", "0"]]))
    return zstandard.ZstdCompressor().compress(out.getvalue())


@pytest.mark.slow
def test_decompression_bombs_leave_memory_bounded(served: tuple[str, int]) -> None:
    url, pid = served
    credentials = {"username": "bomber", "password": PASSWORD}
    assert requests.post(f"{url}/register", json=credentials, timeout=30).status_code == 201
    login = zstandard.ZstdCompressor().compress(json.dumps({"u": "bomber", "p": PASSWORD}).encode())
    answer = _post(url, "/sync/hostKey", login)
    assert answer.status_code == 200
    key = json.loads(zstandard.ZstdDecompressor().decompressobj().decompress(answer.content))["key"]
    bomb = zstandard.ZstdCompressor(level=19).compress(b"\0" * (256 * MIB))
    assert len(bomb) < 16 * 1024
    zip_bomb = _zip_bomb()

    # The login's argon2 check alone peaks at 64 MiB; measure the bombs' peak only.
    _reset_peak(pid)
    before = _memory_kib(pid, "VmRSS") * 1024
    answers: dict[str, int] = {}
    # Before login: the login itself, and calls with a key that is not one.
    answers["hostKey"] = _post(url, "/sync/hostKey", bomb).status_code
    for method in ("meta", "upload", "applyChunk"):
        answers[f"{method} (bad key)"] = _post(url, f"/sync/{method}", bomb, "nope").status_code
    answers["begin (bad key)"] = _post(url, "/msync/begin", bomb, "nope").status_code
    # A logged-in user, on every route.
    for method in COLLECTION_METHODS:
        answers[method] = _post(url, f"/sync/{method}", bomb, key).status_code
    for method in MEDIA_METHODS:
        answers[f"msync/{method}"] = _post(url, f"/msync/{method}", bomb, key).status_code
    answers["uploadChanges (zip bomb)"] = _post(
        url, "/msync/uploadChanges", zip_bomb, key
    ).status_code
    peak = _memory_kib(pid, "VmHWM") * 1024

    growth = peak - before
    assert growth < ALLOWED_GROWTH_BYTES, f"resident memory grew by {growth / MIB:.0f} MB"
    not_refused = {route: status for route, status in answers.items() if not 400 <= status < 500}
    assert not_refused == {}
    assert requests.get(f"{url}/health", timeout=10).status_code == 200
