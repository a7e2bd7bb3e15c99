"""``javumbo cost``: the monthly AWS bill of a deployment, from counted operations and prices.

Operations per month come from a ``Workload``: by default the storage engine's goals (one S3
GET per review session, a journal append per answer, a few small metastore reads per request,
and a snapshot upload only when the journal passes its bound, which depends on the collection's
size: see ``docs/storage-engine.md``), or the rates a load test measured (``--from-loadtest
report.json``: its ``sessions``, ``requests``, ``acknowledged`` answers, ``s3 {get, put}``
and ``dynamodb {read, write}``). Prices live in ``prices.json`` beside this module, with their
date and region.

Two totals are given: at list price, and after AWS's always-free tier (Lambda requests and
compute, DynamoDB storage, CloudWatch's first metrics, alarms, dashboards and logs), which one
deployment per account gets every month. The monitoring (custom metrics, alarms, dashboard) is a
fixed monthly cost, shown apart from what grows with use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from javumbo.userdb import JournalLimits

GIB = 1024**3
MIB = 1024**2
KIB = 1024
# The design's cost target for 100 users at 20 reviews a day, after the always-free tier.
GOAL_PER_MONTH = 2.00


class CostModelError(ValueError):
    """A prices file or load-test report that lacks what the model needs."""


@dataclass(frozen=True)
class Workload:
    """What a month of use does, per user, session, review and request."""

    users: int = 100
    reviews_per_day: float = 20.0
    sessions_per_user_per_day: float = 1.0
    days: float = 30.0
    requests_per_review: float = 2.0  # fetch the next card, answer it
    requests_per_session: float = 4.0  # log in, start the session, list decks, flush
    s3_gets_per_session: float = 1.0  # the engine's goal: one download per session
    # Measured uploads per session (a load test); None: one per compaction (see below).
    s3_puts_per_session: float | None = None
    meta_reads_per_request: float = 3.0  # user/session, head, claim
    meta_writes_per_request: float = 1.0  # the session's expiry extended
    journal_writes_per_review: float = 1.0  # one TransactWriteItems per answer
    rru_per_read: float = 1.0  # strongly consistent, items under 4 KB
    wru_per_write: float = 1.0  # items under 1 KB
    wru_per_journal_write: float = 4.0  # a transaction of 2 items at 2 WRU each
    lambda_memory_mb: int = 1024  # infra/variables.tf defaults
    lambda_tmp_mb: int = 1024
    avg_duration_ms: float = 120.0
    # Collection size: the stored (zstd) snapshot is ~125 B per note (python -m bench scale:
    # 1.2 MB at 10k notes), an answer's journal entry ~500 B: the card, its revlog row, its
    # deck's today counters and its undo step (10 KB for 20 answers, with the stack full or not).
    notes_per_user: int = 10_000
    snapshot_bytes_per_note: float = 125.0
    journal_bytes_per_review: float = 500.0
    snapshots_kept: int = 3
    # A compaction uploads the pages its answers changed: ~2.2 KB of zstd delta per answer
    # (python -m bench scale: 44 KB for 20 answers at 50k and 150k notes).
    delta_bytes_per_review: float = 2_200.0
    meta_kb_per_user: float = 10.0  # user, head, idempotency keys (the journal is added)
    log_bytes_per_request: float = 1200.0  # request line, EMF metrics, Lambda's REPORT lines
    custom_metrics: int = 9  # javumbo.api.observability
    alarms: int = 3  # infra/monitoring.tf
    dashboards: int = 1
    source: str = "engine goals"

    @property
    def sessions(self) -> float:
        return self.users * self.sessions_per_user_per_day * self.days

    @property
    def reviews(self) -> float:
        return self.users * self.reviews_per_day * self.days

    @property
    def requests(self) -> float:
        return self.sessions * self.requests_per_session + self.reviews * self.requests_per_review

    @property
    def snapshot_bytes(self) -> float:
        return self.notes_per_user * self.snapshot_bytes_per_note

    @property
    def journal_bound_bytes(self) -> float:
        """Journal bytes after which the engine writes a new snapshot, for this size."""
        return float(JournalLimits().byte_bound(int(self.snapshot_bytes)))

    @property
    def reviews_per_compaction(self) -> float:
        """Answers between two snapshot uploads: the entry bound or the byte bound."""
        by_bytes = self.journal_bound_bytes / max(self.journal_bytes_per_review, 1.0)
        return max(1.0, min(float(JournalLimits().max_entries), by_bytes))

    @property
    def s3_puts(self) -> float:
        if self.s3_puts_per_session is not None:
            return self.sessions * self.s3_puts_per_session
        return self.reviews / self.reviews_per_compaction

    @property
    def delta_bytes(self) -> float:
        """One compaction's upload: the pages its answers changed (never more than a base)."""
        return min(self.snapshot_bytes, self.reviews_per_compaction * self.delta_bytes_per_review)

    @property
    def compactions_per_base(self) -> float:
        """Deltas on a base before the chain is rewritten (32, or half the base's size)."""
        limits = JournalLimits()
        fits = limits.delta_fraction * self.snapshot_bytes / max(self.delta_bytes, 1.0)
        return max(1.0, min(float(limits.max_deltas), float(int(fits)))) + 1.0

    @property
    def upload_bytes_per_review(self) -> float:
        """Compaction uploads spread over the answers: deltas, and now and then a new base."""
        per_base = self.reviews_per_compaction * self.compactions_per_base
        return self.delta_bytes / self.reviews_per_compaction + self.snapshot_bytes / per_base

    @property
    def stored_mb_per_user(self) -> float:
        """Base snapshots kept in S3 and, on average, half a chain of deltas."""
        chain = (self.compactions_per_base - 1) * self.delta_bytes / 2
        return (self.snapshots_kept * self.snapshot_bytes + chain) / MIB

    @property
    def journal_kb_per_user(self) -> float:
        """On average half a bound's worth of journal waits in the metastore."""
        return self.reviews_per_compaction * self.journal_bytes_per_review / 2 / KIB

    @property
    def bytes_written_per_session(self) -> float:
        """A session's journal entries plus its share of the compactions' uploads."""
        reviews = self.reviews_per_day / max(self.sessions_per_user_per_day, 1e-9)
        return reviews * (self.journal_bytes_per_review + self.upload_bytes_per_review)


