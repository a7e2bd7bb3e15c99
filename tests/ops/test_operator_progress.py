"""Progress of the long operator commands: a bar on stderr when asked for (or on a terminal),
nothing at all when stderr is not a terminal (logs and pipes stay clean)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from javumbo.cli import main
from javumbo.ops.progress import TerminalProgress
from javumbo.ops.user_collections import operator_databases
from javumbo.stores.ports import UserRecord
from tests.ops.conftest import Target
from tests.ops.test_backup_restore import adder


def test_backup_and_restore_show_progress_only_when_asked(
    target: Target,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("JAVUMBO_BACKEND", "embedded")
    monkeypatch.setenv("JAVUMBO_DATA_DIR", str(target.settings.data_dir))
    target.meta.create_user(UserRecord("alice", "uid-alice", "$argon2id$x", 1.0))
    with operator_databases(target.settings, target.blobs, target.meta) as engine:
        engine.write("uid-alice", adder("kept"))
    out = tmp_path / "backup"
    assert main(["backup", "--user", "alice", str(out)]) == 0
    assert capsys.readouterr().err == ""  # captured stderr is no terminal: no bar
    assert main(["backup", "--user", "alice", str(out), "--progress", "always"]) == 0
    err = capsys.readouterr().err
    assert "backup done" in err and "100%" in err
    assert main(["restore", "--user", "alice", str(out), "--progress", "always"]) == 0
    captured = capsys.readouterr()
    assert "restored alice" in captured.out
    assert "restore done" in captured.err and "3/3" in captured.err
    assert main(["restore", "--user", "alice", str(out), "--progress", "never"]) == 0
    assert capsys.readouterr().err == ""


def test_a_terminal_gets_the_bar_and_a_pipe_does_not() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        with TerminalProgress("import", stream=stream) as bar:
            bar(3, 3, "media")
            bar.note("a line above the bar")
    assert "import media" in terminal.getvalue() and "a line above" in terminal.getvalue()
    assert pipe.getvalue() == ""
