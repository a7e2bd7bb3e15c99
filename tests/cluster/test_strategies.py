"""``javumbo loadtest --strategy``: the setting reaches the cluster's instances. With the seed's
week-1 plan every write uploads the collection, which the counting proxy sees on the wire."""

from __future__ import annotations

import pytest

from javumbo.cluster.loadtest import LoadTestConfig, report_ok, run_loadtest
from tests.cluster.test_loadtest import app_under_test


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_per_request_strategy_uploads_on_every_write() -> None:
    cards = 3
    report = run_loadtest(
        LoadTestConfig(
            instances=1,
            users=1,
            cards=cards,
            strategy="per-request",
            deadline_seconds=120,
            **app_under_test(),
        )
    )
    assert report["config"]["strategy"] == "per-request"
    assert report_ok(report), report["integrity_problems"]
    assert report["acknowledged"] == cards
    writes = 1 + cards + report["acknowledged"]  # the deck, the cards, the answers
    assert report["s3"]["put"] >= writes
    assert report["s3"]["get"] >= writes
