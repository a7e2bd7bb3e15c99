"""The Lambda adapter: real API Gateway v1/v2 payloads, binary both ways, and one run through
AWS's own runtime client (``awslambdaric``) against a Runtime API stub on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, request

from javumbo.api.app import create_app
from javumbo.lambda_handler import LambdaHandler, wrap_app
from javumbo.settings import Settings, lambda_environment, running_on_lambda
from tests.api.lambda_events import multipart_body, v1_event, v2_event

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + bytes(range(256))


def app_with_binary_routes(tmp_path: Path) -> Flask:
    """The real app plus two routes that exercise binary download and multipart upload."""
    app = create_app(Settings(data_dir=tmp_path))

    @app.get("/_test/binary")
    def binary() -> Response:
        return Response(PNG, mimetype="image/png")

    @app.post("/_test/upload")
    def upload() -> dict[str, Any]:
        stored = request.files["file"]
        data = stored.read()
        return {"name": stored.filename, "sha256": hashlib.sha256(data).hexdigest()}

    return app


@pytest.fixture
def handler(tmp_path: Path) -> LambdaHandler:
    return wrap_app(app_with_binary_routes(tmp_path))


def body_of(response: dict[str, Any]) -> bytes:
    raw = response.get("body") or ""
    return base64.b64decode(raw) if response.get("isBase64Encoded") else raw.encode()


@pytest.mark.parametrize("make_event", [v1_event, v2_event])
def test_health_through_both_event_versions(handler: LambdaHandler, make_event: Any) -> None:
    response = handler(make_event("GET", "/health"), None)
    assert response["statusCode"] == 200
    assert json.loads(body_of(response))["status"] == "ok"


@pytest.mark.parametrize("make_event", [v1_event, v2_event])
def test_binary_download_is_base64_encoded(handler: LambdaHandler, make_event: Any) -> None:
    response = handler(make_event("GET", "/_test/binary"), None)
    assert response["statusCode"] == 200
    assert response["isBase64Encoded"] is True
    assert body_of(response) == PNG


@pytest.mark.parametrize("make_event", [v1_event, v2_event])
def test_multipart_upload_arrives_intact(handler: LambdaHandler, make_event: Any) -> None:
    content = os.urandom(50_000)
    body, content_type = multipart_body("file", "deck.apkg", content)
    event = make_event("POST", "/_test/upload", headers={"Content-Type": content_type}, body=body)
    response = handler(event, None)
    assert response["statusCode"] == 200, body_of(response)
    assert json.loads(body_of(response)) == {
        "name": "deck.apkg",
        "sha256": hashlib.sha256(content).hexdigest(),
    }


def test_unknown_route_is_a_json_404_not_a_crash(handler: LambdaHandler) -> None:
    response = handler(v2_event("GET", "/api/definitely-not-here"), None)
    assert response["statusCode"] == 404


def test_lambda_is_detected_from_the_runtime_environment() -> None:
    assert not running_on_lambda({})
    env = lambda_environment({"AWS_LAMBDA_FUNCTION_NAME": "javumbo-api"})
    assert env["JAVUMBO_BACKEND"] == "aws"
    assert env["JAVUMBO_CACHE_DIR"].startswith("/tmp/")
    explicit = lambda_environment({"AWS_LAMBDA_FUNCTION_NAME": "f", "JAVUMBO_BACKEND": "embedded"})
    assert explicit["JAVUMBO_BACKEND"] == "embedded"
    assert lambda_environment({"JAVUMBO_BACKEND": "x"}) == {"JAVUMBO_BACKEND": "x"}


class RuntimeApiStub:
    """Just enough of the Lambda Runtime API to hand one event to a runtime client and catch
    its answer (``/2018-06-01/runtime/invocation/next``, ``/response``, ``/error``)."""

    def __init__(self, event: dict[str, Any]) -> None:
        self.event = event
        self.result: dict[str, Any] | None = None
        self.done = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if not self.path.endswith("/runtime/invocation/next"):
                    self.send_error(404)
                    return
                if stub.result is not None:  # one invocation only; park the client
                    stub.done.wait(30)
                    self.send_error(410)
                    return
                payload = json.dumps(stub.event).encode()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", "req-1")
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
                self.send_header(
                    "Lambda-Runtime-Invoked-Function-Arn",
                    "arn:aws:lambda:us-east-1:123456789012:function:javumbo-api",
                )
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                if self.path.endswith("/response"):
                    stub.result = json.loads(data)
                elif self.path.endswith("/error"):
                    stub.result = {"error": json.loads(data or b"{}")}
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                stub.done.set()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.done.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def runtime_stub() -> Iterator[RuntimeApiStub]:
    stub = RuntimeApiStub(v2_event("GET", "/health"))
    yield stub
    stub.close()


def test_runs_under_awslambdaric(runtime_stub: RuntimeApiStub, tmp_path: Path) -> None:
    pytest.importorskip("awslambdaric")
    env = {
        **os.environ,
        "AWS_LAMBDA_RUNTIME_API": runtime_stub.address,
        "AWS_LAMBDA_FUNCTION_NAME": "javumbo-api",
        "JAVUMBO_BACKEND": "embedded",
        "JAVUMBO_DATA_DIR": str(tmp_path / "data"),
        "JAVUMBO_CACHE_DIR": str(tmp_path / "cache"),
        "_HANDLER": "javumbo.lambda_handler.handler",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "awslambdaric", "javumbo.lambda_handler.handler"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        finished = runtime_stub.done.wait(60)
        assert finished, "the runtime client never answered the invocation"
    finally:
        proc.kill()
        output = proc.communicate(timeout=10)[0].decode(errors="replace")
    result = runtime_stub.result
    assert result is not None and "error" not in result, output[-3000:]
    assert result["statusCode"] == 200
    assert json.loads(body_of(result))["status"] == "ok"
