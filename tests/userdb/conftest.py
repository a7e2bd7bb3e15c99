"""Fixtures for the storage engine: real local stores (a blob folder and one SQLite metastore
file, the embedded deployment) and engine instances that share them, like processes would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock
from javumbo.settings import Settings
from javumbo.stores.local import LocalBlobStore
from javumbo.stores.ports import BlobStore, MetaStore, StoreUnavailableError
from javumbo.stores.sqlite_meta import SqliteMetaStore
from javumbo.userdb import JournalLimits, StorageEngine

T0 = 1_700_000_000.0
CARD_ID = 1


@dataclass
class Stores:
    blobs: LocalBlobStore
    meta: SqliteMetaStore
    root: Path


@pytest.fixture
def stores(tmp_path: Path) -> Stores:
    root = tmp_path / "data"
    return Stores(LocalBlobStore(root / "blobs"), SqliteMetaStore(root / "meta.sqlite3"), root)


@dataclass
class Instances:
    """Builds engine instances ("processes") over the same stores, each with its own cache."""

    stores: Stores
    tmp: Path
    clock: FixedClock = field(default_factory=lambda: FixedClock(T0))
    made: list[StorageEngine] = field(default_factory=list)

    def __call__(
        self,
        name: str = "i1",
        *,
        limits: JournalLimits | None = None,
        blobs: BlobStore | None = None,
        meta: MetaStore | None = None,
        settings: Settings | None = None,
    ) -> StorageEngine:
        engine = StorageEngine(
            settings or Settings(),
            blobs if blobs is not None else self.stores.blobs,
            meta if meta is not None else self.stores.meta,
            instance_id=name,
            cache_dir=self.tmp / f"cache-{name}",
            clock=self.clock,
            limits=limits,
        )
        self.made.append(engine)
        return engine


@pytest.fixture
def instances(stores: Stores, tmp_path: Path) -> Iterator[Instances]:
    made = Instances(stores, tmp_path)
    yield made
    for engine in made.made:
        engine.close()


def answer(col: Collection, n: int) -> int:
    """A review-shaped write: a revlog row with a caller-chosen id and the card's reps bumped,
    so an answer applied twice shows up as reps > number of rows."""
    with col.transaction() as db:
        db.execute(
            "insert or ignore into cards values (?, 1, 1, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0,"
            " 0, 0, '')",
            (CARD_ID,),
        )
        db.execute("update cards set reps = reps + 1, mod = ? where id = ?", (n, CARD_ID))
        db.execute("insert into revlog values (?, ?, -1, 3, 1, 0, 2500, 1000, 1)", (n, CARD_ID))
        db.execute("update col set mod = ?", (n,))
    return n


def answers(col: Collection) -> tuple[list[int], int]:
    """(revlog ids, reps of the card)."""
    ids = [r[0] for r in col.db.execute("select id from revlog order by id")]
    row = col.db.execute("select reps from cards where id = ?", (CARD_ID,)).fetchone()
    return ids, (row[0] if row else 0)


class Flaky:
    """Wraps a store; while ``down`` every call raises ``StoreUnavailableError``, like a stopped
    emulator or a timeout would through the real adapters."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.down = False

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise StoreUnavailableError(f"{name}: backend unreachable")
            return attr(*args, **kwargs)

        return call


MakeInstance = Callable[..., StorageEngine]
