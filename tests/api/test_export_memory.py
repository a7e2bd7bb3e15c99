"""``GET /api/export`` sends the package from disk: a big media file passes through the export
without the server holding it (or the package) whole in memory."""

from __future__ import annotations

import tracemalloc
import zipfile
from pathlib import Path

from apiflask import APIFlask

from javumbo.api.app import app_services
from tests.api.conftest import ApiUser

MiB = 1024 * 1024


class _Zeros:
    """``size`` bytes of a pattern, produced as they are read."""

    def __init__(self, size: int) -> None:
        self.remaining = size

    def read(self, size: int = -1, /) -> bytes:
        n = self.remaining if size < 0 else min(size, self.remaining)
        self.remaining -= n
        return b"\x07" * n


def test_exporting_a_big_media_file_keeps_memory_bounded(
    app: APIFlask, alice: ApiUser, tmp_path: Path
) -> None:
    deck_id = alice.new_deck("Sounds")
    alice.new_card(deck_id, "listen [sound:long.mp3]", "back")
    user = app_services(app).meta.get_user(alice.username)
    assert user is not None
    app_services(app).engine.media(user.user_id).put_stream("long.mp3", _Zeros(40 * MiB))

    tracemalloc.start()
    try:
        response = alice.get("/api/export", buffered=False)
        assert response.status_code == 200
        package = tmp_path / "export.apkg"
        with package.open("wb") as out:
            for chunk in response.response:
                out.write(chunk)
        response.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * MiB, f"export peak {peak / MiB:.1f} MiB"
    assert int(response.headers["Content-Length"]) == package.stat().st_size
    with zipfile.ZipFile(package) as zf:
        assert zf.getinfo("0").file_size == 40 * MiB
        assert zf.read("media") == b'{"0": "long.mp3"}'
