"""Application factory. Until the full API lands this serves ``/health`` only."""

from __future__ import annotations

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue

from javumbo import __version__
from javumbo.api.webapp import register_webapp
from javumbo.settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask("javumbo")
    app.config["JAVUMBO_SETTINGS"] = settings

    @app.get("/health")
    def health() -> ResponseReturnValue:
        return jsonify({"status": "ok", "version": __version__, "backend": settings.backend}), 200

    register_webapp(app)
    return app
