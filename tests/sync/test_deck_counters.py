"""Cards studied on the web count against the limits Anki's own client shows after a sync: the
decks' today counters travel with the decks, and a web undo never puts back counters older than
a sync brought."""

from __future__ import annotations

from collections.abc import Callable

from anki.collection import Collection as AnkiCollection

from javumbo.collection import Collection
from javumbo.collection.scheduler import Scheduler
from javumbo.collection.scheduler.answering import ANSWER_LABEL
from javumbo.collection.undo import undo_status
from tests.sync.conftest import (
    Required,
    RunningServer,
    downloaded_client,
    full_sync,
    uploaded_client,
)

NEW_PER_DAY = 3
STUDIED_ON_THE_WEB = 2


def test_new_cards_studied_on_the_web_use_up_anki_desktops_limit(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col_a, auth_a = uploaded_client(server, anki_col)
    geography = col_a.decks.id("Geography", create=False)
    conf = col_a.decks.config_dict_for_deck_id(geography)
    conf["new"]["perDay"] = NEW_PER_DAY
    today = col_a.sched.today
    before = col_a.decks.get(geography)
    new_before, time_before = (
        (before["newToday"][1], before["timeToday"][1])
        if before["newToday"][0] == today
        else (0, 0)
    )
    # room for NEW_PER_DAY more new cards today, and more new cards than that waiting
    conf["new"]["perDay"] = new_before + NEW_PER_DAY
    col_a.decks.save(conf)
    added = []
    for i in range(NEW_PER_DAY + STUDIED_ON_THE_WEB):
        note = col_a.new_note(col_a.models.by_name("Basic"))
        note["Front"], note["Back"] = f"new question {i}", f"new answer {i}"
        col_a.add_note(note, geography)
        added.extend(note.card_ids())
    assert col_a.sync_collection(auth_a, False).required == Required.NO_CHANGES

    def study_new_cards(col: Collection) -> None:
        sched = Scheduler(col)
        for cid in added[:STUDIED_ON_THE_WEB]:
            sched.answer_card(cid, 3, 4_000)

    user = server.deps.meta.get_user("alice")
    assert user is not None
    server.deps.engine.write(user.user_id, study_new_cards)

    assert col_a.sync_collection(auth_a, False).required == Required.NO_CHANGES
    deck = col_a.decks.get(geography)
    assert deck["newToday"] == [today, new_before + STUDIED_ON_THE_WEB]
    assert deck["timeToday"] == [today, time_before + STUDIED_ON_THE_WEB * 4_000]
    col_a.decks.select(geography)
    new_count, _, _ = col_a.sched.counts()
    assert new_count == NEW_PER_DAY - STUDIED_ON_THE_WEB


def test_a_change_synced_from_another_device_clears_the_web_undo(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    """An answer undone after Anki's client synced would put back older deck counters (and
    could undo over the client's changes), so a sync that brings changes clears the steps;
    a sync that brings nothing keeps them."""
    col_a, auth_a = uploaded_client(server, anki_col)
    geography = col_a.decks.id("Geography", create=False)
    cid = int(col_a.db.scalar("select id from cards where did = ? and queue = 0", geography))
    user = server.deps.meta.get_user("alice")
    assert user is not None

    def answer(col: Collection) -> None:
        Scheduler(col).answer_card(cid, 3, 4_000)

    def undo_label(col: Collection) -> str | None:
        status = undo_status(col)
        return status.label if status else None

    server.deps.engine.write(user.user_id, answer)
    assert col_a.sync_collection(auth_a, False).required == Required.NO_CHANGES
    with server.deps.engine.read(user.user_id) as col:
        assert undo_label(col) == ANSWER_LABEL

    note = col_a.new_note(col_a.models.by_name("Basic"))
    note["Front"], note["Back"] = "from the desktop", "answer"
    col_a.add_note(note, geography)
    assert col_a.sync_collection(auth_a, False).required == Required.NO_CHANGES
    with server.deps.engine.read(user.user_id) as col:
        assert undo_label(col) is None
        assert "javumboUndoSteps" not in col.conf

    # The steps never travel to Anki's clients.
    assert "javumboUndoSteps" not in col_a.all_config()

    # A client that holds a copy of steps (sent by an earlier version of the server) does not
    # bring them back with a full upload.
    col_a.set_config("javumboUndoSteps", [{"label": "Answer Card", "card_id": cid, "cards": []}])
    col_a.mod_schema(check=False)
    col_a.set_config("someSetting", 2)  # the client compares modification times first
    out = col_a.sync_collection(auth_a, False)
    assert out.required == Required.FULL_SYNC
    full_sync(col_a, auth_a, upload=True, media_usn=out.server_media_usn)
    with server.deps.engine.read(user.user_id) as col:
        assert "javumboUndoSteps" not in col.conf
        assert col.conf.get("someSetting") == 2


def test_a_full_download_leaves_the_web_undo_steps_on_the_server(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col_a, _ = uploaded_client(server, anki_col)
    cid = int(col_a.db.scalar("select id from cards where queue = 0 order by id limit 1"))
    user = server.deps.meta.get_user("alice")
    assert user is not None
    server.deps.engine.write(user.user_id, lambda col: Scheduler(col).answer_card(cid, 3, 4_000))

    col_b, _ = downloaded_client(server, anki_col, "alice-b", "alice")
    assert col_b.get_card(cid).reps == 1  # the download carries the answer ...
    assert "javumboUndoSteps" not in col_b.all_config()  # ... but not its undo step
    with server.deps.engine.read(user.user_id) as col:
        assert undo_status(col) is not None  # which the web can still take back
