"""Static security checks of the Terraform with checkov: every finding fixed or justified."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.infra.conftest import INFRA, REPO

CHECKOV = Path(os.environ.get("JAVUMBO_CHECKOV", REPO / ".venv-checkov" / "bin" / "checkov"))


@pytest.fixture(scope="module")
def checkov_report() -> list[dict[str, object]]:
    if not CHECKOV.exists():
        message = f"checkov not installed at {CHECKOV} (make test installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    proc = subprocess.run(
        [str(CHECKOV), "--skip-download", "-d", str(INFRA), "--compact", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    parsed = json.loads(proc.stdout)
    return parsed if isinstance(parsed, list) else [parsed]


def test_no_failed_checks(checkov_report: list[dict[str, object]]) -> None:
    failed = [
        f"{check['check_id']} {check['resource']}"
        for run in checkov_report
        for check in run["results"]["failed_checks"]  # type: ignore[index]
    ]
    assert failed == []


def test_every_skip_says_why(checkov_report: list[dict[str, object]]) -> None:
    skipped = [c for run in checkov_report for c in run["results"]["skipped_checks"]]  # type: ignore[index]
    assert skipped, "expected the justified skips to be reported"
    unexplained = [
        f"{c['check_id']} {c['resource']}"
        for c in skipped
        if len(str(c["check_result"].get("suppress_comment") or "").strip()) < 15
    ]
    assert unexplained == []
