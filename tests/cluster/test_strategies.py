"""``javumbo-testbed loadtest --strategy``: the setting reaches the cluster's instances. With
``per-request`` (download and upload the collection on every request) every write uploads the
collection, which the counting proxy sees on the wire."""

from __future__ import annotations

import pytest

from javumbo.loadtest.report import report_ok
from javumbo_testbed.cluster_load import LoadTestConfig, run_loadtest


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
        )
    )
    assert report["config"]["strategy"] == "per-request"
    assert report_ok(report), report["integrity_problems"]
    assert report["acknowledged"] == cards
    writes = 1 + cards + report["acknowledged"]  # the deck, the cards, the answers
    assert report["s3"]["put"] >= writes
    assert report["s3"]["get"] >= writes
