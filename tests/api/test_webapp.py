"""The web app's static files and client-side routes, served next to the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask, jsonify
from flask.testing import FlaskClient

from javumbo.api.app import create_app
from javumbo.api.webapp import ASSET_MAX_AGE, register_webapp
from javumbo.settings import Settings

INDEX = "<!doctype html><title>Javumbo</title><div id=root></div>"


@pytest.fixture
def webapp_dir(tmp_path: Path) -> Path:
    built = tmp_path / "webapp"
    (built / "assets").mkdir(parents=True)
    (built / "index.html").write_text(INDEX)
    (built / "assets" / "index-abc123.js").write_text("console.log('app')")
    return built


@pytest.fixture
def client(webapp_dir: Path) -> FlaskClient:
    """An app with a POST-only /login like the API's, to prove the page route doesn't shadow it."""
    app = Flask("t")

    @app.post("/login")
    def login() -> object:
        return jsonify({"token": "t"})

    register_webapp(app, webapp_dir)
    return app.test_client()


def test_root_serves_index_uncached_with_a_content_security_policy(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == INDEX
    assert response.headers["Cache-Control"] == "no-cache"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_hashed_assets_are_cached_for_a_year(client: FlaskClient) -> None:
    response = client.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "console.log('app')"
    assert f"max-age={ASSET_MAX_AGE}" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["/review/42", "/stats", "/browse", "/login"])
def test_client_routes_get_the_index(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == INDEX


def test_api_routes_are_not_shadowed(client: FlaskClient) -> None:
    assert client.post("/login").get_json() == {"token": "t"}
    missing = client.get("/api/no-such-thing")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"


def test_missing_asset_is_404(client: FlaskClient) -> None:
    assert client.get("/assets/nope.js").status_code == 404
    assert client.get("/favicon.ico").status_code == 404


def test_unbuilt_app_says_how_to_build(tmp_path: Path) -> None:
    app = Flask("t")
    register_webapp(app, tmp_path / "missing")
    response = app.test_client().get("/")
    assert response.status_code == 503
    assert "make run" in response.get_data(as_text=True)


def test_create_app_serves_the_page_and_keeps_health(tmp_path: Path) -> None:
    client = create_app(Settings(data_dir=tmp_path)).test_client()
    assert client.get("/health").get_json()["status"] == "ok"
    assert client.get("/").status_code in (200, 503)
