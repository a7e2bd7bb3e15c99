"""A throwaway PostgreSQL server on 127.0.0.1, from Debian's package, for the tests.

``start_postgres()`` makes a cluster with ``initdb`` in a temporary folder and runs ``postgres``
on a free port as a child process; it returns ``(url, stop)``. PostgreSQL refuses to run as
root, so when the tests run as root (CI does) the server runs as the ``postgres`` user that
Debian's package creates. ``make postgresql`` (part of ``make test``) installs it when missing;
``PostgresUnavailable`` says why no server can start here (tests skip with that reason).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg

from tests.support import free_port, wait_until

START_DEADLINE_SECONDS = 60.0
STOP_DEADLINE_SECONDS = 30.0
SERVER_USER = "postgres"

Stop = Callable[[], None]


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries, or no user it may run as."""


def server_binaries() -> Path:
    """The newest ``/usr/lib/postgresql/<major>/bin`` that has ``initdb`` and ``postgres``."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
        reverse=True,
    )
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "postgres").is_file():
            return bindir
    raise PostgresUnavailable(
        "PostgreSQL server not installed (apt-get install postgresql; make postgresql does)"
    )


def _run_as() -> str | None:
    """The user the server runs as: ``postgres`` when we are root, else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError as exc:
        raise PostgresUnavailable(f"running as root and there is no {SERVER_USER!r} user") from exc
    return SERVER_USER


def start_postgres() -> tuple[str, Stop]:
    """A new cluster on a free port; the URL names its ``postgres`` database, user ``postgres``
    with trust authentication (only 127.0.0.1 and a private socket folder)."""
    bindir = server_binaries()
    user = _run_as()
    root = Path(tempfile.mkdtemp(prefix="javumbo-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if user is not None:
        entry = pwd.getpwnam(user)
        for path in (root, sockets):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    subprocess.run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
        user=user,
        cwd=root,
    )
    port = free_port()
    log = (root / "server.log").open("wb")
    server = subprocess.Popen(
        [
            str(bindir / "postgres"),
            "-D",
            str(data),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-k",
            str(sockets),
            # A test server: durability against an OS crash is not what the tests check.
            "-c",
            "fsync=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=200",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        user=user,
        cwd=root,
    )
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def stop() -> None:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)  # fast shutdown
            try:
                server.wait(timeout=STOP_DEADLINE_SECONDS)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log.close()
        shutil.rmtree(root, ignore_errors=True)

    try:
        _wait_until_ready(url, server, root / "server.log")
    except BaseException:
        stop()
        raise
    return url, stop


def create_database(server_url: str, prefix: str = "t") -> str:
    """A new empty database on the server; its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def _wait_until_ready(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    def accepts_connections() -> bool:
        if server.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise PostgresUnavailable(f"postgres exited with {server.returncode}: {tail}")
        try:
            with contextlib.closing(psycopg.connect(url, connect_timeout=2)):
                return True
        except psycopg.OperationalError:
            return False

    wait_until(accepts_connections, timeout=START_DEADLINE_SECONDS, what="postgres to accept")
