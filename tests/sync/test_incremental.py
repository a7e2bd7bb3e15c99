"""Normal (incremental) sync both ways with Anki's real client, conflicts, and schema changes
that force a full sync."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from anki.collection import Collection as AnkiCollection

from javumbo.collection import Collection
from javumbo.collection.decks import deck_by_name
from javumbo.collection.notes import add_note, get_note
from javumbo.collection.notetypes import notetype_by_name
from javumbo.collection.scheduler import Scheduler
from tests.sync.conftest import (
    Required,
    RunningServer,
    counts,
    downloaded_client,
    full_sync,
    uploaded_client,
)


def _user_id(server: RunningServer, username: str = "alice") -> str:
    user = server.deps.meta.get_user(username)
    assert user is not None
    return user.user_id


def _server_rows(server: RunningServer, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with server.deps.engine.read(_user_id(server)) as col:
        return [tuple(r) for r in col.db.execute(sql, args)]


def test_client_changes_reach_the_server_and_another_client(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col_a, auth_a = uploaded_client(server, anki_col)
    col_b, auth_b = downloaded_client(server, anki_col, "alice-b", "alice")
    # B answers a card, adds a note, edits one and deletes another
    col_b.decks.select(col_b.decks.id("Geography", create=False))
    card = col_b.sched.getCard()
    assert card is not None
    col_b.sched.answerCard(card, 3)
    note = col_b.new_note(col_b.models.by_name("Basic"))
    note["Front"], note["Back"] = "added on B", "synced to A"
    col_b.add_note(note, col_b.decks.id("Geography", create=False))
    edited = col_b.get_note(col_b.find_notes('"Capital of Peru?"')[0])
    edited["Back"] = "Lima (edited on B)"
    col_b.update_note(edited)
    victim = col_b.find_notes('"Capital of Egypt?"')
    col_b.remove_notes(victim)

    assert col_b.sync_collection(auth_b, False).required == Required.NO_CHANGES

    # the server has all of it, with the client's scheduling
    flds = [r[0] for r in _server_rows(server, "select flds from notes")]
    assert "added on B\x1fsynced to A" in flds
    assert "Capital of Peru?\x1fLima (edited on B)" in flds
    assert not [f for f in flds if f.startswith("Capital of Egypt?")]
    assert _server_rows(server, "select count() from revlog")[0][0] == 25
    b_card = col_b.get_card(card.id)
    assert _server_rows(
        server, "select type, queue, due, ivl, reps, left from cards where id = ?", card.id
    ) == [(b_card.type, b_card.queue, b_card.due, b_card.ivl, b_card.reps, b_card.left)]
    graves = _server_rows(server, "select oid, type from graves")
    assert (victim[0], 1) in graves

    # A pulls them
    assert col_a.sync_collection(auth_a, False).required == Required.NO_CHANGES
    assert counts(col_a) == counts(col_b) == (18, 27, 25)
    assert col_a.find_notes('"added on B"')
    assert not col_a.find_notes('"Capital of Egypt?"')
    assert col_a.get_note(edited.id)["Back"] == "Lima (edited on B)"
    assert col_a.get_card(card.id).due == b_card.due
    # and nothing is left to do on either side
    for col, auth in ((col_a, auth_a), (col_b, auth_b)):
        assert col.sync_collection(auth, False).required == Required.NO_CHANGES
    assert col_a.fix_integrity() == ("Database rebuilt and optimized.", True)


def test_web_reviews_and_notes_reach_anki(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col_a, auth_a = uploaded_client(server, anki_col)
    user_id = _user_id(server)

    def review_and_add(col: Collection) -> tuple[int, int]:
        deck = deck_by_name(col, "Geography")
        assert deck is not None
        sched = Scheduler(col)
        card = sched.next_cards(deck["id"], limit=1)[0]
        sched.answer_card(card.id, 3, 4000)
        nt = notetype_by_name(col, "Basic")
        assert nt is not None
        note = add_note(col, nt["id"], ["added on the web", "back"], deck["id"], tags=["web"])
        return card.id, note.id

    cid, nid = server.deps.engine.write(user_id, review_and_add)
    with server.deps.engine.read(user_id) as ours:
        server_card = ours.db.execute(
            "select type, queue, due, ivl, factor, reps, left, usn from cards where id = ?",
            (cid,),
        ).fetchone()
        assert server_card[-1] == -1  # a web change, not yet sent
        server_revlog = ours.db.execute(
            "select id, ease, ivl from revlog where cid = ? order by id", (cid,)
        ).fetchall()

    assert col_a.sync_collection(auth_a, False).required == Required.NO_CHANGES
    card = col_a.get_card(cid)
    assert (
        card.type,
        card.queue,
        card.due,
        card.ivl,
        card.factor,
        card.reps,
        card.left,
    ) == tuple(server_card[:-1])
    assert col_a.db.all("select id, ease, ivl from revlog where cid = ? order by id", cid) == [
        list(r) for r in server_revlog
    ]
    note = col_a.get_note(nid)
    assert note.fields == ["added on the web", "back"]
    assert note.tags == ["web"]
    # what was sent now carries the sync's usn on the server: nothing goes out twice
    assert _server_rows(server, "select count() from cards where usn = -1") == [(0,)]
    assert _server_rows(server, "select count() from notes where usn = -1") == [(0,)]
    assert col_a.sync_collection(auth_a, False).required == Required.NO_CHANGES
    assert col_a.fix_integrity() == ("Database rebuilt and optimized.", True)


def test_web_deletion_reaches_anki(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    from javumbo.collection.notes import delete_notes

    col_a, auth_a = uploaded_client(server, anki_col)
    victim = col_a.find_notes('"Capital of Japan?"')[0]
    server.deps.engine.write(_user_id(server), lambda col: delete_notes(col, [victim]))
    assert col_a.sync_collection(auth_a, False).required == Required.NO_CHANGES
    assert not col_a.find_notes('"Capital of Japan?"')
    assert counts(col_a)[0] == 17
    assert _server_rows(server, "select count() from graves where usn = -1") == [(0,)]


def test_newer_mod_wins_a_conflict(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col_a, auth_a = uploaded_client(server, anki_col)
    first, second = col_a.db.list("select id from cards order by id limit 2")
    now = int(col_a.db.scalar("select max(mod) from cards")) + 10
    # both sides change both cards; the server's change is newer for the first card only
    col_a.db.execute("update cards set flags = 1, mod = ?, usn = -1 where id = ?", now, first)
    col_a.db.execute("update cards set flags = 1, mod = ?, usn = -1 where id = ?", now, second)
    col_a.db.execute("update col set mod = mod + 1")

    def server_change(col: Collection) -> None:
        col.db.execute(
            "update cards set flags = 2, mod = ?, usn = -1 where id = ?", (now + 5, first)
        )
        col.db.execute(
            "update cards set flags = 2, mod = ?, usn = -1 where id = ?", (now - 5, second)
        )

    server.deps.engine.write(_user_id(server), server_change)
    assert col_a.sync_collection(auth_a, False).required == Required.NO_CHANGES
    assert col_a.db.list(
        "select flags from cards where id in (?, ?) order by id", first, second
    ) == [
        2,
        1,
    ]
    assert _server_rows(
        server, "select flags from cards where id in (?, ?) order by id", first, second
    ) == [(2,), (1,)]


def test_schema_change_on_the_server_forces_a_full_sync(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col_a, auth_a = uploaded_client(server, anki_col)
    user_id = _user_id(server)

    def add_field(col: Collection) -> int:
        models = col.models
        basic = next(m for m in models.values() if m["name"] == "Basic")
        extra = dict(basic["flds"][-1], name="Extra", ord=len(basic["flds"]))
        basic["flds"].append(extra)
        col.save_json("models", models, schema_change=True)
        col.db.execute(
            "update notes set flds = flds || char(31) where mid = ?", (int(basic["id"]),)
        )
        return int(basic["id"])

    mid = server.deps.engine.write(user_id, add_field)
    out = col_a.sync_collection(auth_a, False)
    assert out.required == Required.FULL_SYNC  # both sides have content: the user chooses
    full_sync(col_a, auth_a, upload=False, media_usn=out.server_media_usn)
    assert len(col_a.models.get(mid)["flds"]) == 3  # type: ignore[index]
    assert counts(col_a) == (18, 27, 24)
    assert col_a.sync_collection(auth_a, False).required == Required.NO_CHANGES
    assert col_a.fix_integrity() == ("Database rebuilt and optimized.", True)
    with server.deps.engine.read(user_id) as ours:
        nid = ours.db.execute("select id from notes where mid = ? limit 1", (mid,)).fetchone()[0]
        assert len(get_note(ours, nid).fields) == 3


def test_schema_change_in_anki_is_uploaded_after_choosing_upload(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col_a, auth_a = uploaded_client(server, anki_col)
    basic = col_a.models.by_name("Basic")
    assert basic is not None
    col_a.models.add_field(basic, col_a.models.new_field("Hint"))
    col_a.models.update_dict(basic)
    out = col_a.sync_collection(auth_a, False)
    assert out.required == Required.FULL_SYNC
    full_sync(col_a, auth_a, upload=True, media_usn=out.server_media_usn)
    with server.deps.engine.read(_user_id(server)) as ours:
        fields = [f["name"] for f in ours.models[str(basic["id"])]["flds"]]
    assert fields == ["Front", "Back", "Hint"]
    assert col_a.sync_collection(auth_a, False).required == Required.NO_CHANGES
