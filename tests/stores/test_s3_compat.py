"""The S3 adapter on S3-compatible servers: which honour ``If-None-Match`` (moto, SeaweedFS) and
which do not (s3rver), asked by the adapter itself, and what create-only puts do without it."""

from __future__ import annotations

import pytest

from javumbo.settings import Settings, SettingsError
from javumbo.stores import BlobExistsError
from javumbo.stores.factory import conditional_writes
from javumbo.stores.s3 import PROBE_PREFIX, S3BlobStore
from tests.stores.conftest import new_bucket_store
from tests.stores.s3rver_server import S3RVER_CREDENTIALS
from tests.stores.test_blob_contract import race_put_if_absent

MiB = 1024 * 1024


@pytest.fixture
def s3rver_store(s3rver_url: str) -> S3BlobStore:
    return new_bucket_store(s3rver_url, conditional_writes=None, credentials=S3RVER_CREDENTIALS)


def test_the_probe_tells_servers_with_conditional_writes_from_those_without(
    moto_url: str, seaweedfs_url: str, s3rver_store: S3BlobStore
) -> None:
    answers = {}
    for name, store in (
        ("moto", new_bucket_store(moto_url, conditional_writes=None)),
        ("seaweedfs", new_bucket_store(seaweedfs_url, conditional_writes=None)),
        ("s3rver", s3rver_store),
    ):
        store.counters.reset()
        answers[name] = store.honours_conditional_writes()
        assert store.conditional_writes is answers[name]  # asked once, then remembered
        assert list(store.list(PROBE_PREFIX)) == []  # the probe object is gone
        assert store.counters.snapshot()["blob_put"] == 0  # and not counted as the app's
    assert answers == {"moto": True, "seaweedfs": True, "s3rver": False}


def test_s3rver_really_ignores_the_condition(s3rver_url: str) -> None:
    """Why the fallback exists: told the server honours it, a create-only put overwrites."""
    trusting = new_bucket_store(s3rver_url, conditional_writes=True, credentials=S3RVER_CREDENTIALS)
    trusting.put_if_absent("k", b"first")
    trusting.put_if_absent("k", b"second")  # no BlobExistsError: the server overwrote
    assert trusting.get("k").data == b"second"


def test_without_conditional_writes_an_existing_key_is_still_refused(
    s3rver_store: S3BlobStore,
) -> None:
    etag = s3rver_store.put_if_absent("users/u/snapshots/1.anki2", b"first")
    assert s3rver_store.conditional_writes is False
    with pytest.raises(BlobExistsError):
        s3rver_store.put_if_absent("users/u/snapshots/1.anki2", b"second")
    blob = s3rver_store.get("users/u/snapshots/1.anki2")
    assert (blob.data, blob.etag) == (b"first", etag)
    s3rver_store.delete("users/u/snapshots/1.anki2")
    s3rver_store.put_if_absent("users/u/snapshots/1.anki2", b"third")
    assert s3rver_store.get("users/u/snapshots/1.anki2").data == b"third"


def test_racing_create_only_puts_without_conditional_writes_fail_only_as_taken(
    s3rver_store: S3BlobStore,
) -> None:
    """The documented limit: writers of the same instant may both think they won, or all think
    they lost (s3rver writes one file per key in place and may mix their bytes, so even the last
    writer's check can see an ETag that is not its own). What holds: every writer either succeeds
    or fails as "taken", never with another error, and the key is taken afterwards."""

    def make_data(index: int) -> bytes:
        return bytes([index]) * MiB

    for round_number in range(3):
        key = f"race/{round_number}"
        winners, losers = race_put_if_absent(s3rver_store, key, make_data)
        assert len(winners) + len(losers) == 8
        with pytest.raises(BlobExistsError):
            s3rver_store.put_if_absent(key, b"late")


def test_s3_conditional_writes_setting() -> None:
    assert Settings.from_env({}).s3_conditional_writes == "auto"
    for value in ("on", "off", "AUTO"):
        settings = Settings.from_env({"S3_CONDITIONAL_WRITES": value})
        assert settings.s3_conditional_writes == value.lower()
    with pytest.raises(SettingsError, match="S3_CONDITIONAL_WRITES"):
        Settings.from_env({"S3_CONDITIONAL_WRITES": "maybe"})
    assert conditional_writes(Settings()) is True  # AWS's S3
    assert conditional_writes(Settings(aws_endpoint_url="http://minio:9000")) is None
    assert conditional_writes(Settings(aws_endpoint_url="http://x", s3_conditional_writes="on"))
    assert conditional_writes(Settings(s3_conditional_writes="off")) is False
