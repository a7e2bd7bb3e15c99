"""Media sync both ways against the web app's media store, and a sync racing web reviews."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from anki.collection import Collection as AnkiCollection

from javumbo.collection import Collection
from javumbo.collection.decks import deck_by_name
from javumbo.collection.scheduler import Scheduler
from tests.sync.conftest import (
    Required,
    RunningServer,
    downloaded_client,
    sync_media,
    uploaded_client,
)


def _user_id(server: RunningServer) -> str:
    user = server.deps.meta.get_user("alice")
    assert user is not None
    return user.user_id


def test_media_changes_flow_both_ways(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col_a, auth_a = uploaded_client(server, anki_col)
    media = server.deps.engine.media(_user_id(server))
    # the web app adds a file and replaces another; Anki gets both
    media.put("from-web.png", b"\x89PNG web")
    media.put("cell.png", b"\x89PNG replaced on the web")
    sync_media(col_a, auth_a)
    folder = Path(col_a.media.dir())
    assert (folder / "from-web.png").read_bytes() == b"\x89PNG web"
    assert (folder / "cell.png").read_bytes() == b"\x89PNG replaced on the web"

    # Anki deletes one and adds one; the server's store follows
    os.remove(folder / "bandera_españa.png")
    (folder / "nuevo.mp3").write_bytes(b"ID3 sound")
    sync_media(col_a, auth_a)
    assert sorted(media.list()) == ["cell.png", "from-web.png", "nuevo.mp3"]
    assert media.get("nuevo.mp3") == b"ID3 sound"

    # a second device gets exactly that state, and the web deleting a file reaches it
    col_b, auth_b = downloaded_client(server, anki_col, "alice-b", "alice")
    assert sorted(os.listdir(col_b.media.dir())) == ["cell.png", "from-web.png", "nuevo.mp3"]
    media.delete("from-web.png")
    sync_media(col_b, auth_b)
    assert sorted(os.listdir(col_b.media.dir())) == ["cell.png", "nuevo.mp3"]
    assert not col_b.media_sync_status().active


def test_a_sync_racing_web_reviews_loses_no_answer(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col_a, auth_a = uploaded_client(server, anki_col)
    user_id = _user_id(server)
    web_revlog: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def answer_one(col: Collection) -> int | None:
        deck = deck_by_name(col, "Lang::Spanish")
        assert deck is not None
        sched = Scheduler(col)
        cards = sched.next_cards(deck["id"], limit=1)
        if not cards:
            return None
        sched.answer_card(cards[0].id, 3, 1000)
        return int(col.db.execute("select max(id) from revlog").fetchone()[0])

    def web_reviews() -> None:
        try:
            while not stop.is_set() and len(web_revlog) < 15:
                rid = server.deps.engine.write(user_id, answer_one)
                if rid is None:
                    return
                web_revlog.append(rid)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    worker = threading.Thread(target=web_reviews)
    worker.start()
    client_revlog: list[int] = []
    geography = col_a.decks.id("Geography", create=False)
    try:
        for _ in range(4):
            col_a.decks.select(geography)
            card = col_a.sched.getCard()
            if card is not None:
                col_a.sched.answerCard(card, 3)
                client_revlog.append(col_a.db.scalar("select max(id) from revlog"))
            col_a.sync_collection(auth_a, False)
    finally:
        stop.set()
        worker.join(60)
    assert not errors, errors
    assert web_revlog and client_revlog
    # settle: one more sync on each side
    assert col_a.sync_collection(auth_a, False).required == Required.NO_CHANGES
    with server.deps.engine.read(user_id) as ours:
        server_ids = {r[0] for r in ours.db.execute("select id from revlog")}
    client_ids = set(col_a.db.list("select id from revlog"))
    assert set(web_revlog) <= server_ids
    assert set(client_revlog) <= server_ids
    assert server_ids == client_ids
    assert col_a.fix_integrity() == ("Database rebuilt and optimized.", True)
