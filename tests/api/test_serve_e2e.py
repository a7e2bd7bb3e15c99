"""End to end over real HTTP: ``javumbo serve`` in a subprocess on a free port with a temp data
folder; a learner registers, studies 20 of 30 cards in one session, flushes, and exports a
package that real Anki opens with all 20 reviews."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.api.conftest import PASSWORD
from tests.support import free_port, wait_for_http

START_DEADLINE_SECONDS = 30.0


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "JAVUMBO_DATA_DIR": str(tmp_path / "data"), "JAVUMBO_BACKEND": "embedded"}
    env.pop("JWT_SECRET_KEY", None)
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "javumbo", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(
            f"{url}/health", timeout=START_DEADLINE_SECONDS, ok=lambda s: s == 200, process=proc
        )
    except (TimeoutError, RuntimeError) as exc:
        pytest.fail(f"{exc}: {(tmp_path / 'serve.log').read_text()[-3000:]}")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_study_session_over_http_exports_to_anki(
    server: str,
    tmp_path: Path,
    anki_validate: Callable[..., tuple[int, dict[str, Any]]],
) -> None:
    http = requests.Session()
    credentials = {"username": "learner", "password": PASSWORD}
    assert http.post(f"{server}/register", json=credentials, timeout=10).status_code == 201
    token = http.post(f"{server}/login", json=credentials, timeout=10).json()["token"]
    http.headers["Authorization"] = f"Bearer {token}"

    session_id = http.post(f"{server}/api/session/start", timeout=10).json()["session_id"]
    http.headers["X-Session-ID"] = session_id
    deck = http.post(f"{server}/api/decks", json={"name": "E2E"}, timeout=10)
    assert deck.status_code == 201
    deck_id = deck.json()["id"]
    for index in range(30):
        card = {"deck_id": deck_id, "front": f"question {index}", "back": f"answer {index}"}
        assert http.post(f"{server}/api/cards", json=card, timeout=10).status_code == 201

    answered: set[int] = set()
    while len(answered) < 20:
        queue = http.get(f"{server}/api/review/{deck_id}", timeout=10)
        assert queue.status_code == 200 and queue.headers["X-Session-ID"] == session_id
        fresh = [c for c in queue.json()["cards"] if c["card_id"] not in answered]
        assert fresh, f"the queue ran dry after {len(answered)} answers"
        card = fresh[0]
        assert card["question"] and len(card["intervals"]) == 4
        answer = {"card_id": card["card_id"], "rating": 3, "time_ms": 3000}
        response = http.post(f"{server}/api/review", json=answer, timeout=10)
        assert response.status_code == 200, response.text
        answered.add(card["card_id"])

    flushed = http.post(f"{server}/api/session/flush", json={"session_id": session_id}, timeout=30)
    assert flushed.status_code == 200 and flushed.json()["status"] == "durable"

    export = http.get(f"{server}/api/export", timeout=60)
    assert export.status_code == 200
    path = tmp_path / "e2e.apkg"
    path.write_bytes(export.content)
    rc, verdict = anki_validate(path, expect={"notes": 30, "cards": 30, "revlog": 20})
    assert rc == 0, verdict
