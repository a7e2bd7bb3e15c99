"""Settings survive a full sync: a client with FSRS-6 parameters, easy days, per-deck limits, a
filtered deck's preview seconds and a customised note type uploads its whole collection, and a
second client that downloads it gets every one of them back as Anki itself shows them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from anki.collection import Collection as AnkiCollection

from tests.sync.conftest import (
    PASSWORD,
    Required,
    RunningServer,
    build_sample,
    downloaded_client,
    full_sync,
)

FSRS6 = [0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796]
FSRS6 += [1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542]
PRESET: dict[str, Any] = {
    "fsrsParams6": FSRS6,
    "fsrsParams5": FSRS6[:19],
    "desiredRetention": 0.87,
    "sm2Retention": 0.85,
    "weightSearch": "deck:Geography",
    "ignoreRevlogsBeforeDate": "2024-01-15",
    "easyDaysPercentages": [1.0, 0.5, 1.0, 0.0, 1.0, 0.8, 0.3],
    "questionAction": 1,
    "answerAction": 4,
    "waitForAudio": False,
    "secondsToShowQuestion": 12.5,
    "secondsToShowAnswer": 7.25,
    "stopTimerOnAnswer": True,
}
DECK_LIMITS: dict[str, Any] = {
    "reviewLimit": 150,
    "newLimit": 7,
    "reviewLimitToday": {"limit": 30, "today": 0},
    "newLimitToday": {"limit": 2, "today": 0},
    "desiredRetention": 83,
}
PREVIEW = {"previewAgainSecs": 45, "previewHardSecs": 321, "previewGoodSecs": 1234}


def _set_every_option(col: AnkiCollection) -> None:
    build_sample(col)
    col.set_config("fsrs", True)
    col.set_config("myAddon", {"nested": [1, 2.5, None]})
    preset = col.decks.get_config(1)
    assert preset is not None
    preset.update(PRESET)
    col.decks.update_config(preset)
    deck = col.decks.by_name("Geography")
    assert deck is not None
    deck.update(DECK_LIMITS)
    col.decks.save(deck)
    filtered = col.decks.get(col.decks.new_filtered("Cram"))
    assert filtered is not None
    filtered.update(PREVIEW)
    col.decks.save(filtered)
    basic = col.models.by_name("Basic")
    assert basic is not None
    basic["flds"][0].update(description="the question", plainText=True, excludeFromSearch=True)
    basic["tmpls"][0].update(bqfmt="<b>{{Front}}</b>", bsize=13)
    col.models.update_dict(basic)


def _settings(col: AnkiCollection) -> dict[str, Any]:
    """What the client shows, keyed by id. ``usn`` is left out: the server stamps its own on
    everything a full upload brings."""

    def without_usn(items: list[Any]) -> dict[str, Any]:
        return {str(item["id"]): {k: v for k, v in item.items() if k != "usn"} for item in items}

    return {
        "presets": without_usn(col.decks.all_config()),
        "decks": without_usn(col.decks.all()),
        "notetypes": without_usn(col.models.all()),
        "fsrs": col.get_config("fsrs"),
        "myAddon": col.get_config("myAddon"),
    }


def test_every_setting_survives_a_full_upload_and_download(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    server.add_user("alice")
    col_a = anki_col("alice-a")
    _set_every_option(col_a)
    auth = col_a.sync_login("alice", PASSWORD, server.url)
    out = col_a.sync_collection(auth, False)
    assert out.required == Required.FULL_UPLOAD
    full_sync(col_a, auth, upload=True, media_usn=out.server_media_usn)

    user = server.deps.meta.get_user("alice")
    assert user is not None
    with server.deps.engine.read(user.user_id) as ours:  # what the web app reads
        assert ours.dconf["1"]["fsrsParams6"] == FSRS6
        geography = next(d for d in ours.decks.values() if d["name"] == "Geography")
        assert {key: geography[key] for key in DECK_LIMITS} == DECK_LIMITS

    col_b, _auth_b = downloaded_client(server, anki_col, "alice-b", "alice")
    settings = _settings(col_b)
    assert settings == _settings(col_a)
    assert {key: settings["presets"]["1"][key] for key in PRESET} == PRESET
    cram = next(d for d in settings["decks"].values() if d["name"] == "Cram")
    assert {key: cram[key] for key in PREVIEW} == PREVIEW
    assert settings["fsrs"] is True
