"""When the object store or metastore stops answering, calls fail fast with
``StoreUnavailableError`` (the API's 503), not a hang or a crash."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from javumbo.settings import Settings
from javumbo.stores import StoreUnavailableError
from javumbo.stores.aws_setup import ensure_aws_resources
from javumbo.stores.factory import open_stores
from tests.plugins.aws import start_moto_server
from tests.support import aws_settings, closed_port_url, unique_names

FAIL_FAST_SECONDS = 6.0


def fails_fast(call: Callable[[], object]) -> float:
    started = time.monotonic()
    with pytest.raises(StoreUnavailableError):
        call()
    return time.monotonic() - started


def test_closed_port_fails_fast(aws_env: dict[str, str]) -> None:
    blobs, meta = open_stores(aws_settings(closed_port_url(), **unique_names("closed")))
    assert fails_fast(lambda: blobs.get("users/u/snapshots/1")) < FAIL_FAST_SECONDS
    assert fails_fast(lambda: blobs.put("k", b"x")) < FAIL_FAST_SECONDS
    assert fails_fast(lambda: list(blobs.list("users/"))) < FAIL_FAST_SECONDS
    assert fails_fast(lambda: meta.get_head("u")) < FAIL_FAST_SECONDS
    assert fails_fast(lambda: meta.append_journal("u", 0, b"x")) < FAIL_FAST_SECONDS
    assert fails_fast(lambda: meta.acquire_lease("l", "o", 30, 0.0)) < FAIL_FAST_SECONDS


@pytest.fixture
def stoppable_moto(aws_env: dict[str, str]) -> Iterator[tuple[Settings, Callable[[], None]]]:
    """A moto server of its own that the test may stop (the session one must stay up)."""
    url, stop = start_moto_server()
    stopped = False

    def stop_once() -> None:
        nonlocal stopped
        if not stopped:
            stopped = True
            stop()

    settings = aws_settings(url, **unique_names("outage"))
    ensure_aws_resources(settings)
    yield settings, stop_once
    stop_once()


def test_emulator_stopped_mid_use_fails_fast(
    stoppable_moto: tuple[Settings, Callable[[], None]],
) -> None:
    settings, stop = stoppable_moto
    blobs, meta = open_stores(settings)
    user = f"u-{uuid.uuid4().hex[:8]}"
    blobs.put(f"users/{user}/snapshots/0", b"snapshot")
    assert meta.append_journal(user, 0, b"entry") == 1
    stop()
    assert fails_fast(lambda: blobs.get(f"users/{user}/snapshots/0")) < FAIL_FAST_SECONDS
    assert fails_fast(lambda: blobs.head(f"users/{user}/snapshots/0")) < FAIL_FAST_SECONDS
    assert fails_fast(lambda: meta.get_head(user)) < FAIL_FAST_SECONDS
    assert fails_fast(lambda: meta.append_journal(user, 1, b"lost?")) < FAIL_FAST_SECONDS
    assert fails_fast(lambda: meta.read_journal(user, 0)) < FAIL_FAST_SECONDS


def test_missing_tables_are_unavailable(moto_url: str) -> None:
    _blobs, meta = open_stores(aws_settings(moto_url, **unique_names("notables")))
    with pytest.raises(StoreUnavailableError):
        meta.get_head("u")
    with pytest.raises(StoreUnavailableError):
        meta.append_journal("u", 0, b"x")
