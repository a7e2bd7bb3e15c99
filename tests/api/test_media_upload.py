"""POST /api/media: pictures and sounds added from the editor, named as Anki names them."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from apiflask import APIFlask

from javumbo.api.app import app_services, create_app
from javumbo.settings import Settings
from tests.api.conftest import ApiUser, assert_error, register_and_login

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
OTHER_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x01" * 40
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 64


def send(user: ApiUser, data: bytes, filename: str) -> Any:
    return user.post(
        "/api/media",
        json=None,
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def stored(app: APIFlask, user: ApiUser) -> dict[str, bytes]:
    record = app_services(app).meta.get_user(user.username)
    assert record is not None
    media = app_services(app).engine.media(record.user_id)
    return {name: media.get(name) for name in media.list()}


def test_same_name_same_content_is_reused_other_content_renamed_as_anki(
    app: APIFlask, alice: ApiUser
) -> None:
    first = alice.ok(send(alice, PNG, "japan.png"), 201)
    assert first == {"name": "japan.png", "kind": "image"}
    again = alice.ok(send(alice, PNG, "japan.png"), 201)
    assert again["name"] == "japan.png"
    other = alice.ok(send(alice, OTHER_PNG, "japan.png"), 201)
    assert other["name"] == f"japan-{hashlib.sha1(OTHER_PNG).hexdigest()}.png"
    assert stored(app, alice) == {"japan.png": PNG, other["name"]: OTHER_PNG}
    fetched = alice.get("/api/media/japan.png")
    assert fetched.status_code == 200 and fetched.data == PNG


def test_kind_comes_from_the_bytes_not_the_name(app: APIFlask, alice: ApiUser) -> None:
    sound = alice.ok(send(alice, MP3, "voice.png"), 201)
    assert sound == {"name": "voice.mp3", "kind": "audio"}
    pasted = alice.ok(send(alice, PNG, "image"), 201)
    assert pasted["name"] == "image.png"
    assert_error(
        send(alice, b"<html><script>alert(1)</script></html>", "x.png"),
        415,
        "unsupported_media_type",
    )
    assert_error(send(alice, b"", "x.png"), 400, "invalid_request")
    assert set(stored(app, alice)) == {"voice.mp3", "image.png"}


def test_missing_file_field_is_a_clear_error(alice: ApiUser) -> None:
    response = alice.post("/api/media", json=None, data={}, content_type="multipart/form-data")
    assert_error(response, 422, "validation_error")


@pytest.fixture
def tight_app(tmp_path: Path) -> Iterator[APIFlask]:
    settings = Settings(data_dir=tmp_path / "data", media_quota_bytes=150, media_max_file_bytes=100)
    app = create_app(settings, in_lambda=False)
    app.testing = False
    yield app
    app_services(app).close()


def test_allowance_and_largest_file_are_enforced(tight_app: APIFlask) -> None:
    user = register_and_login(tight_app.test_client(), "carol")
    big = PNG + b"\x00" * 100
    assert_error(send(user, big, "big.png"), 413, "media_file_too_large")
    user.ok(send(user, PNG + b"\x00" * 40, "one.png"), 201)
    assert_error(send(user, OTHER_PNG + b"\x00" * 40, "two.png"), 413, "media_quota_exceeded")
    assert set(stored(tight_app, user)) == {"one.png"}


def test_a_note_with_uploaded_media_exports_to_a_package_real_anki_accepts(
    alice: ApiUser,
    tmp_path: Path,
    anki_validate: Callable[..., tuple[int, dict[str, Any]]],
) -> None:
    picture = alice.ok(send(alice, PNG, "map.png"), 201)["name"]
    sound = alice.ok(send(alice, MP3, "word.mp3"), 201)["name"]
    deck_id = alice.new_deck("Media")
    basic = next(
        nt for nt in alice.ok(alice.get("/api/notetypes"))["notetypes"] if nt["name"] == "Basic"
    )
    alice.ok(
        alice.post(
            "/api/notes",
            {
                "notetype_id": basic["id"],
                "deck_id": deck_id,
                "fields": [f'<b>Where</b> <img src="{picture}">', f"[sound:{sound}]"],
            },
        ),
        201,
    )
    path = tmp_path / "media.apkg"
    path.write_bytes(alice.get("/api/export").data)
    rc, verdict = anki_validate(path, expect={"notes": 1, "cards": 1})
    assert rc == 0, verdict
    assert verdict["counts"]["media_files"] == 2
