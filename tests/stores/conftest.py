"""Backends for the contract suites: every test taking ``blob_store`` or ``meta_store`` runs
once per adapter. The emulators (moto, SeaweedFS) are started once per test run."""

from __future__ import annotations

from pathlib import Path

import pytest

from javumbo.stores import BlobStore, MetaStore
from javumbo.stores.local import LocalBlobStore
from javumbo.stores.sqlite_meta import SqliteMetaStore


@pytest.fixture(params=["local"])
def blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    return LocalBlobStore(tmp_path / "blobs")


@pytest.fixture(params=["sqlite"])
def meta_store(request: pytest.FixtureRequest, tmp_path: Path) -> MetaStore:
    return SqliteMetaStore(tmp_path / "meta.sqlite3")
