"""The real API routes through the Lambda adapter: a study session, a binary ``.apkg`` export and
a multipart import, with API Gateway v1 and v2 events, on the embedded stores and on S3 +
DynamoDB (moto's server over real HTTP)."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from javumbo.api.app import app_services, create_app
from javumbo.lambda_handler import LambdaHandler, wrap_app
from javumbo.settings import Settings
from javumbo.stores.aws_setup import ensure_aws_resources
from tests.api.conftest import PASSWORD
from tests.api.lambda_events import multipart_body, v1_event, v2_event
from tests.support import FakeLambdaContext, aws_settings, unique_names


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    base64: bool

    def json(self) -> Any:
        return json.loads(self.body)


class LambdaClient:
    """Sends requests as API Gateway events of one version and decodes the answers."""

    def __init__(self, handler: LambdaHandler, version: str) -> None:
        self.handler = handler
        self.version = version
        self.token: str | None = None
        self.session_id: str | None = None

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> Answer:
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.session_id:
            headers["X-Session-ID"] = self.session_id
        if self.version == "v1":
            event = v1_event(method, path, headers=headers, query=query, body=body)
        else:
            event = v2_event(method, path, headers=headers, query=urlencode(query or {}), body=body)
        raw = self.handler(event, FakeLambdaContext())
        flat = {k.lower(): v for k, v in (raw.get("headers") or {}).items()}
        for name, values in (raw.get("multiValueHeaders") or {}).items():
            flat[name.lower()] = values[-1]
        data = raw.get("body") or ""
        decoded = base64.b64decode(data) if raw.get("isBase64Encoded") else data.encode()
        answer = Answer(raw["statusCode"], flat, decoded, bool(raw.get("isBase64Encoded")))
        self.session_id = flat.get("x-session-id", self.session_id)
        return answer

    def login(self, username: str) -> None:
        credentials = {"username": username, "password": PASSWORD}
        assert self.call("POST", "/register", json_body=credentials).status == 201
        answer = self.call("POST", "/login", json_body=credentials)
        assert answer.status == 200
        self.token = answer.json()["token"]


def study_session(client: LambdaClient) -> dict[str, Any]:
    """Start a session, make a deck with three cards, answer two; returns what was made."""
    started = client.call("POST", "/api/session/start", json_body={})
    assert started.status == 200 and started.headers["x-session-id"] == started.json()["session_id"]
    deck = client.call("POST", "/api/decks", json_body={"name": "Lambda deck"})
    assert deck.status == 201
    deck_id = deck.json()["id"]
    for i in range(3):
        body = {"deck_id": deck_id, "front": f"q{i}", "back": f"a{i}"}
        assert client.call("POST", "/api/cards", json_body=body).status == 201
    queue = client.call("GET", f"/api/review/{deck_id}")
    assert queue.status == 200
    cards = queue.json()["cards"]
    assert len(cards) == 3 and all(len(c["intervals"]) == 4 for c in cards)
    for card in cards[:2]:
        body = {"card_id": card["card_id"], "rating": 3, "time_ms": 1500}
        assert client.call("POST", "/api/review", json_body=body).status == 200
    assert client.session_id == started.json()["session_id"]
    return {"deck_id": deck_id}


def download_export(client: LambdaClient) -> bytes:
    answer = client.call("GET", "/api/export")
    assert answer.status == 200 and answer.base64, "an .apkg must come back base64-encoded"
    assert answer.headers["content-type"] == "application/octet-stream"
    assert "attachment" in answer.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(answer.body)) as package:
        assert "collection.anki2" in package.namelist()
    assert answer.headers["x-export-revlog"] == "2"
    return answer.body


def upload_import(client: LambdaClient, package: bytes) -> dict[str, Any]:
    body, content_type = multipart_body("file", "lambda.apkg", package)
    answer = client.call("POST", "/api/import", body=body, headers={"Content-Type": content_type})
    assert answer.status == 202, answer.body[:500]
    job: dict[str, Any] = answer.json()
    # In Lambda nothing may run after the answer: the job comes back finished.
    assert job["status"] == "done", job
    polled = client.call("GET", f"/api/import/{job['job_id']}")
    assert polled.status == 200 and polled.json()["status"] == "done"
    return job


@pytest.fixture
def embedded_handler(tmp_path: Path) -> Iterator[LambdaHandler]:
    app = create_app(Settings(data_dir=tmp_path / "data"), in_lambda=True)
    yield wrap_app(app)
    app_services(app).close()


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_study_export_and_import_through_api_gateway_events(
    embedded_handler: LambdaHandler,
    version: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    anki_validate: Callable[..., tuple[int, dict[str, Any]]],
) -> None:
    alice = LambdaClient(embedded_handler, version)
    alice.login("alice")
    study_session(alice)
    package = download_export(alice)
    path = tmp_path / "lambda.apkg"
    path.write_bytes(package)
    rc, verdict = anki_validate(path, expect={"notes": 3, "cards": 3, "revlog": 2})
    assert rc == 0, verdict

    bob = LambdaClient(embedded_handler, version)
    bob.login("bob")
    job = upload_import(bob, package)
    assert job["report"]["notes_added"] == 3
    found = bob.call("GET", "/api/cards", query={"q": "deck:Lambda*"})
    assert found.status == 200 and found.json()["total"] == 3

    printed = capsys.readouterr().out
    metrics = [json.loads(line) for line in printed.splitlines() if line.startswith('{"_aws"')]
    assert metrics, "no CloudWatch EMF metrics were printed in Lambda mode"
    names = {m["Name"] for doc in metrics for m in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {"RequestLatency", "S3Operations", "Conflicts", "ServerErrors"} <= names
    assert any("CacheHit" in doc for doc in metrics)


def test_request_id_comes_from_the_lambda_context(embedded_handler: LambdaHandler) -> None:
    event = v2_event("GET", "/health")
    raw = embedded_handler(event, FakeLambdaContext(aws_request_id="lambda-req-42"))
    assert raw["statusCode"] == 200
    headers = {k.lower(): v for k, v in raw["headers"].items()}
    assert headers["x-request-id"] == "lambda-req-42"
    assert json.loads(raw["body"])["mode"] == "lambda"


def test_bad_requests_through_lambda_are_json_4xx(embedded_handler: LambdaHandler) -> None:
    client = LambdaClient(embedded_handler, "v2")
    assert client.call("GET", "/api/decks").status == 401
    client.login("carol")
    malformed = client.call(
        "POST", "/api/decks", body=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert malformed.status == 400 and "error" in malformed.json()
    assert client.call("GET", "/api/decks/424242").status == 404


def test_on_s3_and_dynamodb_emulator(moto_url: str, tmp_path: Path) -> None:
    settings = aws_settings(moto_url, **unique_names("api"))
    settings = Settings(
        **{
            **settings.__dict__,
            "jwt_secret_key": "k" * 48,
            "cache_dir": tmp_path / "cache",
            "instance_id": "lambda-1",
        }
    )
    ensure_aws_resources(settings)
    app = create_app(settings, in_lambda=True)
    try:
        client = LambdaClient(wrap_app(app), "v2")
        client.login("dynamo-user")
        study_session(client)
        flushed = client.call(
            "POST", "/api/session/flush", json_body={"session_id": client.session_id}
        )
        assert flushed.status == 200 and flushed.json()["status"] == "durable"
        package = download_export(client)
        assert package[:2] == b"PK"
        health = client.call("GET", "/health").json()
        assert health["backend"] == "aws" and health["status"] == "ok"
    finally:
        app_services(app).close()
