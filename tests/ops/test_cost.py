"""The cost model's arithmetic, checked against numbers worked out by hand.

100 users x 20 reviews/day x 30 days, one session a day each: 3,000 sessions, 60,000 reviews,
3,000 x 4 + 60,000 x 2 = 132,000 requests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from javumbo.cli import main
from javumbo.ops.cost import (
    Bill,
    CostModelError,
    Workload,
    compute_bill,
    format_bill,
    load_prices,
    workload_from_loadtest,
)


def line(bill: Bill, service: str, item: str) -> tuple[float, float, float]:
    for entry in bill.lines:
        if entry.service == service and entry.item == item:
            return entry.quantity, entry.list_cost, entry.after_free_tier
    raise AssertionError(f"no line {service} {item}")


def test_default_workload_matches_hand_computed_bill() -> None:
    prices = load_prices()
    assert prices["as_of"] and prices["region"] == "us-east-1"
    bill = compute_bill(Workload(), prices)
    assert Workload().requests == 132_000

    approx = pytest.approx
    # 132,000 requests x 0.12 s x 1 GB = 15,840 GB-s at $0.0000166667
    assert line(bill, "Lambda", "compute") == approx((15_840, 0.264000528, 0.0))
    assert line(bill, "Lambda", "requests") == approx((0.132, 0.0264, 0.0))
    # 0.5 GB of /tmp above the free 512 MB for the same 15,840 s: 7,920 GB-s at $3.09e-8
    assert line(bill, "Lambda", "/tmp above 512 MB")[1] == approx(0.000244728)
    assert line(bill, "API Gateway", "HTTP API requests")[1] == approx(0.132)
    assert line(bill, "S3", "GET")[1] == approx(0.0012)  # 3,000 x $0.0004/1000
    # 10,000-note collections: a 1.25 MB snapshot, whose byte bound (a quarter: 312,500 B of
    # 500 B answers) comes before 1,000 entries: an upload every 625 answers, 96 a month
    assert line(bill, "S3", "PUT")[1] == approx(60_000 / (312_500 / 500) * 0.005 / 1000)
    # 3 bases kept; a compaction's delta (625 answers x 2,200 B) would pass the base's size, so
    # it is capped at it and the chain is one delta long: half of it stored on average
    delta = min(1_250_000, 312_500 / 500 * 2_200)
    stored_mb = 100 * (3 * 1_250_000 + delta / 2) / 1024**2
    assert line(bill, "S3", "storage")[1] == approx(stored_mb / 1024 * 0.023)
    # reads: 132,000 x 3 RRU; writes: 132,000 x 1 WRU + 60,000 x 4 WRU = 372,000 WRU
    assert line(bill, "DynamoDB", "read request units")[1] == approx(0.0495)
    assert line(bill, "DynamoDB", "write request units")[1] == approx(0.2325)
    logs_gb = 132_000 * 1200 / 1024**3
    assert line(bill, "CloudWatch", "log ingestion") == approx((logs_gb, logs_gb * 0.5, 0.0))
    assert line(bill, "CloudWatch", "custom metrics") == approx((9, 2.70, 0.0))

    assert bill.total(fixed=True) == approx(6.00)  # 9 metrics, 3 alarms, 1 dashboard
    puts = 60_000 / (312_500 / 500) * 0.005 / 1000
    journal_kb = 312_500 / 2 / 1024  # half a bound waits in the journal, on average
    usage = (
        0.264000528 + 0.0264 + 0.000244728 + 0.132 + 0.0012 + puts + stored_mb / 1024 * 0.023
        + 0.0495 + 0.2325 + 100 * (10 + journal_kb) / 1024**2 * 0.25 + logs_gb * (0.5 + 0.03)
    )  # fmt: skip
    assert bill.total(fixed=False) == approx(usage)
    assert bill.total() == approx(usage + 6.00)
    # Always-free: Lambda, DynamoDB storage, CloudWatch all covered.
    paid = 0.000244728 + 0.132 + 0.0012 + puts + stored_mb / 1024 * 0.023 + 0.0495 + 0.2325
    assert bill.total(free_tier=True) == approx(paid)
    assert bill.total(free_tier=True) < 2.00  # the cost goal for 100 users


def test_costs_scale_with_users_and_reviews() -> None:
    prices = load_prices()
    small = compute_bill(Workload(users=100), prices)
    large = compute_bill(Workload(users=1000), prices)
    assert large.total(fixed=False) == pytest.approx(10 * small.total(fixed=False))
    assert large.total(fixed=True) == small.total(fixed=True)
    idle = compute_bill(Workload(reviews_per_day=0), prices)
    assert line(idle, "DynamoDB", "write request units")[1] == pytest.approx(
        100 * 30 * 4 * 1 * 0.625 / 1e6
    )


def test_collection_size_sets_uploads_storage_and_bytes_per_session() -> None:
    prices = load_prices()
    small, big = Workload(notes_per_user=1_000), Workload(notes_per_user=150_000)
    # small: the 256 KB floor of the byte bound (512 answers); big: the 1,000-entry bound
    assert small.reviews_per_compaction == pytest.approx(256_000 / 500)
    assert big.reviews_per_compaction == 1_000
    # big: a compaction uploads a 2.2 MB delta (1,000 answers x 2,200 B); 4 fit in half the
    # 18.75 MB base, then a new base: one base per 5 compactions
    assert big.delta_bytes == 2_200_000 and big.compactions_per_base == 5
    chain = 4 * 2_200_000 / 2
    assert big.stored_mb_per_user == pytest.approx((3 * 18_750_000 + chain) / 1024**2)
    # a 20-answer session: 10,000 B of journal + 20 x (2,200 B of delta + 1/5,000 of a base)
    per_answer = 500 + 2_200 + 18_750_000 / 5_000
    assert big.bytes_written_per_session == pytest.approx(20 * per_answer)
    assert big.bytes_written_per_session < 0.05 * big.snapshot_bytes  # a small part
    storage = line(compute_bill(big, prices), "S3", "storage")[1]
    assert storage > 100 * line(compute_bill(small, prices), "S3", "storage")[1]
    assert line(compute_bill(big, prices), "S3", "PUT")[0] == pytest.approx(60_000 / 1_000 / 1000)


def test_rates_from_a_load_test_report() -> None:
    report = {
        "sessions": 10,
        "requests": 500,
        "acknowledged": 200,
        "s3": {"get": 12, "put": 10},
        "dynamodb": {"read": 1500, "write": 400},
        "latency_ms": {"p50": 80.0},
    }
    workload = workload_from_loadtest(report, Workload(users=100, reviews_per_day=20))
    assert workload.requests_per_review == 2.5
    assert workload.s3_gets_per_session == 1.2 and workload.s3_puts_per_session == 1.0
    assert workload.meta_reads_per_request == 3.0 and workload.meta_writes_per_request == 0.8
    bill = compute_bill(workload, load_prices())
    requests = 60_000 * 2.5
    assert line(bill, "API Gateway", "HTTP API requests")[0] == pytest.approx(requests / 1e6)
    assert line(bill, "S3", "GET")[0] == pytest.approx(3_000 * 1.2 / 1000)
    assert line(bill, "DynamoDB", "write request units")[1] == pytest.approx(
        requests * 0.8 * 2 * 0.625 / 1e6
    )
    assert line(bill, "Lambda", "compute")[0] == pytest.approx(requests * 0.08)
    with pytest.raises(CostModelError):
        workload_from_loadtest({"sessions": 0}, Workload())


def test_cli_prints_the_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", "--users", "100", "--reviews-per-day", "20"]) == 0
    out = capsys.readouterr().out
    assert "as of" in out and "DynamoDB" in out and "cost goal" in out
    assert format_bill(compute_bill(Workload(), load_prices())) in out
    assert main(["cost", "--json"]) == 0
    parsed = json.loads(capsys.readouterr().out)
    assert parsed["total_list"] == pytest.approx(
        compute_bill(Workload(), load_prices()).total(), abs=1e-4
    )
    bad = tmp_path / "report.json"
    bad.write_text("{}")
    assert main(["cost", "--from-loadtest", str(bad)]) == 1
    assert main(["cost", "--users", "-1"]) == 1
    assert main(["cost", "--notes", "-5"]) == 1
    assert main(["cost", "--notes", "150000"]) == 0
    assert "collections of 150,000 notes" in capsys.readouterr().out
