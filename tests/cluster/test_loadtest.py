"""The load test end to end, with chaos: 3 instances, 3 users × 10 answers while instances are
killed, frozen past the session TTL and cut off from the emulator. Fails on any lost or
duplicated answer. Plus the integrity comparison itself, which must catch both."""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from javumbo.cluster.loadtest import (
    LoadTestConfig,
    UserOutcome,
    compare_revlog,
    format_report,
    report_ok,
    run_loadtest,
)

REPO = Path(__file__).resolve().parents[2]
REQUIRED_ROUTES = {"/register", "/login", "/api/session/start", "/api/review", "/api/cards"}


def real_api_has_routes() -> bool:
    from javumbo.api.app import create_app
    from javumbo.settings import Settings

    with tempfile.TemporaryDirectory() as data_dir:
        try:
            app = create_app(Settings(data_dir=Path(data_dir)))
        except Exception:
            return False
    routes = {rule.rule for rule in app.url_map.iter_rules()}
    return routes >= REQUIRED_ROUTES


def app_under_test() -> dict[str, Any]:
    """The real ``javumbo serve`` once the API has the load test's routes, else the stand-in
    API (same shapes, same storage engine) from this folder."""
    if real_api_has_routes():
        return {}
    return {
        "app_module": "tests.cluster.standin_api",
        "app_args": (),
        "extra_env": {"PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])},
    }


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_chaos_run_loses_and_duplicates_nothing() -> None:
    config = LoadTestConfig(
        instances=3,
        users=3,
        cards=10,
        chaos=True,
        seed=11,
        deadline_seconds=150,
        **app_under_test(),
    )
    report = run_loadtest(config)
    summary = format_report(report)
    assert report["lost"] == 0, summary
    assert report["duplicated"] == 0, summary
    assert report_ok(report)
    assert report["users_failed"] == {}, summary
    assert report["acknowledged"] == report["sent"] == 30, summary
    assert report["revlog_rows"] == 30, summary
    kinds = Counter(fault["kind"] for fault in report["chaos"]["faults"])
    assert {"kill", "freeze", "outage"} <= set(kinds), summary
    assert sum(report["restarts"].values()) >= 1, summary
    assert report["s3"]["get"] >= 1 and report["dynamodb"]["write"] >= 30, summary
    assert report["latency_ms"]["p50"] is not None


def outcome(sent: dict[int, int], acknowledged: dict[int, int]) -> UserOutcome:
    return UserOutcome("u", sent=Counter(sent), acknowledged=Counter(acknowledged))


def test_compare_revlog_finds_lost_answers() -> None:
    lost, duplicated = compare_revlog(outcome({1: 1, 2: 1}, {1: 1, 2: 1}), Counter({1: 1}))
    assert lost == [2] and duplicated == {}


def test_compare_revlog_finds_duplicates() -> None:
    lost, duplicated = compare_revlog(outcome({1: 1}, {1: 1}), Counter({1: 2, 9: 1}))
    assert lost == [] and duplicated == {1: 1, 9: 1}


def test_compare_revlog_accepts_unknown_outcomes_applied_or_not() -> None:
    unacknowledged = outcome({1: 1, 2: 1}, {})
    assert compare_revlog(unacknowledged, Counter({1: 1})) == ([], {})
    assert compare_revlog(unacknowledged, Counter()) == ([], {})
