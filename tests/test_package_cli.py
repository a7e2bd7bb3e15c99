"""``javumbo import`` / ``javumbo export`` run as real subprocesses."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from javumbo.collection import Collection
from javumbo.ops.progress import TerminalProgress


def javumbo(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "javumbo", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_error(out: subprocess.CompletedProcess[str], text: str) -> None:
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("javumbo: error:"), out.stderr
    assert text in lines[0]


def _dump(path: Path) -> list[str]:
    """The collection's content (opening a file rewrites its header's change counter)."""
    db = sqlite3.connect(path)
    try:
        return list(db.iterdump())
    finally:
        db.close()


def _note_count(path: Path) -> int:
    col = Collection.open(path)
    try:
        return int(col.db.execute("select count() from notes").fetchone()[0])
    finally:
        col.close()


def test_import_creates_collection_and_media_then_is_idempotent(
    tmp_path: Path, anki_fixtures: Path
) -> None:
    target = tmp_path / "mine.anki2"
    out = javumbo("import", "--collection", target, anki_fixtures / "sample_current.apkg")
    assert out.returncode == 0, out.stderr
    assert "18 added" in out.stdout
    assert sorted(p.name for p in (tmp_path / "mine.media").iterdir()) == [
        "bandera_españa.png",
        "cell.png",
    ]
    again = javumbo("import", "--collection", target, anki_fixtures / "sample_current.apkg")
    assert again.returncode == 0 and "0 added" in again.stdout
    assert _note_count(target) == 18


def test_import_without_scheduling(tmp_path: Path, anki_fixtures: Path) -> None:
    target = tmp_path / "c.anki2"
    out = javumbo(
        "import",
        "--collection",
        target,
        "--no-scheduling",
        anki_fixtures / "sample_legacy_anki2.apkg",
    )
    assert out.returncode == 0, out.stderr
    assert "0 reviews" in out.stdout


def test_export_formats_and_options(tmp_path: Path, anki_fixtures: Path) -> None:
    target = tmp_path / "c.anki2"
    assert (
        javumbo("import", "--collection", target, anki_fixtures / "sample_current.apkg").returncode
        == 0
    )

    deck = javumbo("export", "--collection", target, tmp_path / "lang.apkg", "--deck", "Lang")
    assert deck.returncode == 0, deck.stderr
    assert "6 notes" in deck.stdout
    bare = javumbo(
        "export", "--collection", target, tmp_path / "bare.apkg", "--no-scheduling", "--no-media"
    )
    assert bare.returncode == 0, bare.stderr
    with zipfile.ZipFile(tmp_path / "bare.apkg") as zf:
        assert json.loads(zf.read("media")) == {}
    whole = javumbo("export", "--collection", target, tmp_path / "all.colpkg")
    assert whole.returncode == 0 and "18 notes" in whole.stdout

    restored = tmp_path / "restored.anki2"
    assert javumbo("import", "--collection", restored, tmp_path / "all.colpkg").returncode == 0
    assert _note_count(restored) == 18


def test_export_in_the_current_layout(
    tmp_path: Path,
    anki_fixtures: Path,
    anki_validate: Callable[..., tuple[int, dict[str, Any]]],
) -> None:
    target = tmp_path / "c.anki2"
    javumbo("import", "--collection", target, anki_fixtures / "sample_current.apkg")
    expect = json.loads((anki_fixtures / "sample.expect.json").read_text())

    for name in ("current.apkg", "current.colpkg"):
        out = javumbo("export", "--collection", target, tmp_path / name, "--layout", "current")
        assert out.returncode == 0, out.stderr
        assert "18 notes" in out.stdout and "2 media files" in out.stdout
        with zipfile.ZipFile(tmp_path / name) as zf:
            assert zf.namelist()[:3] == ["meta", "collection.anki21b", "collection.anki2"]
        rc, verdict = anki_validate(tmp_path / name, strict=True, expect=expect)
        assert rc == 0, verdict["problems"] + verdict["warnings"]
        assert verdict["file_info"]["meta_version"] == "VERSION_LATEST"

    legacy = javumbo("export", "--collection", target, tmp_path / "legacy.apkg")
    assert legacy.returncode == 0, legacy.stderr
    with zipfile.ZipFile(tmp_path / "legacy.apkg") as zf:
        assert "meta" not in zf.namelist() and "collection.anki2" in zf.namelist()

    bad = javumbo("export", "--collection", target, tmp_path / "bad.apkg", "--layout", "newest")
    assert bad.returncode == 2
    assert "--layout: invalid choice: 'newest'" in bad.stderr
    assert "legacy" in bad.stderr and "current" in bad.stderr
    assert not (tmp_path / "bad.apkg").exists()


def test_failures_are_one_line_and_change_nothing(tmp_path: Path, anki_fixtures: Path) -> None:
    target = tmp_path / "c.anki2"
    javumbo("import", "--collection", target, anki_fixtures / "sample_current.apkg")
    before = _dump(target)

    assert_one_line_error(
        javumbo("import", "--collection", target, anki_fixtures / "broken" / "truncated.apkg"),
        "not a zip file",
    )
    assert_one_line_error(
        javumbo("import", "--collection", target, anki_fixtures / "sample_legacy.colpkg"),
        "--replace",
    )
    assert_one_line_error(
        javumbo("import", "--collection", target, tmp_path / "nothing.apkg"), "no package"
    )
    assert_one_line_error(
        javumbo("export", "--collection", target, tmp_path / "x.zip"), "expected a .apkg or .colpkg"
    )
    assert_one_line_error(
        javumbo("export", "--collection", target, tmp_path / "x.apkg", "--deck", "Nope"),
        "no deck named 'Nope'",
    )
    assert _dump(target) == before
    replaced = javumbo(
        "import", "--collection", target, "--replace", anki_fixtures / "sample_legacy.colpkg"
    )
    assert replaced.returncode == 0, replaced.stderr
    assert _note_count(target) == 18


def test_progress_bar_draws_on_a_stream() -> None:
    stream = io.StringIO()
    with TerminalProgress("import", stream=stream, enabled=True) as bar:
        bar(5, 10, "notes")
        bar(10, 10, "notes")
    text = stream.getvalue()
    assert "import notes" in text and "100%" in text and text.endswith("\n")
    silent = io.StringIO()
    with TerminalProgress("import", stream=silent) as bar:  # not a terminal: nothing drawn
        bar(1, 2, "notes")
    assert silent.getvalue() == ""
