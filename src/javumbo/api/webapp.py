"""The single-page web app (built from ``web/`` into ``javumbo/webapp``) served at ``/``.

Hashed assets are cached for a year; ``index.html`` is never cached so a new build is picked up
at once. Any other GET that is not an API path gets ``index.html`` (the app routes on the
client), while unknown ``/api/...`` paths keep their JSON 404.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, abort, jsonify, send_from_directory
from flask.typing import ResponseReturnValue

WEBAPP_DIR = Path(__file__).resolve().parent.parent / "webapp"
ASSET_MAX_AGE = 365 * 24 * 3600
NOT_SPA_PREFIXES = ("api/", "health", "sync/", "msync/")

# The page's own policy; card HTML runs in a sandboxed srcdoc iframe that inherits it.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)

NOT_BUILT_PAGE = """<!doctype html><meta charset="utf-8"><title>Javumbo</title>
<p>The Javumbo web app has not been built. Run <code>make run</code> (or
<code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>) and reload.</p>"""


def create_webapp_blueprint(webapp_dir: Path = WEBAPP_DIR) -> Blueprint:
    webapp = Blueprint("webapp", __name__)

    def index() -> ResponseReturnValue:
        if not (webapp_dir / "index.html").is_file():
            return Response(NOT_BUILT_PAGE, status=503, mimetype="text/html")
        response = send_from_directory(webapp_dir, "index.html", max_age=0)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @webapp.get("/")
    def root() -> ResponseReturnValue:
        return index()

    @webapp.get("/assets/<path:filename>")
    def asset(filename: str) -> ResponseReturnValue:
        response = send_from_directory(webapp_dir / "assets", filename, max_age=ASSET_MAX_AGE)
        response.headers["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE}, immutable"
        return response

    @webapp.get("/<path:path>")
    def client_route(path: str) -> ResponseReturnValue:
        if path.startswith(NOT_SPA_PREFIXES):
            return jsonify({"error": {"code": "not_found", "message": "No such route."}}), 404
        if "." in path.rsplit("/", 1)[-1]:
            abort(404)
        return index()

    return webapp


def register_webapp(app: Flask, webapp_dir: Path = WEBAPP_DIR) -> None:
    app.register_blueprint(create_webapp_blueprint(webapp_dir))
