"""The ``javumbo`` command line, run as a real subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import ANKI_FIXTURES


def javumbo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "javumbo", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_help_lists_commands() -> None:
    out = javumbo("--help")
    assert out.returncode == 0
    for command in ("serve", "new"):
        assert command in out.stdout


def test_new_creates_a_collection_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "c.anki2"
    first = javumbo("new", "--collection", str(target))
    assert first.returncode == 0, first.stderr
    assert target.stat().st_size > 0
    second = javumbo("new", "--collection", str(target))
    assert second.returncode == 1
    assert second.stderr.startswith("javumbo: error:")
    assert len(second.stderr.strip().splitlines()) == 1


def test_new_creates_missing_folders_as_import_and_export_do(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "folder" / "c.anki2"
    out = javumbo("new", "--collection", str(target))
    assert out.returncode == 0, out.stderr
    assert target.stat().st_size > 0


def test_new_where_no_file_can_be_made_fails_in_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for args in (
        ("new", "--collection", str(blocker / "c.anki2")),
        (
            "import",
            "--collection",
            str(blocker / "c.anki2"),
            str(ANKI_FIXTURES / "sample_current.apkg"),
        ),
    ):
        out = javumbo(*args)
        assert out.returncode == 1, out.stderr
        assert out.stderr.startswith("javumbo: error: cannot create"), out.stderr
        assert len(out.stderr.strip().splitlines()) == 1
    collection = tmp_path / "c.anki2"
    assert javumbo("new", "--collection", str(collection)).returncode == 0
    out = javumbo("export", "--collection", str(collection), str(blocker / "out.apkg"))
    assert out.returncode == 1, out.stderr
    assert out.stderr.startswith("javumbo: error: "), out.stderr
    assert str(blocker) in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert blocker.read_text() == "not a folder"


def test_serve_on_a_busy_port_fails_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = subprocess.run(
            [sys.executable, "-m", "javumbo", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "JAVUMBO_DATA_DIR": str(tmp_path / "data")},
        )
    assert out.returncode == 1, out.stderr
    assert out.stderr.startswith(f"javumbo: error: cannot serve on 127.0.0.1:{port}"), out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
