"""The sync endpoints live in the same app as the API: Anki's client logs in with a user
registered through ``/register`` and syncs against the app's base URL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from anki.collection import Collection as AnkiCollection
from werkzeug.serving import make_server

from javumbo.api.app import create_app
from javumbo.settings import Settings
from tests.sync.conftest import PASSWORD, Required, build_sample, full_sync, sync_media


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    app = create_app(Settings(data_dir=tmp_path / "data", jwt_secret_key="x" * 32), in_lambda=False)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    client = app.test_client()
    assert (
        client.post("/register", json={"username": "alice", "password": PASSWORD}).status_code
        == 201
    )
    yield f"http://127.0.0.1:{http.server_port}/"
    http.shutdown()
    thread.join(10)


def test_anki_syncs_with_the_api_app(
    app_url: str, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col = anki_col("client")
    build_sample(col)
    auth = col.sync_login("alice", PASSWORD, app_url)
    out = col.sync_collection(auth, False)
    assert out.required == Required.FULL_UPLOAD
    full_sync(col, auth, upload=True, media_usn=out.server_media_usn)
    sync_media(col, auth)
    other = anki_col("other")
    auth_b = other.sync_login("alice", PASSWORD, app_url)
    out = other.sync_collection(auth_b, False)
    assert out.required == Required.FULL_DOWNLOAD
    full_sync(other, auth_b, upload=False, media_usn=out.server_media_usn)
    assert other.card_count() == col.card_count() == 27
