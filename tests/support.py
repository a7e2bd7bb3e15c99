"""What tests in many folders need, written once: polling a condition with a deadline (never a
blind sleep), free ports on 127.0.0.1, the fake AWS environment and AWS-mode settings on an
emulator, and a fake Lambda context. The emulators themselves are fixtures of the
``tests.plugins.aws`` plugin."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from javumbo.settings import Settings

T = TypeVar("T")

POLL_INTERVAL_SECONDS = 0.05
# Credentials of some kind for boto3 (emulators accept any); never a real account's.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def wait_until(
    condition: Callable[[], T],
    *,
    timeout: float,
    what: str,
    interval: float = POLL_INTERVAL_SECONDS,
) -> T:
    """Call ``condition`` until it returns something truthy, and return that; ``TimeoutError``
    naming ``what`` once ``timeout`` seconds passed. The condition runs at least once."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def http_status(url: str, *, timeout: float = 2.0) -> int | None:
    """The status ``url`` answers a GET with, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return None


def wait_for_http(
    url: str,
    *,
    timeout: float,
    ok: Callable[[int], bool] = lambda status: status < 500,
    process: subprocess.Popen[bytes] | None = None,
) -> None:
    """Poll ``url`` until its status satisfies ``ok``; with ``process``, fail at once if that
    process (the server being waited for) exited."""

    def answered() -> bool:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with {process.returncode}")
        status = http_status(url)
        return status is not None and ok(status)

    wait_until(answered, timeout=timeout, what=f"{url} to answer")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def closed_port_url() -> str:
    """A URL where nothing listens (a port that was free a moment ago)."""
    return f"http://127.0.0.1:{free_port()}"


def aws_settings(endpoint_url: str, **names: str) -> Settings:
    """AWS-mode settings on an emulator, with table/bucket names of the caller's choosing."""
    return Settings(
        backend="aws",
        jwt_secret_key="test-secret-" + "x" * 24,
        aws_endpoint_url=endpoint_url,
        aws_region="us-east-1",
        **names,  # type: ignore[arg-type]
    )


def unique_names(prefix: str) -> dict[str, str]:
    """A bucket and table names no other test uses (the emulators' state is shared)."""
    tag = f"{prefix}-{uuid.uuid4().hex[:8]}"
    return {
        "s3_bucket": tag,
        "users_table": f"{tag}-users",
        "locks_table": f"{tag}-locks",
        "sessions_table": f"{tag}-sessions",
        "journal_table": f"{tag}-journal",
    }


@dataclass
class FakeLambdaContext:
    """The parts of Lambda's context object the handlers (and Powertools) read."""

    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_name: str = "javumbo-api"
    memory_limit_in_mb: int = 1024

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def anki_save_deck_options(
    anki: Any,
    deck_id: int,
    configs: list[Any],
    *,
    fsrs: bool,
    reschedule: bool = False,
    deck_retention: float | None = None,
) -> None:
    """Anki's deck options screen pressing Save for ``deck_id`` with ``configs`` (changed
    presets), the FSRS switch and "reschedule cards on change"; the deck's limits unchanged,
    its own desired retention set when given."""
    from anki.deck_config_pb2 import UpdateDeckConfigsMode

    current = anki.decks.get_deck_configs_for_update(deck_id)
    if deck_retention is not None:
        current.current_deck.limits.desired_retention = deck_retention
    anki._backend.update_deck_configs(
        target_deck_id=deck_id,
        configs=configs,
        removed_config_ids=[],
        mode=UpdateDeckConfigsMode.UPDATE_DECK_CONFIGS_MODE_NORMAL,
        card_state_customizer="",
        limits=current.current_deck.limits,
        new_cards_ignore_review_limit=False,
        fsrs=fsrs,
        apply_all_parent_limits=False,
        fsrs_reschedule=reschedule,
        fsrs_health_check=False,
    )


def rollover_far_from_now() -> int:
    """An hour for a collection's day rollover twelve hours from now, in the local time Anki
    reads: a test that compares scheduling on the live clock with Anki's then never runs in
    the minutes before a day ends, where a learning step crosses into the next day."""
    return (time.localtime().tm_hour + 12) % 24
