"""Full sync with Anki's real client: the first upload of a collection with every kind of
content, and a download into an empty client."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from anki.collection import Collection as AnkiCollection

from tests.sync.conftest import (
    Required,
    RunningServer,
    counts,
    downloaded_client,
    uploaded_client,
)


def test_upload_then_download_into_empty_client(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col_a, _auth = uploaded_client(server, anki_col)
    user = server.deps.meta.get_user("alice")
    assert user is not None
    with server.deps.dbs.read(user.user_id) as ours:
        assert ours.db.execute("select ver from col").fetchone()[0] == 11
        ours_counts = ours.db.execute(
            "select (select count() from notes), (select count() from cards),"
            " (select count() from revlog)"
        ).fetchone()
        assert tuple(ours_counts) == counts(col_a)
        assert len(ours.models) == len(col_a.models.all_names_and_ids())
        assert sorted(d["name"] for d in ours.decks.values()) == sorted(
            d.name for d in col_a.decks.all_names_and_ids()
        )
    assert sorted(server.deps.dbs.media(user.user_id).list()) == [
        "bandera_españa.png",
        "cell.png",
    ]

    col_b, _auth_b = downloaded_client(server, anki_col, "alice-b", "alice")
    assert counts(col_b) == counts(col_a) == (18, 27, 24)
    assert sorted(os.listdir(col_b.media.dir())) == ["bandera_españa.png", "cell.png"]
    for name in ("cell.png", "bandera_españa.png"):
        a = Path(col_a.media.dir(), name).read_bytes()
        b = Path(col_b.media.dir(), name).read_bytes()
        assert a == b
    assert col_b.fix_integrity() == ("Database rebuilt and optimized.", True)
    assert sorted(col_b.tags.all()) == sorted(col_a.tags.all())
    card_a = col_a.db.all("select id, due, ivl, factor, queue, type from cards order by id")
    card_b = col_b.db.all("select id, due, ivl, factor, queue, type from cards order by id")
    assert card_a == card_b

    # both are now in step with the server
    assert col_a.sync_collection(_auth, False).required == Required.NO_CHANGES
    assert col_b.sync_collection(_auth_b, False).required == Required.NO_CHANGES
