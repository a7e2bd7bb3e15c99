"""The per-user media allowance of ``UserMedia``: streamed writes, the running total, the
errors, on the real local blob store."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from javumbo.settings import Settings
from javumbo.stores.local import LocalBlobStore
from javumbo.userdb.media import MediaLimits, MediaQuotaError, UserMedia

MiB = 1024 * 1024


class _Source:
    """``size`` bytes produced on demand (never whole); remembers the largest read asked."""

    def __init__(self, size: int, byte: bytes = b"m") -> None:
        self.remaining = size
        self.byte = byte
        self.largest_read = 0

    def read(self, size: int = -1, /) -> bytes:
        self.largest_read = max(self.largest_read, size)
        n = self.remaining if size < 0 else min(size, self.remaining)
        self.remaining -= n
        return self.byte * n


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


def test_put_stream_hashes_while_streaming(blobs: LocalBlobStore) -> None:
    media = UserMedia(blobs, "u1", limits=MediaLimits(quota_bytes=50 * MiB, max_file_bytes=9 * MiB))
    source = _Source(5 * MiB)
    stored = media.put_stream("sound.mp3", source)
    expected = b"m" * (5 * MiB)
    assert stored.size == 5 * MiB
    assert stored.sha1 == hashlib.sha1(expected).digest()
    assert stored.etag == f'"{hashlib.md5(expected).hexdigest()}"'
    assert 0 < source.largest_read <= 2 * MiB
    assert media.get("sound.mp3") == expected
    assert media.sha1("sound.mp3") == stored.sha1
    assert media.sha1("absent.mp3") is None


def test_a_file_over_the_largest_allowed_is_refused_and_nothing_is_written(
    blobs: LocalBlobStore,
) -> None:
    media = UserMedia(blobs, "u1", limits=MediaLimits(quota_bytes=50 * MiB, max_file_bytes=2 * MiB))
    media.put("clip.mp4", b"old clip")
    with pytest.raises(MediaQuotaError) as raised:
        media.put_stream("clip.mp4", _Source(3 * MiB))
    assert raised.value.code == "media_file_too_large"
    assert "2.0 MiB" in raised.value.message
    with pytest.raises(MediaQuotaError):
        media.put_stream("new.mp4", _Source(2 * MiB + 1))
    assert media.get("clip.mp4") == b"old clip"
    assert media.list() == ["clip.mp4"]
    assert list((blobs.root / "tmp").iterdir()) == []
    # the caller's own cap is tighter still
    with pytest.raises(MediaQuotaError):
        media.put_stream("small.png", _Source(1000), max_bytes=999)
    assert media.put_stream("small.png", _Source(1000), max_bytes=1000).size == 1000


def test_the_allowance_counts_every_file_and_gives_back_replaced_bytes(
    blobs: LocalBlobStore,
) -> None:
    limits = MediaLimits(quota_bytes=10 * MiB, max_file_bytes=8 * MiB)
    UserMedia(blobs, "u1").put("before.png", b"p" * (4 * MiB))
    UserMedia(blobs, "someone-else").put("theirs.png", b"t" * (9 * MiB))
    media = UserMedia(blobs, "u1", limits=limits)
    assert media.used_bytes() == 4 * MiB
    media.put_stream("a.png", _Source(5 * MiB))
    assert media.used_bytes() == 9 * MiB
    with pytest.raises(MediaQuotaError) as raised:
        media.put_stream("b.png", _Source(2 * MiB))
    assert raised.value.code == "media_quota_exceeded"
    assert not media.exists("b.png")
    with pytest.raises(MediaQuotaError, match="allowance"):
        media.ensure_room(2 * MiB)
    media.ensure_room(1 * MiB)
    # replacing a.png frees its 5 MiB first
    media.put_stream("a.png", _Source(6 * MiB))
    assert media.used_bytes() == 10 * MiB
    media.delete("before.png")
    assert media.used_bytes() == 6 * MiB
    assert UserMedia(blobs, "u1", limits=limits).used_bytes() == 6 * MiB


def test_used_bytes_lists_the_store_once_not_once_per_file(blobs: LocalBlobStore) -> None:
    media = UserMedia(blobs, "u1")
    blobs.counters.reset()
    for n in range(20):
        media.put_stream(f"f{n}.png", io.BytesIO(b"x" * 100))
        media.ensure_room(100)
    assert blobs.counters.snapshot().get("blob_list", 0) == 1
    assert media.used_bytes() == 2000
    known = UserMedia(blobs, "u1", used_bytes=2000)
    blobs.counters.reset()
    assert known.used_bytes() == 2000
    assert blobs.counters.snapshot().get("blob_list", 0) == 0


def test_limits_come_from_the_settings() -> None:
    settings = Settings.from_env(
        {"JAVUMBO_MEDIA_QUOTA_MB": "300", "JAVUMBO_MEDIA_MAX_FILE_MB": "7"}
    )
    assert MediaLimits.from_settings(settings) == MediaLimits(300 * MiB, 7 * MiB)
    assert MediaLimits.from_settings(Settings()) == MediaLimits(2048 * MiB, 100 * MiB)
