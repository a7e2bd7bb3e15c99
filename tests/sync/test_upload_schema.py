"""A full upload is a file from the client: whatever triggers and views it carries are gone
before it becomes the user's collection, and collections are opened with ``trusted_schema``
off."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from anki.collection import Collection as AnkiCollection

from tests.sync.conftest import RunningServer, login_key, sync_post


def test_uploaded_triggers_and_views_are_dropped(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    user = server.add_user("alice")
    key = login_key(server)
    col = anki_col("client")
    path = Path(col.path)
    col.close(downgrade=False)
    db = sqlite3.connect(path)
    db.executescript(
        """
        create table stolen (flds text);
        create trigger "copy notes" after insert on notes
            begin insert into stolen values (new.flds); end;
        create trigger wipe after update on col begin update col set crt = 0; end;
        create view "every note" as select * from notes;
        """
    )
    db.commit()
    db.close()
    status, data, _ = sync_post(server, "/sync/upload", path.read_bytes(), key=key)
    assert (status, data) == (200, b"OK")

    with server.deps.engine.read(user.user_id) as ours:
        kinds = ours.db.execute(
            "select type, name from sqlite_master where type in ('trigger', 'view')"
        ).fetchall()
        assert kinds == []
        assert ours.db.execute("pragma trusted_schema").fetchone()[0] == 0
        assert ours.db.execute("select count() from stolen").fetchone()[0] == 0
