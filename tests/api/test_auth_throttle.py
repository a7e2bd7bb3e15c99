"""The login throttle: one counter for the web login and Anki's sync login, a per-address cap,
expiry by time, bounded memory, and a policy that slows a guesser without locking the owner
out (OWASP: lockout per account and address, a slowdown per account that the owner's known
address passes)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import zstandard
from apiflask import APIFlask
from flask.testing import FlaskClient

from javumbo.api.app import app_services, create_app
from javumbo.api.rate_limit import LoginThrottle, ThrottlePolicy
from javumbo.collection.clock import FixedClock
from javumbo.settings import Settings
from tests.api.conftest import PASSWORD, assert_error

START = 1_700_000_000.0
OWNER, STRANGER = "198.51.100.20", "203.0.113.7"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def throttle(clock: FixedClock) -> LoginThrottle:
    return LoginThrottle(clock)


def fail(throttle: LoginThrottle, username: str, address: str, times: int) -> None:
    for _ in range(times):
        throttle.record_failure(username, address)


def test_a_pair_is_locked_after_five_failures_until_they_age_out(
    throttle: LoginThrottle, clock: FixedClock
) -> None:
    fail(throttle, "alice", STRANGER, 4)
    assert throttle.retry_after("alice", STRANGER) is None
    fail(throttle, "alice", STRANGER, 1)
    wait = throttle.retry_after("alice", STRANGER)
    assert wait is not None and wait == pytest.approx(throttle.policy.window)
    assert throttle.retry_after("alice", OWNER) is None  # another address is not locked
    assert throttle.retry_after("ALICE ", STRANGER) is not None  # the name as logins fold it
    clock.advance(throttle.policy.window + 0.1)
    assert throttle.retry_after("alice", STRANGER) is None


def test_one_address_spraying_many_accounts_is_capped(throttle: LoginThrottle) -> None:
    for index in range(throttle.policy.address_limit):
        throttle.record_failure(f"user{index}", STRANGER)
    assert throttle.retry_after("someone-else", STRANGER) is not None
    assert throttle.retry_after("someone-else", OWNER) is None


def test_many_addresses_guessing_one_account_slow_it_down_but_not_for_its_known_address(
    throttle: LoginThrottle, clock: FixedClock
) -> None:
    throttle.record_success("alice", OWNER)  # the owner logged in from home before
    for index in range(throttle.policy.account_free_failures + 3):
        throttle.record_failure("alice", f"203.0.113.{index}")
    new_address = throttle.retry_after("alice", "192.0.2.99")
    assert new_address is not None and new_address <= throttle.policy.account_max_delay
    assert throttle.retry_after("alice", OWNER) is None  # never locked out at home
    # A slowdown, not a lockout: from a new address the owner gets a try after the delay.
    clock.advance(new_address + 0.01)
    assert throttle.retry_after("alice", "192.0.2.99") is None


def test_the_slowdown_is_capped(throttle: LoginThrottle, clock: FixedClock) -> None:
    for index in range(200):
        throttle.record_failure("alice", f"10.0.{index // 250}.{index % 250}")
    wait = throttle.retry_after("alice", "192.0.2.1")
    assert wait is not None and wait <= throttle.policy.account_max_delay


def test_memory_stays_bounded_and_a_spray_does_not_reset_others(clock: FixedClock) -> None:
    """Without the fix every counter was cleared at 100,000 keys: spraying usernames reset the
    lock of a guesser. Now the least recently touched keys go first, and stale ones by time."""
    throttle = LoginThrottle(clock, ThrottlePolicy(max_keys=50, address_limit=10_000))
    fail(throttle, "alice", STRANGER, 5)
    for index in range(40):
        throttle.record_failure(f"spray{index}", "192.0.2.1")
        assert throttle.retry_after("alice", STRANGER) is not None
    for index in range(1000):
        throttle.record_failure(f"spray{index}", "192.0.2.1")
    assert throttle.tracked_keys() <= 3 * 50 + 50
    clock.advance(throttle.policy.window + 1)
    throttle.record_failure("late", "192.0.2.2")
    assert throttle.tracked_keys() <= 3  # the stale ones expired by time


def test_very_long_usernames_are_counted_by_a_bounded_key(throttle: LoginThrottle) -> None:
    fail(throttle, "x" * 10_000, STRANGER, 5)
    assert throttle.retry_after("x" * 64 + "y", STRANGER) is not None


# ------------------------------------------------------------------ through the app


@pytest.fixture
def timed_app(tmp_path: Path, clock: FixedClock) -> Iterator[APIFlask]:
    app = create_app(Settings(data_dir=tmp_path / "data"), clock=clock, in_lambda=False)
    yield app
    app_services(app).close()


def login(client: FlaskClient, password: str, address: str = STRANGER) -> int:
    body = {"username": "alice", "password": password}
    return client.post("/login", json=body, environ_base={"REMOTE_ADDR": address}).status_code


def sync_login(client: FlaskClient, password: str, address: str = STRANGER) -> int:
    """Anki's sync login as the desktop client sends it (zstd body, ``anki-sync`` header)."""
    body = json.dumps({"u": "alice", "p": password}).encode()
    response = client.post(
        "/sync/hostKey",
        data=zstandard.ZstdCompressor().compress(body),
        headers={
            "Content-Type": "application/octet-stream",
            "anki-sync": json.dumps({"v": 11, "k": "", "c": "test", "s": "s1"}),
        },
        environ_base={"REMOTE_ADDR": address},
    )
    return response.status_code


def test_web_and_sync_logins_share_one_counter(timed_app: APIFlask) -> None:
    """Without the fix each login had its own counter: 5 guesses on each."""
    client = timed_app.test_client()
    assert client.post("/register", json={"username": "alice", "password": PASSWORD}).status_code
    for _ in range(3):
        assert login(client, "wrong guess") == 401
    throttle = app_services(timed_app).login_throttle
    for _ in range(2):
        throttle.record_failure("alice", STRANGER)  # as /sync/hostKey records them
    assert_error(
        client.post(
            "/login",
            json={"username": "alice", "password": PASSWORD},
            environ_base={"REMOTE_ADDR": STRANGER},
        ),
        429,
        "too_many_attempts",
    )
    assert login(client, PASSWORD, OWNER) == 200


def test_the_sync_login_counts_in_the_shared_counter(timed_app: APIFlask) -> None:
    client = timed_app.test_client()
    client.post("/register", json={"username": "alice", "password": PASSWORD})
    assert [sync_login(client, "wrong guess") for _ in range(3)] == [403] * 3
    for _ in range(2):
        assert login(client, "wrong guess") == 401
    assert login(client, PASSWORD) == 429


def test_a_lock_expires_with_time(timed_app: APIFlask, clock: FixedClock) -> None:
    client = timed_app.test_client()
    client.post("/register", json={"username": "alice", "password": PASSWORD})
    for _ in range(5):
        login(client, "wrong guess")
    limited = client.post(
        "/login",
        json={"username": "alice", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": STRANGER},
    )
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) == int(ThrottlePolicy().window)
    clock.advance(ThrottlePolicy().window + 1)
    assert login(client, PASSWORD) == 200
