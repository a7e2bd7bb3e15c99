"""``/api/docs``: Swagger UI for ``/api/openapi.json``, served by the app itself.

The page shares the web app's origin, where the refresh token lives in ``localStorage``, so it
loads nothing from elsewhere: Swagger UI comes pinned with the package (``swagger-ui-bundle-v2``)
and is served from ``/api/docs/swagger-ui/<version>/``, the page's own script is a file too, and
the page carries the web app's Content-Security-Policy (``script-src 'self'``). The online
validator badge is off, so the page works offline.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, send_from_directory
from flask.typing import ResponseReturnValue
from swagger_ui_bundle import swagger_ui_path

from javumbo.api.webapp import CONTENT_SECURITY_POLICY

SWAGGER_UI_DIR = Path(swagger_ui_path)
SWAGGER_UI_VERSION = SWAGGER_UI_DIR.name.removeprefix("swagger-ui-")
SWAGGER_UI_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js"})
ASSET_MAX_AGE = 365 * 24 * 3600
ASSETS = f"/api/docs/swagger-ui/{SWAGGER_UI_VERSION}"

DOCS_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Javumbo API</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-spec="/api/openapi.json"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/api/docs/start.js"></script>
</body>
</html>
"""

START_SCRIPT = """window.ui = SwaggerUIBundle({
  url: document.getElementById("swagger-ui").dataset.spec,
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
"""

bp = Blueprint("api_docs", __name__)


def _hardened(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/api/docs")
def page() -> ResponseReturnValue:
    response = Response(DOCS_PAGE, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return _hardened(response)


@bp.get("/api/docs/start.js")
def start_script() -> ResponseReturnValue:
    response = Response(START_SCRIPT, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return _hardened(response)


@bp.get(f"/api/docs/swagger-ui/{SWAGGER_UI_VERSION}/<name>")
def asset(name: str) -> ResponseReturnValue:
    if name not in SWAGGER_UI_FILES:
        abort(404)
    response = send_from_directory(SWAGGER_UI_DIR, name, max_age=ASSET_MAX_AGE)
    response.headers["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE}, immutable"
    return _hardened(response)
