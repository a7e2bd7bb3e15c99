"""``javumbo loadtest --target URL``: N users review at once on a running Javumbo, then every
user's cards are read back over the API and compared with the answers it acknowledged.

An answer is applied once per card review, and a card's ``reps`` counts its reviews, so
``reps`` below the acknowledged answers means an acknowledged answer was lost, and ``reps``
above the answers sent means one was applied twice. The run is bounded: a deadline for the
whole load and a bounded number of attempts per request.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TextIO

from javumbo.loadtest.client import Attempt, Recorder, RequestBudgetExceeded, Target, UserClient
from javumbo.loadtest.report import IntegrityResult, build_report
from javumbo.loadtest.scenario import UserOutcome, compare_answers, expect, log_in, run_user

CARDS_PAGE_SIZE = 500
CHECK_DEADLINE_SECONDS = 120.0


@dataclass
class LoadTestConfig:
    target: str
    users: int = 10
    cards: int = 20
    seed: int = 0
    deadline_seconds: float = 300.0
    request_timeout: float = 30.0
    max_attempts: int = 20  # with backoff capped at 1 s: rides out a restart of the target
    progress: TextIO | None = None
    # Put in every username; a fresh random one by default, so runs never share users.
    run_tag: str = field(default_factory=lambda: uuid.uuid4().hex[:10])


@dataclass
class LoadRun:
    """What the users did: their outcomes and every attempt, timed on the monotonic clock."""

    config: LoadTestConfig
    outcomes: list[UserOutcome]
    attempts: list[Attempt]
    started: float
    elapsed: float


def run_loadtest(config: LoadTestConfig) -> dict[str, Any]:
    """Run the users against ``config.target``, check their answers over HTTP, and report."""
    run = drive_users(config)
    return build_report(run, check_over_http(config, run.outcomes))


def drive_users(
    config: LoadTestConfig, *, during: contextlib.AbstractContextManager[object] | None = None
) -> LoadRun:
    """Run every user on its own thread until done or past the deadline. ``during`` is entered
    just before the users start and left once they all ended (faults to inject meanwhile)."""
    target = Target.parse(config.target)
    rng = random.Random(config.seed)
    recorder = Recorder()
    outcomes = [UserOutcome(f"load{config.run_tag}u{index}") for index in range(config.users)]
    started = time.monotonic()
    deadline = started + config.deadline_seconds
    threads = []
    for outcome in outcomes:
        client = UserClient(
            target,
            outcome.username,
            recorder,
            random.Random(rng.getrandbits(32)),
            timeout=config.request_timeout,
            max_attempts=config.max_attempts,
            deadline=deadline,
        )
        thread = threading.Thread(
            target=_user_thread, args=(client, outcome, config.cards), name=outcome.username
        )
        threads.append(thread)
    with during if during is not None else contextlib.nullcontext():
        for thread in threads:
            thread.start()
        progress = _Progress(config, outcomes, recorder, started)
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.25)
                progress.tick()
    elapsed = time.monotonic() - started
    progress.tick(final=True)
    return LoadRun(config, outcomes, recorder.snapshot(), started, elapsed)


def _user_thread(client: UserClient, outcome: UserOutcome, cards: int) -> None:
    try:
        run_user(client, outcome, cards)
    except RequestBudgetExceeded as exc:
        outcome.error = str(exc)
    except Exception as exc:  # a failed user is reported, never crashes the run
        outcome.error = f"{type(exc).__name__}: {exc}"
    finally:
        client.close()


def check_over_http(config: LoadTestConfig, outcomes: list[UserOutcome]) -> IntegrityResult:
    """Log every user in again and compare its cards' ``reps`` with the answers it sent and
    got acknowledged. A user whose answers cannot be read back counts as a problem when it
    has acknowledged answers (their fate is unknown)."""
    target = Target.parse(config.target)
    result = IntegrityResult()
    deadline = time.monotonic() + CHECK_DEADLINE_SECONDS
    for outcome in outcomes:
        if outcome.deck_id is None:
            continue
        client = UserClient(
            target,
            outcome.username,
            Recorder(),
            random.Random(config.seed),
            timeout=config.request_timeout,
            max_attempts=config.max_attempts,
            deadline=deadline,
        )
        try:
            applied = _reviews_per_card(client, outcome)
        except (RuntimeError, ValueError) as exc:
            if outcome.acknowledged:
                result.problems.append({"user": outcome.username, "unverified": str(exc)})
                result.unverified += sum(outcome.acknowledged.values())
            continue
        finally:
            client.close()
        result.reviews += sum(applied.values())
        lost, duplicated = compare_answers(outcome, applied)
        result.lost += len(lost)
        result.duplicated += sum(duplicated.values())
        if lost or duplicated:
            result.problems.append(
                {"user": outcome.username, "lost_cards": lost, "duplicated_cards": duplicated}
            )
    return result


def _reviews_per_card(client: UserClient, outcome: UserOutcome) -> Counter[int]:
    log_in(client, outcome.username)
    reviews: Counter[int] = Counter()
    page = 1
    while True:
        listing = expect(
            client.call(
                "GET",
                f"/api/cards?deck_id={outcome.deck_id}&page={page}&page_size={CARDS_PAGE_SIZE}",
                route="/api/cards",
            ),
            "list cards",
        )
        rows = listing.get("cards")
        if not isinstance(rows, list):
            raise ValueError("list cards: the answer has no 'cards' list")
        for row in rows:
            reviews[int(row["card_id"])] += int(row["reps"])
        total = listing.get("total")
        if not rows or not isinstance(total, int) or page * CARDS_PAGE_SIZE >= total:
            return reviews
        page += 1


class _Progress:
    def __init__(
        self,
        config: LoadTestConfig,
        outcomes: list[UserOutcome],
        recorder: Recorder,
        started: float,
    ) -> None:
        self.config = config
        self.outcomes = outcomes
        self.recorder = recorder
        self.started = started
        self.last = 0.0

    def tick(self, *, final: bool = False) -> None:
        stream = self.config.progress
        now = time.monotonic()
        if stream is None or (not final and now - self.last < 1.0):
            return
        self.last = now
        done = sum(1 for o in self.outcomes if o.completed or o.error)
        acked = sum(sum(o.acknowledged.values()) for o in self.outcomes)
        attempts = self.recorder.snapshot()
        failed = sum(1 for a in attempts if not a.ok)
        target = self.config.users * self.config.cards
        print(
            f"[{now - self.started:6.1f}s] users {done}/{len(self.outcomes)}  "
            f"answers {acked}/{target}  requests {len(attempts)}  failed attempts {failed}",
            file=stream,
            flush=True,
        )
