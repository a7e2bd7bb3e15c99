"""Anki's real client syncs through the Lambda adapter, as in production: each HTTP request it
makes is turned into an API Gateway event (REST v1 and HTTP API v2) for
``javumbo.lambda_handler`` (binary bodies base64-encoded both ways, as API Gateway does), on the
embedded stores and on S3 + DynamoDB (moto's server over real HTTP)."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from anki.collection import Collection as AnkiCollection

from javumbo.api.app import app_services, create_app
from javumbo.lambda_handler import LambdaHandler, wrap_app
from javumbo.settings import Settings
from javumbo.stores.aws_setup import ensure_aws_resources
from tests.api.lambda_events import v1_event, v2_event
from tests.support import FakeLambdaContext, aws_settings, unique_names
from tests.sync.conftest import Required, build_sample, counts, full_sync, sync_media

PASSWORD = "lambda sync password"


def _bridge(handler: LambdaHandler, version: str) -> type[BaseHTTPRequestHandler]:
    class Bridge(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self._read_body()
            path, _, query = self.path.partition("?")
            headers = dict(self.headers)
            if version == "v1":
                event = v1_event(
                    "POST", path, headers=headers, query=dict(parse_qsl(query)), body=body
                )
            else:
                event = v2_event("POST", path, headers=headers, query=query, body=body)
            raw = handler(event, FakeLambdaContext())
            data = raw.get("body") or ""
            payload = base64.b64decode(data) if raw.get("isBase64Encoded") else data.encode()
            self.send_response(raw["statusCode"])
            answer_headers = dict(raw.get("headers") or {})
            for name, values in (raw.get("multiValueHeaders") or {}).items():  # v1 answers
                answer_headers[name] = values[-1]
            for name, value in answer_headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST

        def _read_body(self) -> bytes | None:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0], 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                self.rfile.readline()
                return b"".join(chunks)
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else None

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Bridge


def _settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    if backend == "embedded":
        return Settings(data_dir=tmp_path / "data")
    moto = request.getfixturevalue("moto_url")
    base = aws_settings(moto, **unique_names("sync"))
    settings = Settings(
        **{**base.__dict__, "cache_dir": tmp_path / "cache", "instance_id": "lambda-sync"}
    )
    ensure_aws_resources(settings)
    return settings


@pytest.fixture(params=[("v1", "embedded"), ("v2", "embedded"), ("v2", "s3+dynamodb")])
def lambda_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    version, backend = request.param
    app = create_app(_settings(backend, tmp_path, request), in_lambda=True)
    client = app.test_client()
    credentials = {"username": "alice", "password": PASSWORD}
    assert client.post("/register", json=credentials).status_code == 201
    http = ThreadingHTTPServer(("127.0.0.1", 0), _bridge(wrap_app(app), version))
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}/"
    finally:
        http.shutdown()
        thread.join(10)
        app_services(app).close()


def test_anki_syncs_through_the_lambda_adapter(
    lambda_url: str, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col_a = anki_col("a")
    build_sample(col_a)
    auth_a = col_a.sync_login("alice", PASSWORD, lambda_url)
    out = col_a.sync_collection(auth_a, False)
    assert out.required == Required.FULL_UPLOAD
    full_sync(col_a, auth_a, upload=True, media_usn=out.server_media_usn)
    sync_media(col_a, auth_a)

    col_b = anki_col("b")
    auth_b = col_b.sync_login("alice", PASSWORD, lambda_url)
    out = col_b.sync_collection(auth_b, False)
    assert out.required == Required.FULL_DOWNLOAD
    full_sync(col_b, auth_b, upload=False, media_usn=out.server_media_usn)
    sync_media(col_b, auth_b)
    assert counts(col_b) == counts(col_a)
    assert sorted(Path(col_b.media.dir()).iterdir()) != []
    assert col_b.fix_integrity() == ("Database rebuilt and optimized.", True)

    # an incremental sync both ways: a review in b reaches a
    col_b.decks.select(col_b.decks.id("Geography", create=False))
    card = col_b.sched.getCard()
    assert card is not None
    col_b.sched.answerCard(card, 3)
    assert col_b.sync_collection(auth_b, False).required == Required.NO_CHANGES
    assert col_a.sync_collection(auth_a, False).required == Required.NO_CHANGES
    reps = "select reps from cards where id = ?"
    assert col_a.db.scalar(reps, card.id) == col_b.db.scalar(reps, card.id)
    assert counts(col_a) == counts(col_b)
