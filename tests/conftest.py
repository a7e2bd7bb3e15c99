"""Fixtures shared by the whole suite: paths to ``../shared`` and real Anki as the referee."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# The S3/DynamoDB emulators and fake AWS credentials, as fixtures for every folder.
pytest_plugins = ["tests.plugins.aws"]

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("JAVUMBO_SHARED_DIR", REPO.parent / "shared"))
ANKI_FIXTURES = SHARED / "fixtures" / "anki"
VALIDATOR = ANKI_FIXTURES / "validate_export.py"

AnkiVerdict = dict[str, Any]


@pytest.fixture(scope="session")
def anki_fixtures() -> Path:
    if not ANKI_FIXTURES.is_dir():
        pytest.fail(f"shared Anki fixtures not found at {ANKI_FIXTURES} (set JAVUMBO_SHARED_DIR)")
    return ANKI_FIXTURES


def run_anki_validator(
    path: Path, *, strict: bool = True, expect: dict[str, Any] | None = None
) -> tuple[int, AnkiVerdict]:
    """Real Anki's verdict on ``path``: (exit status, parsed JSON report)."""
    args = [sys.executable, str(VALIDATOR), str(path), "--compact"]
    if strict:
        args.append("--strict")
    if expect is not None:
        expect_file = path.with_suffix(path.suffix + ".expect.json")
        expect_file.write_text(json.dumps(expect))
        args += ["--expect-json", str(expect_file)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    try:
        report: AnkiVerdict = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"validator printed no JSON (rc {proc.returncode}): {proc.stderr[-2000:]}")
    return proc.returncode, report


@pytest.fixture(scope="session")
def anki_validate() -> Callable[..., tuple[int, AnkiVerdict]]:
    return run_anki_validator
