"""A stand-in for the Javumbo API with the routes the load test uses, the same shapes, and the
real storage engine behind them (``python -m tests.cluster.standin_api --port P``).

It lets the cluster, router, chaos and integrity check be exercised end to end independently of
the real API; tokens are unsigned (``sub`` only), which is all the router reads.
"""

from __future__ import annotations

import argparse
import base64
import json
import time
import uuid
from pathlib import Path
from typing import Any

import waitress
from flask import Flask, Response, jsonify, request

from javumbo.collection import SystemClock
from javumbo.collection.decks import add_deck, all_decks
from javumbo.collection.notes import add_note
from javumbo.collection.notetypes import notetype_by_name
from javumbo.collection.scheduler import Scheduler
from javumbo.settings import Settings
from javumbo.stores.factory import open_stores
from javumbo.stores.ports import StoreUnavailableError, UserExistsError, UserRecord
from javumbo.userdb import AlreadyApplied, ConflictError, StorageEngine


def _token(username: str) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part({'sub': username})}.x"


def _username() -> str:
    payload = request.headers.get("Authorization", "").split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])


def create_app(settings: Settings) -> Flask:
    blobs, meta = open_stores(settings)
    assert settings.cache_dir is not None
    engine = StorageEngine(
        settings,
        blobs,
        meta,
        instance_id=settings.instance_id or "standin",
        cache_dir=Path(settings.cache_dir),
        clock=SystemClock(),
    )
    app = Flask("standin")

    def user_id() -> str:
        record = meta.get_user(_username())
        assert record is not None
        return record.user_id

    def with_session(answer: Response, status: int = 200) -> tuple[Response, int]:
        session = engine.sessions.resume_session(_username(), request.headers.get("X-Session-ID"))
        answer.headers["X-Session-ID"] = session.session_id
        return answer, status

    def write(fn: Any) -> Any:
        result = engine.write(user_id(), fn, idempotency_key=request.headers.get("Idempotency-Key"))
        return result.result if isinstance(result, AlreadyApplied) else result

    @app.errorhandler(ConflictError)
    def conflict(exc: Exception) -> tuple[Response, int, dict[str, str]]:
        error = {"code": "conflict", "message": str(exc)}
        return jsonify({"error": error}), 409, {"Retry-After": "1"}

    @app.errorhandler(StoreUnavailableError)
    def unavailable(exc: Exception) -> tuple[Response, int]:
        return jsonify({"error": {"code": "unavailable", "message": str(exc)}}), 503

    @app.get("/health")
    def health() -> Response:
        return jsonify({"status": "ok"})

    @app.post("/register")
    def register() -> tuple[Response, int]:
        body = request.get_json()
        record = UserRecord(body["username"], uuid.uuid4().hex, "x", time.time())
        try:
            meta.create_user(record)
        except UserExistsError:
            return jsonify({"error": {"code": "exists", "message": "taken"}}), 409
        return jsonify({"ok": True}), 201

    @app.post("/login")
    def login() -> Response:
        return jsonify({"token": _token(request.get_json()["username"])})

    @app.post("/api/session/start")
    def start() -> tuple[Response, int]:
        session = engine.sessions.resume_session(_username(), None)
        answer = jsonify({"session_id": session.session_id})
        answer.headers["X-Session-ID"] = session.session_id
        return answer, 200

    @app.post("/api/decks")
    def decks() -> tuple[Response, int]:
        name = request.get_json()["name"]
        return with_session(jsonify({"id": write(lambda col: add_deck(col, name))}), 201)

    @app.get("/api/decks")
    def list_decks() -> tuple[Response, int]:
        with engine.read(user_id()) as col:
            listing = [{"id": deck["id"], "name": deck["name"]} for deck in all_decks(col)]
        return with_session(jsonify({"decks": listing}))

    @app.post("/api/cards")
    def cards() -> tuple[Response, int]:
        body = request.get_json()

        def add(col: Any) -> list[int]:
            basic = notetype_by_name(col, "Basic")
            assert basic is not None
            note = add_note(col, basic["id"], [body["front"], body["back"]], body["deck_id"])
            rows = col.db.execute("select id from cards where nid=?", (note.id,))
            return [int(card_id) for (card_id,) in rows]

        return with_session(jsonify({"card_ids": write(add)}), 201)

    @app.get("/api/review/<int:deck_id>")
    def queue(deck_id: int) -> tuple[Response, int]:
        with engine.read(user_id()) as col:
            cards = Scheduler(col).next_cards(deck_id, limit=10)
        return with_session(jsonify({"cards": [{"card_id": c.id} for c in cards]}))

    @app.post("/api/review")
    def review() -> tuple[Response, int]:
        body = request.get_json()
        rating, time_ms = body["rating"], body["time_ms"]
        write(lambda col: Scheduler(col).answer_card(body["card_id"], rating, time_ms) and None)
        return with_session(jsonify({"ok": True}))

    @app.post("/api/session/flush")
    def flush() -> tuple[Response, int]:
        result = engine.flush(user_id())
        return with_session(jsonify({"status": result.status}))

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    app = create_app(Settings.from_env())
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="standin")


if __name__ == "__main__":
    main()
