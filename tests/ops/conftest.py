"""A one-server installation to migrate (admin.db + user_files/), and stores to migrate into."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

from javumbo.collection import Collection
from javumbo.collection.clock import SystemClock
from javumbo.collection.decks import add_deck
from javumbo.collection.notes import add_note
from javumbo.collection.notetypes import notetype_by_name
from javumbo.settings import Settings
from javumbo.stores.local import LocalBlobStore
from javumbo.stores.ports import BlobStore, MetaStore
from javumbo.stores.sqlite_meta import SqliteMetaStore
from javumbo.userdb import StorageEngine

PASSWORD = "correct horse battery staple"


def make_collection(path: Path, fronts: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    col = Collection.create(path)
    try:
        with col.transaction():
            basic = notetype_by_name(col, "Basic")
            assert basic is not None
            deck = add_deck(col, "Migrated")
            for front in fronts:
                add_note(col, basic["id"], [front, f"back of {front}"], deck)
    finally:
        col.close()
    return path


def note_fronts(col: Collection) -> list[str]:
    rows = col.db.execute("select flds from notes order by id").fetchall()
    return [str(r[0]).split("\x1f")[0] for r in rows]


@dataclass
class LegacyInstall:
    root: Path
    users: list[tuple[str, str]] = field(default_factory=list)

    @property
    def admin_db(self) -> Path:
        return self.root / "admin.db"

    @property
    def user_files(self) -> Path:
        return self.root / "user_files"

    def add_user(self, username: str, password_hash: str | None = None) -> None:
        hashed = password_hash or generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
        db = sqlite3.connect(self.admin_db)
        with db:
            db.execute(
                "create table if not exists users (id integer primary key,"
                " username text not null, password_hash text not null)"
            )
            db.execute(
                "insert into users (username, password_hash) values (?, ?)", (username, hashed)
            )
        db.close()


@pytest.fixture
def legacy(tmp_path: Path) -> LegacyInstall:
    install = LegacyInstall(tmp_path / "old-server")
    install.user_files.mkdir(parents=True)
    return install


@dataclass
class Target:
    settings: Settings
    blobs: BlobStore
    meta: MetaStore
    tmp: Path

    def databases(self, name: str = "reader") -> StorageEngine:
        return StorageEngine(
            self.settings,
            self.blobs,
            self.meta,
            instance_id=name,
            cache_dir=self.tmp / f"cache-{name}",
            clock=SystemClock(),
        )


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Target]:
    data = tmp_path / "target"
    settings = Settings(data_dir=data)
    yield Target(
        settings,
        LocalBlobStore(data / "blobs"),
        SqliteMetaStore(data / "meta.sqlite3"),
        tmp_path,
    )
