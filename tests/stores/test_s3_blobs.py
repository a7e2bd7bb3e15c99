"""What only the S3 adapter does: multipart uploads, conditional multipart completion, and
mapping S3's errors onto the port's. Runs on moto and SeaweedFS."""

from __future__ import annotations

import io
from typing import Any

import pytest

from javumbo.stores import BlobExistsError, StoreUnavailableError
from javumbo.stores.s3 import MIN_PART_SIZE, S3BlobStore
from tests.stores.conftest import new_bucket_store

MiB = 1024 * 1024


@pytest.fixture(params=["moto", "seaweedfs"])
def s3_store(request: pytest.FixtureRequest) -> S3BlobStore:
    return new_bucket_store(request.getfixturevalue(f"{request.param}_url"))


def pending_uploads(store: S3BlobStore) -> list[Any]:
    return list(store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", []))


def test_large_overwrite_goes_up_in_parts(s3_store: S3BlobStore) -> None:
    data = b"".join(bytes([i]) * MiB for i in range(11))
    etag = s3_store.put("big", io.BytesIO(data))
    assert etag.endswith('-3"')  # 5 + 5 + 1 MiB
    assert s3_store.get("big").data == data
    assert pending_uploads(s3_store) == []


def test_object_at_the_threshold_is_a_single_put(s3_store: S3BlobStore) -> None:
    etag = s3_store.put("edge", b"e" * s3_store.multipart_threshold)
    assert "-" not in etag


def test_create_only_beyond_the_single_put_limit_completes_conditionally(
    s3_store: S3BlobStore,
) -> None:
    store = S3BlobStore(
        s3_store.bucket,
        s3_store.client,
        multipart_threshold=MIN_PART_SIZE,
        part_size=MIN_PART_SIZE,
        create_only_single_put_limit=MIN_PART_SIZE,
    )
    data = b"m" * (MIN_PART_SIZE + 1000)
    etag = store.put_if_absent("multi", io.BytesIO(data))
    assert etag.endswith('-2"')
    with pytest.raises(BlobExistsError):
        store.put_if_absent("multi", io.BytesIO(b"n" * len(data)))
    assert store.get("multi").data == data
    assert pending_uploads(store) == []  # the losing upload was aborted


def test_create_only_large_object_is_one_conditional_put(s3_store: S3BlobStore) -> None:
    etag = s3_store.put_if_absent("single", io.BytesIO(b"s" * (7 * MiB)))
    assert "-" not in etag
    assert s3_store.counters["blob_put"] == 1


def test_missing_bucket_is_unavailable_not_missing_object(s3_store: S3BlobStore) -> None:
    """(Writes are not checked: SeaweedFS creates a missing bucket on the first PUT.)"""
    store = S3BlobStore("no-such-bucket-here", s3_store.client)
    with pytest.raises(StoreUnavailableError):
        store.get("k")
    with pytest.raises(StoreUnavailableError):
        list(store.list("users/"))


def test_part_size_below_s3_minimum_is_refused(s3_store: S3BlobStore) -> None:
    with pytest.raises(ValueError):
        S3BlobStore(s3_store.bucket, s3_store.client, part_size=MiB)
