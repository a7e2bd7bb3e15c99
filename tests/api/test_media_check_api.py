"""``/api/media-check``: unused and missing files listed, unused ones deleted from the store."""

from __future__ import annotations

from apiflask import APIFlask

from javumbo.api.app import app_services
from tests.api.conftest import ApiUser


def test_list_and_delete_unused_media(app: APIFlask, alice: ApiUser) -> None:
    deck_id = alice.new_deck("Pics")
    alice.new_card(deck_id, '<img src="kept.png">', '<img src="absent.png">')
    record = app_services(app).meta.get_user(alice.username)
    assert record is not None
    media = app_services(app).engine.media(record.user_id)
    for name in ("kept.png", "old.png", "older.png", "_style.css"):
        media.put(name, b"data " + name.encode())
    check = alice.ok(alice.get("/api/media-check"))
    assert check["unused"] == ["old.png", "older.png"]
    assert [m["name"] for m in check["missing"]] == ["absent.png"]
    refused = alice.post("/api/media-check/delete", {"names": ["kept.png"]})
    assert refused.status_code == 400
    deleted = alice.ok(alice.post("/api/media-check/delete", {"names": ["old.png"]}))
    assert deleted == {"deleted": ["old.png"]}
    assert alice.ok(alice.post("/api/media-check/delete", {}))["deleted"] == ["older.png"]
    assert sorted(media.list()) == ["_style.css", "kept.png"]
