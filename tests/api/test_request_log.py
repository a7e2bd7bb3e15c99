"""The request log has a line per API request, none per file of the web app."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from javumbo.api.webapp import WEBAPP_DIR
from tests.api.conftest import ApiUser, RequestLog


def test_web_app_files_get_no_log_line(
    client: FlaskClient, alice: ApiUser, request_log: RequestLog
) -> None:
    index = WEBAPP_DIR / "index.html"
    if not index.exists():
        pytest.skip("the web app is not built (tools/build_webapp.py)")
    assets = sorted((WEBAPP_DIR / "assets").glob("*.js"))
    request_log.lines.clear()
    for path in ["/", "/browse", *(f"/assets/{asset.name}" for asset in assets[:3])]:
        assert client.get(path).status_code == 200, path
    alice.get("/api/decks")
    assert [line["route"] for line in request_log.lines] == ["/api/decks"]


def test_a_missing_file_is_still_logged(client: FlaskClient, request_log: RequestLog) -> None:
    request_log.lines.clear()
    assert client.get("/assets/no-such-file.js").status_code == 404
    assert [line["status"] for line in request_log.lines] == [404]
