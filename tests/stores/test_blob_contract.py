"""The ``BlobStore`` contract, run against every adapter (see ``conftest.py`` for the backends)."""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from javumbo.stores import BlobExistsError, BlobNotFoundError, BlobStore
from javumbo.stores.s3 import S3BlobStore

MiB = 1024 * 1024


def test_put_then_get_returns_the_bytes_and_the_put_etag(blob_store: BlobStore) -> None:
    etag = blob_store.put("users/u1/snapshots/1.anki2", b"hello")
    blob = blob_store.get("users/u1/snapshots/1.anki2")
    assert blob.data == b"hello"
    assert blob.etag == etag


def test_etag_is_the_quoted_md5_of_a_single_part_object(blob_store: BlobStore) -> None:
    etag = blob_store.put("a/b", b"content")
    assert etag == '"' + hashlib.md5(b"content").hexdigest() + '"'
    assert blob_store.put("a/c", b"other") != etag


def test_put_overwrites_and_changes_the_etag(blob_store: BlobStore) -> None:
    first = blob_store.put("k", b"one")
    second = blob_store.put("k", b"two")
    assert first != second
    assert blob_store.get("k").data == b"two"
    info = blob_store.head("k")
    assert info is not None and info.etag == second and info.size == 3


def test_put_accepts_a_binary_stream(blob_store: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(b"x" * 300_000)
    with source.open("rb") as stream:
        etag = blob_store.put("media/u1/file.bin", stream)
    assert blob_store.get("media/u1/file.bin").data == b"x" * 300_000
    assert blob_store.put("media/u1/other.bin", io.BytesIO(b"x" * 300_000)) == etag


def test_empty_object(blob_store: BlobStore) -> None:
    blob_store.put("empty", b"")
    assert blob_store.get("empty").data == b""
    info = blob_store.head("empty")
    assert info is not None and info.size == 0


def test_get_missing_raises_blob_not_found(blob_store: BlobStore) -> None:
    with pytest.raises(BlobNotFoundError):
        blob_store.get("nope/missing")


def test_head_missing_is_none_and_head_present_has_size_and_etag(blob_store: BlobStore) -> None:
    assert blob_store.head("nope") is None
    etag = blob_store.put("dir/obj", b"12345")
    info = blob_store.head("dir/obj")
    assert info is not None
    assert (info.key, info.etag, info.size) == ("dir/obj", etag, 5)
    assert blob_store.head("dir") is None


def test_delete_removes_and_deleting_a_missing_key_is_fine(blob_store: BlobStore) -> None:
    blob_store.put("gone/soon", b"x")
    blob_store.delete("gone/soon")
    assert blob_store.head("gone/soon") is None
    with pytest.raises(BlobNotFoundError):
        blob_store.get("gone/soon")
    blob_store.delete("gone/soon")
    blob_store.delete("never/was")


def test_put_if_absent_creates_once(blob_store: BlobStore) -> None:
    etag = blob_store.put_if_absent("users/u1/snapshots/2.anki2", b"first")
    assert blob_store.get("users/u1/snapshots/2.anki2").etag == etag
    with pytest.raises(BlobExistsError):
        blob_store.put_if_absent("users/u1/snapshots/2.anki2", b"second")
    assert blob_store.get("users/u1/snapshots/2.anki2").data == b"first"


def test_put_if_absent_after_delete_succeeds(blob_store: BlobStore) -> None:
    blob_store.put_if_absent("again", b"1")
    blob_store.delete("again")
    blob_store.put_if_absent("again", b"2")
    assert blob_store.get("again").data == b"2"


def test_list_by_prefix_in_key_order(blob_store: BlobStore) -> None:
    keys = ["users/u1/s/10", "users/u1/s/2", "users/u1/media/a", "users/u10/s/1", "other/x"]
    etags = {key: blob_store.put(key, key.encode()) for key in keys}
    listed = list(blob_store.list("users/u1/"))
    assert [info.key for info in listed] == sorted(k for k in keys if k.startswith("users/u1/"))
    assert all(info.etag == etags[info.key] for info in listed)
    assert all(info.size == len(info.key) for info in listed)
    assert [i.key for i in blob_store.list("users/u1")] == sorted(
        k for k in keys if k.startswith("users/u1")
    )
    assert [i.key for i in blob_store.list("")] == sorted(keys)
    assert list(blob_store.list("nothing/here/")) == []


def test_list_does_not_show_deleted_objects(blob_store: BlobStore) -> None:
    blob_store.put("p/a", b"1")
    blob_store.put("p/b", b"2")
    blob_store.delete("p/a")
    assert [info.key for info in blob_store.list("p/")] == ["p/b"]


@pytest.mark.parametrize("key", ["", "../escape", "a/../../b", "/abs", "a\x00b", "a//b", "a/./b"])
def test_unsafe_keys_are_refused(blob_store: BlobStore, key: str) -> None:
    with pytest.raises(ValueError):
        blob_store.put(key, b"x")
    with pytest.raises(ValueError):
        blob_store.get(key)


def test_get_to_file_streams_into_place(blob_store: BlobStore, tmp_path: Path) -> None:
    data = bytes(range(256)) * 4096
    etag = blob_store.put("snap", data)
    target = tmp_path / "cache" / "snap.anki2"
    target.parent.mkdir()
    info = blob_store.get_to_file("snap", target)
    assert target.read_bytes() == data
    assert (info.key, info.etag, info.size) == ("snap", etag, len(data))
    assert sorted(p.name for p in target.parent.iterdir()) == ["snap.anki2"]


def test_get_to_file_missing_leaves_no_file(blob_store: BlobStore, tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir()
    target = tmp_path / "cache" / "absent.anki2"
    with pytest.raises(BlobNotFoundError):
        blob_store.get_to_file("missing", target)
    assert list(target.parent.iterdir()) == []


def test_large_object_round_trip(blob_store: BlobStore, tmp_path: Path) -> None:
    """Above the S3 adapter's (test-sized) multipart threshold: several parts."""
    data = hashlib.sha256(b"seed").digest() * (11 * MiB // 32)
    etag = blob_store.put("big/object", io.BytesIO(data))
    info = blob_store.head("big/object")
    assert info is not None and info.etag == etag and info.size == len(data)
    target = tmp_path / "big"
    assert blob_store.get_to_file("big/object", target).etag == etag
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(data).digest()
    with pytest.raises(BlobExistsError):
        blob_store.put_if_absent("big/object", io.BytesIO(data))


class _ChunkedSource:
    """``size`` bytes of a repeating pattern, never whole in memory; records each read's size
    and raises ``OSError`` once ``fail_after`` bytes have gone out."""

    def __init__(self, size: int, *, fail_after: int | None = None) -> None:
        self.remaining = size
        self.sent = 0
        self.fail_after = fail_after
        self.requests: list[int] = []
        self.digest = hashlib.md5()

    def read(self, size: int = -1, /) -> bytes:
        self.requests.append(size)
        if self.fail_after is not None and self.sent >= self.fail_after:
            raise OSError("the source broke")
        n = self.remaining if size < 0 else min(size, self.remaining)
        chunk = (b"0123456789abcdef" * (n // 16 + 1))[:n]
        self.remaining -= n
        self.sent += n
        self.digest.update(chunk)
        return chunk


def test_put_stream_reads_in_bounded_chunks_and_returns_etag_and_size(
    blob_store: BlobStore,
) -> None:
    source = _ChunkedSource(11 * MiB)
    info = blob_store.put_stream("big/streamed", source)
    head = blob_store.head("big/streamed")
    assert head is not None and (head.etag, head.size) == (info.etag, info.size)
    assert (info.key, info.size) == ("big/streamed", 11 * MiB)
    assert all(0 < n <= 8 * MiB + 1 for n in source.requests), source.requests
    assert blob_store.get("big/streamed").data[:32] == b"0123456789abcdef" * 2
    small = _ChunkedSource(1000)
    assert blob_store.put_stream("small/streamed", small).etag == f'"{small.digest.hexdigest()}"'


@pytest.mark.parametrize("fail_after", [0, 7 * MiB], ids=["at-once", "after-a-part"])
def test_put_stream_whose_source_fails_leaves_the_previous_object(
    blob_store: BlobStore, fail_after: int
) -> None:
    etag = blob_store.put("kept/object", b"previous")
    with pytest.raises(OSError, match="the source broke"):
        blob_store.put_stream("kept/object", _ChunkedSource(11 * MiB, fail_after=fail_after))
    with pytest.raises(OSError, match="the source broke"):
        blob_store.put_stream("never/written", _ChunkedSource(11 * MiB, fail_after=fail_after))
    assert blob_store.get("kept/object").data == b"previous"
    assert blob_store.get("kept/object").etag == etag
    assert blob_store.head("never/written") is None


def test_counters_count_calls_and_bytes(blob_store: BlobStore) -> None:
    counters = blob_store.counters  # type: ignore[attr-defined]
    counters.reset()
    blob_store.put("c/1", b"abc")
    blob_store.get("c/1")
    blob_store.head("c/1")
    list(blob_store.list("c/"))
    blob_store.delete("c/1")
    counts = counters.snapshot()
    assert counts["blob_put"] == 1 and counts["blob_bytes_out"] == 3
    assert counts["blob_get"] == 1 and counts["blob_bytes_in"] == 3
    assert counts["blob_head"] == 1 and counts["blob_list"] == 1 and counts["blob_delete"] == 1
    counters.reset()
    assert set(counters.snapshot().values()) == {0}


def race_put_if_absent(
    blob_store: BlobStore, key: str, make_data: Callable[[int], bytes], racers: int = 8
) -> tuple[list[int], list[int]]:
    """Start ``racers`` threads at once, each create-only putting its own content."""
    barrier = threading.Barrier(racers)
    winners: list[int] = []
    losers: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def racer(index: int) -> None:
        data = make_data(index)
        barrier.wait()
        try:
            blob_store.put_if_absent(key, data)
        except BlobExistsError:
            with lock:
                losers.append(index)
        except BaseException as exc:  # collected: a thread's exception would be lost
            with lock:
                errors.append(exc)
        else:
            with lock:
                winners.append(index)

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return winners, losers


@pytest.mark.parametrize("size", [100, 6 * MiB], ids=["small", "6MiB"])
def test_racing_put_if_absent_has_exactly_one_winner(blob_store: BlobStore, size: int) -> None:
    if isinstance(blob_store, S3BlobStore) and not blob_store.honours_conditional_writes():
        pytest.skip(
            "this S3-compatible server ignores If-None-Match: the create-only fallback cannot"
            " tell two writers of the same instant apart (test_s3_compat.py checks what it does)"
        )

    def make_data(index: int) -> bytes:
        return bytes([index]) * size

    for round_number in range(3):
        key = f"race/{size}/{round_number}"
        winners, losers = race_put_if_absent(blob_store, key, make_data)
        assert len(winners) == 1, (winners, losers)
        assert len(losers) == 7
        assert blob_store.get(key).data == make_data(winners[0])
