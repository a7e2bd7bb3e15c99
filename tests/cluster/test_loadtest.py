"""The load test on the local cluster end to end, with chaos: 3 instances, 3 users × 10 answers
while instances are killed, frozen past the session TTL and cut off from the emulator. Fails on
any lost or duplicated answer."""

from __future__ import annotations

from collections import Counter

import pytest

from javumbo.loadtest.report import report_ok
from javumbo_testbed.cluster_load import LoadTestConfig, format_report, run_loadtest


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
