"""The edge of ``javumbo serve``, over real HTTP against the real server in a subprocess: weak
secrets refused at start, preflights and CORS on every operation, the client address from
trusted proxies only, the body limit, and file modes whatever the umask."""

from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from javumbo.api.app import MAX_UPLOAD_BYTES
from javumbo.api.cors import ALLOWED_HEADERS, ALLOWED_METHODS, EXPOSED_HEADERS
from javumbo.api.webapp import CONTENT_SECURITY_POLICY
from tests.api.conftest import PASSWORD

START_DEADLINE_SECONDS = 30.0
WEB_ORIGIN = "https://flash.example.org"
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Served:
    url: str
    data: Path
    proc: subprocess.Popen[bytes]


def serve_env(data: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, "JAVUMBO_DATA_DIR": str(data), "JAVUMBO_BACKEND": "embedded"}
    env.pop("JWT_SECRET_KEY", None)
    env.update(extra)
    return env


def serve_command(port: int) -> list[str]:
    return [sys.executable, "-m", "javumbo", "serve", "--host", "127.0.0.1", "--port", str(port)]


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    started: list[Served] = []

    def launch(env: dict[str, str] | None = None, umask: int = 0o022) -> Served:
        port = free_port()
        data = tmp_path / f"data{len(started)}"
        log_path = tmp_path / f"serve{len(started)}.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                serve_command(port),
                env=serve_env(data, env or {}),
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=lambda: os.umask(umask),
            )
        served = Served(f"http://127.0.0.1:{port}", data, proc)
        started.append(served)
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while True:
            assert proc.poll() is None, log_path.read_text()[-3000:]
            try:
                if requests.get(f"{served.url}/health", timeout=1).status_code == 200:
                    return served
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "javumbo serve did not answer /health in time"
            time.sleep(0.05)

    yield launch
    for served in started:
        served.proc.terminate()
        served.proc.wait(timeout=20)


