"""The ``javumbo`` command line, run as a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


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
