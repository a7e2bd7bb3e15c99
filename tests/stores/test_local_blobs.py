"""What only the local-folder adapter promises: no stray files, keys stay inside the root."""

from __future__ import annotations

from pathlib import Path

import pytest

from javumbo.stores import BlobExistsError
from javumbo.stores.local import LocalBlobStore


def test_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    store.put("a/b", b"1")
    store.put_if_absent("a/c", b"2")
    with pytest.raises(BlobExistsError):
        store.put_if_absent("a/c", b"3")
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []
    assert sorted(p.name for p in (tmp_path / "blobs" / "objects" / "a").iterdir()) == ["b", "c"]


def test_escaping_keys_never_touch_files_outside(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    for key in ("../outside", "a/../../outside", "/tmp/outside"):
        with pytest.raises(ValueError):
            store.put(key, b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blobs"]


def test_a_key_and_a_key_below_it_cannot_both_exist(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    store.put("a", b"1")
    with pytest.raises(ValueError):
        store.put("a/b", b"2")
    store.put("c/d", b"3")
    with pytest.raises(ValueError):
        store.put("c", b"4")
    with pytest.raises(ValueError):
        store.put_if_absent("c", b"4")


def test_etag_of_a_file_changed_by_another_process_is_recomputed(tmp_path: Path) -> None:
    first = LocalBlobStore(tmp_path / "blobs")
    second = LocalBlobStore(tmp_path / "blobs")
    first.put("k", b"one")
    assert first.head("k") is not None
    etag = second.put("k", b"two")
    info = first.head("k")
    assert info is not None and info.etag == etag