def workload_from_loadtest(report: dict[str, Any], base: Workload) -> Workload:
    """Rates measured by ``javumbo-testbed loadtest --json`` (which counts S3 and DynamoDB
    operations on the wire): S3 operations per session, metastore operations
    per request, requests per answer (the test's session overhead spread over its answers).
    Measured writes are counted at 2 WRU each: most are journal transactions, the rest 1-WRU
    session updates."""
    try:
        sessions = float(report["sessions"])
        requests = float(report["requests"])
        answers = float(report["acknowledged"])
        s3 = report["s3"]
        dynamodb = report["dynamodb"]
        gets, puts = float(s3["get"]), float(s3["put"])
        reads, writes = float(dynamodb["read"]), float(dynamodb["write"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CostModelError(f"the load-test report lacks {exc}") from exc
    if sessions <= 0 or requests <= 0 or answers <= 0:
        raise CostModelError("the load-test report has no completed sessions or answers")
    latency = (report.get("latency_ms") or {}).get("p50")
    return replace(
        base,
        requests_per_review=requests / answers,
        requests_per_session=0.0,
        s3_gets_per_session=gets / sessions,
        s3_puts_per_session=puts / sessions,
        meta_reads_per_request=reads / requests,
        meta_writes_per_request=writes / requests,
        journal_writes_per_review=0.0,
        wru_per_write=2.0,
        avg_duration_ms=(
            float(latency) if isinstance(latency, int | float) else base.avg_duration_ms
        ),
        source="load test",
    )


@dataclass(frozen=True)
class BillLine:
    service: str
    item: str
    quantity: float
    unit: str
    list_cost: float
    after_free_tier: float
    fixed: bool = False


@dataclass
class Bill:
    workload: Workload
    prices: dict[str, Any]
    lines: list[BillLine] = field(default_factory=list)

    def total(self, *, free_tier: bool = False, fixed: bool | None = None) -> float:
        return sum(
            line.after_free_tier if free_tier else line.list_cost
            for line in self.lines
            if fixed is None or line.fixed == fixed
        )


def load_prices(path: Path | None = None) -> dict[str, Any]:
    if path is None:
        text = resources.files("javumbo.ops").joinpath("prices.json").read_text()
    else:
        text = path.read_text()
    try:
        prices: dict[str, Any] = json.loads(text)
    except ValueError as exc:
        raise CostModelError(f"prices file is not valid JSON: {exc}") from exc
    for section in ("lambda", "api_gateway_http", "s3", "dynamodb_on_demand", "cloudwatch"):
        if section not in prices:
            raise CostModelError(f"prices file lacks the {section!r} section")
    return prices


def _free(quantity: float, allowance: float) -> float:
    """The share of ``quantity`` the free allowance does not cover."""
    return max(0.0, quantity - allowance)


def compute_bill(workload: Workload, prices: dict[str, Any]) -> Bill:
    w, p = workload, prices
    free = p.get("always_free", {})
    lam, s3, ddb, cw = p["lambda"], p["s3"], p["dynamodb_on_demand"], p["cloudwatch"]
    bill = Bill(w, p)

    def add(
        service: str,
        item: str,
        quantity: float,
        unit: str,
        rate: float,
        free_quantity: float = 0.0,
        fixed: bool = False,
    ) -> None:
        list_cost = quantity * rate
        after_free = _free(quantity, free_quantity) * rate
        bill.lines.append(BillLine(service, item, quantity, unit, list_cost, after_free, fixed))

    seconds = w.requests * w.avg_duration_ms / 1000
    gb_seconds = seconds * w.lambda_memory_mb / 1024
    free_requests = free.get("lambda_requests", 0) / 1e6
    add("Lambda", "requests", w.requests / 1e6, "M req", lam["per_million_requests"], free_requests)
    free_compute = free.get("lambda_gb_seconds", 0)
    add("Lambda", "compute", gb_seconds, "GB-s", lam["per_gb_second"], free_compute)
    extra_tmp_gb = max(0, w.lambda_tmp_mb - lam.get("ephemeral_free_mb", 512)) / 1024
    tmp_rate = lam.get("ephemeral_per_gb_second", 0.0)
    add("Lambda", "/tmp above 512 MB", extra_tmp_gb * seconds, "GB-s", tmp_rate)

    api_rate = p["api_gateway_http"]["per_million_requests"]
    add("API Gateway", "HTTP API requests", w.requests / 1e6, "M req", api_rate)

    add("S3", "GET", w.sessions * w.s3_gets_per_session / 1000, "1k req", s3["per_1000_get"])
    add("S3", "PUT", w.s3_puts / 1000, "1k req", s3["per_1000_put"])
    add("S3", "storage", w.users * w.stored_mb_per_user * MIB / GIB, "GB-mo", s3["per_gb_month"])

    rru = w.requests * w.meta_reads_per_request * w.rru_per_read
    wru = (
        w.requests * w.meta_writes_per_request * w.wru_per_write
        + w.reviews * w.journal_writes_per_review * w.wru_per_journal_write
    )
    add("DynamoDB", "read request units", rru / 1e6, "M RRU", ddb["per_million_rru"])
    add("DynamoDB", "write request units", wru / 1e6, "M WRU", ddb["per_million_wru"])
    meta_gb = w.users * (w.meta_kb_per_user + w.journal_kb_per_user) * KIB / GIB
    free_meta = free.get("dynamodb_storage_gb", 0)
    add("DynamoDB", "storage", meta_gb, "GB-mo", ddb["per_gb_month"], free_meta)

    logs_gb = w.requests * w.log_bytes_per_request / GIB
    free_logs = free.get("cloudwatch_logs_gb", 0)
    add("CloudWatch", "log ingestion", logs_gb, "GB", cw["logs_ingest_per_gb"], free_logs)
    storage_rate = cw["logs_storage_per_gb_month"]
    add("CloudWatch", "log storage (a month's)", logs_gb, "GB-mo", storage_rate, free_logs)
    for item, count, rate, allowance in (  # the fixed monthly part
        ("custom metrics", w.custom_metrics, "per_custom_metric_month", "cloudwatch_metrics"),
        ("alarms", w.alarms, "per_alarm_month", "cloudwatch_alarms"),
        ("dashboards", w.dashboards, "per_dashboard_month", "cloudwatch_dashboards"),
    ):
        add(
            "CloudWatch",
            item,
            count,
            item.split()[-1],
            cw[rate],
            free.get(allowance, 0),
            fixed=True,
        )
    return bill


def format_bill(bill: Bill) -> str:
    w, p = bill.workload, bill.prices
    lines = [
        f"Javumbo on AWS: {w.users} users, {w.reviews_per_day:g} reviews/day, {w.days:g} days"
        f" ({w.source}); prices {p.get('region', '?')} as of {p.get('as_of', '?')}",
        f"{w.sessions:,.0f} sessions, {w.reviews:,.0f} reviews, {w.requests:,.0f} requests",
        f"collections of {w.notes_per_user:,} notes: snapshot {w.snapshot_bytes / MIB:.1f} MB"
        f" ({w.snapshots_kept} kept), a snapshot every {w.reviews_per_compaction:,.0f} answers,"
        f" {w.bytes_written_per_session / KIB:,.0f} KB written per session",
        "",
        f"{'service':<12} {'item':<24} {'quantity':>14} {'unit':<10}"
        f" {'list $':>9} {'free-tier $':>11}",
    ]
    for line in bill.lines:
        lines.append(
            f"{line.service:<12} {line.item:<24} {line.quantity:>14,.4f} {line.unit:<10}"
            f" {line.list_cost:>9.4f} {line.after_free_tier:>11.4f}"
        )
    usage, fixed = bill.total(fixed=False), bill.total(fixed=True)
    free_total = bill.total(free_tier=True)
    lines += [
        "",
        f"usage (grows with users)        {usage:>9.2f} $/month at list price",
        f"monitoring (fixed)              {fixed:>9.2f} $/month at list price",
        f"total at list price             {bill.total():>9.2f} $/month",
        f"total after the always-free tier {free_total:>8.2f} $/month",
        f"cost goal (< ${GOAL_PER_MONTH:.2f}/month): "
        + ("met" if free_total < GOAL_PER_MONTH else "NOT met")
        + " with the always-free tier; usage alone at list price "
        + ("is" if usage < GOAL_PER_MONTH else "is NOT")
        + " under it",
    ]
    return "\n".join(lines)