def test_a_short_jwt_secret_is_refused_at_start(tmp_path: Path) -> None:
    """Without the check ``JWT_SECRET_KEY=a`` started the server, and a token forged with
    that secret read data."""
    result = subprocess.run(
        serve_command(free_port()),
        env=serve_env(tmp_path / "data", {"JWT_SECRET_KEY": "a"}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "JWT_SECRET_KEY must be at least 32 bytes" in result.stderr
    assert "Traceback" not in result.stderr


def documented_operations(url: str) -> list[tuple[str, str]]:
    spec = requests.get(f"{url}/api/openapi.json", timeout=10).json()
    found = []
    for path, operations in spec["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        found += [(method.upper(), concrete) for method in operations if method != "parameters"]
    return found


def test_preflight_on_every_documented_operation(start: Callable[..., Served]) -> None:
    """Without the fix, OPTIONS on 21 ``/api`` operations answered 500 (the token check ran on
    the preflight)."""
    served = start({"JAVUMBO_CORS_ORIGINS": f"{WEB_ORIGIN}, http://localhost:5173"})
    operations = documented_operations(served.url)
    assert len(operations) > 20
    for method, path in operations:
        plain = requests.options(f"{served.url}{path}", timeout=10)
        assert plain.status_code == 204, (path, plain.status_code, plain.text[:200])
        assert "Access-Control-Allow-Origin" not in plain.headers
        preflight = requests.options(
            f"{served.url}{path}",
            headers={
                "Origin": WEB_ORIGIN,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "authorization, content-type",
            },
            timeout=10,
        )
        assert preflight.status_code == 204, (path, preflight.status_code)
        assert preflight.headers["Access-Control-Allow-Origin"] == WEB_ORIGIN
        assert method in preflight.headers["Access-Control-Allow-Methods"]
        assert "authorization" in preflight.headers["Access-Control-Allow-Headers"]
        stranger = requests.options(
            f"{served.url}{path}", headers={"Origin": "https://evil.example"}, timeout=10
        )
        assert stranger.status_code == 204
        assert "Access-Control-Allow-Origin" not in stranger.headers
    answer = requests.get(f"{served.url}/api/server-info", headers={"Origin": WEB_ORIGIN})
    assert answer.headers["Access-Control-Allow-Origin"] == WEB_ORIGIN
    assert "x-session-id" in answer.headers["Access-Control-Expose-Headers"]
    assert "Origin" in answer.headers["Vary"]


def test_cors_rules_match_what_infra_sets_on_api_gateway() -> None:
    terraform = (REPO / "infra" / "api.tf").read_text()

    def listed(name: str) -> list[str]:
        match = re.search(rf"{name}\s*=\s*\[([^\]]*)\]", terraform)
        assert match, name
        return re.findall(r'"([^"]+)"', match.group(1))

    assert listed("allow_methods") == list(ALLOWED_METHODS)
    assert listed("allow_headers") == list(ALLOWED_HEADERS)
    assert listed("expose_headers") == list(EXPOSED_HEADERS)


def fail_logins(url: str, forwarded_for: str, times: int) -> list[int]:
    body = {"username": "victim", "password": "a wrong guess"}
    return [
        requests.post(
            f"{url}/login", json=body, headers={"X-Forwarded-For": forwarded_for}, timeout=10
        ).status_code
        for _ in range(times)
    ]


def owner_login(url: str, forwarded_for: str) -> int:
    body = {"username": "victim", "password": PASSWORD}
    headers = {"X-Forwarded-For": forwarded_for}
    return requests.post(f"{url}/login", json=body, headers=headers, timeout=10).status_code


@pytest.mark.parametrize("trusted", [False, True])
def test_the_client_address_comes_from_trusted_proxies_only(
    start: Callable[..., Served], trusted: bool
) -> None:
    """Behind one trusted proxy, a stranger's failures lock only the stranger's address; with no
    proxy configured, X-Forwarded-For is the client's own claim and is ignored (else anyone
    could spread guesses over made-up addresses)."""
    served = start({"JAVUMBO_TRUSTED_PROXIES": "1"} if trusted else {})
    credentials = {"username": "victim", "password": PASSWORD}
    assert requests.post(f"{served.url}/register", json=credentials, timeout=10).status_code == 201
    assert fail_logins(served.url, "203.0.113.7", 6)[-1] == 429
    owner = owner_login(served.url, "198.51.100.20")
    assert owner == (200 if trusted else 429)


def test_waitress_refuses_a_body_larger_than_any_route_takes(
    start: Callable[..., Served],
) -> None:
    """Without the limit waitress accepted up to 1 GiB and spooled it to disk first: here it
    would wait for the announced body instead of answering."""
    served = start()
    largest = requests.get(f"{served.url}/health", timeout=10)
    assert largest.status_code == 200
    too_big = 1024**3 - 1
    host, port = served.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /api/import HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
            + f"Content-Length: {too_big}\r\n\r\n".encode()
        )
        status_line = sock.recv(200).split(b"\r\n", 1)[0]
    assert b" 413 " in status_line, status_line
    # A body of the size the import route takes is still let through to the app (which then
    # answers 401: no token), not cut off by the server.
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /api/import HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
            + f"Content-Length: {MAX_UPLOAD_BYTES}\r\n\r\n".encode()
            + b"x" * 1024
        )
        sock.shutdown(socket.SHUT_WR)
        answer = sock.recv(200).split(b"\r\n", 1)[0]
    assert b" 413 " not in answer, answer


def test_the_data_folder_is_private_whatever_the_umask(start: Callable[..., Served]) -> None:
    """Without the fix meta.sqlite3 (password hashes) and cached collections were 0644."""
    served = start(umask=0o022)
    http = requests.Session()
    credentials = {"username": "private", "password": PASSWORD}
    assert http.post(f"{served.url}/register", json=credentials, timeout=10).status_code == 201
    token = http.post(f"{served.url}/login", json=credentials, timeout=10).json()["token"]
    http.headers["Authorization"] = f"Bearer {token}"
    http.post(f"{served.url}/api/session/start", timeout=10)
    deck = http.post(f"{served.url}/api/decks", json={"name": "Mine"}, timeout=10).json()
    card = {"deck_id": deck["id"], "front": "f", "back": "b"}
    assert http.post(f"{served.url}/api/cards", json=card, timeout=10).status_code == 201
    assert http.post(f"{served.url}/api/session/flush", timeout=10).status_code == 200
    paths = [served.data, *served.data.rglob("*")]
    names = {p.name for p in paths}
    assert {"meta.sqlite3", "jwt_secret", "cache", "blobs", "tmp"} <= names
    assert any(p.suffix in (".anki2", ".zst") for p in paths)
    loose = [
        (str(p.relative_to(served.data)), oct(stat.S_IMODE(p.stat().st_mode)))
        for p in paths
        if stat.S_IMODE(p.stat().st_mode) & 0o077
    ]
    assert loose == []
    assert stat.S_IMODE(served.data.stat().st_mode) == 0o700


def test_api_docs_come_from_the_app_and_work_offline(start: Callable[..., Served]) -> None:
    """Without the fix /api/docs loaded unpinned scripts from a public CDN (on the origin that
    holds the refresh token) and was a blank page offline. Real Chromium, every request that
    leaves the server refused, the web app's CSP enforced: the operations must render."""
    chromium = Path(os.environ.get("JAVUMBO_CHROMIUM", "/usr/bin/chromium"))
    if not chromium.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{chromium} is missing (make chromium installs it)")
        pytest.skip(f"{chromium} is missing")
    from playwright.sync_api import sync_playwright

    served = start()
    page_answer = requests.get(f"{served.url}/api/docs", timeout=10)
    assert page_answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "http" not in page_answer.text  # every URL relative to the app itself
    outside: list[str] = []
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()

            def only_the_app(route: Any) -> None:
                if route.request.url.startswith(served.url):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            page.route("**/*", only_the_app)
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.goto(f"{served.url}/api/docs")
            page.wait_for_selector(".opblock", timeout=30_000)
            assert page.locator(".opblock").count() > 20
            assert "Javumbo API" in page.locator(".title").first.inner_text()
        finally:
            browser.close()
    assert outside == []
    assert problems == []
