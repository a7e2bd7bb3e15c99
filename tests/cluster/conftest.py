"""Stand-in HTTP servers for the router tests: small WSGI apps on real sockets, each answering
with its own name, and a server that reads a request and hangs up without answering."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from tests.support import free_port

StartResponse = Callable[..., Any]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def stand_in_app(
    name: str, delay: float = 0.0
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """``/echo`` answers what it received; ``/binary`` answers every byte value;
    ``/status/<code>`` answers that status. Every answer waits ``delay`` seconds first."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        time.sleep(delay)
        path = environ["PATH_INFO"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        if path == "/binary":
            start_response("200 OK", [("Content-Type", "application/octet-stream")])
            return [bytes(range(256)) * 4]
        if path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            start_response(f"{code} Whatever", [("Content-Type", "application/json")])
            return [json.dumps({"backend": name}).encode()]
        headers = {
            k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k[:5] == "HTTP_"
        }
        answer = {
            "backend": name,
            "method": environ["REQUEST_METHOD"],
            "path": path,
            "query": environ.get("QUERY_STRING", ""),
            "headers": headers,
            "body": body.hex(),
        }
        start_response("200 OK", [("Content-Type", "application/json"), ("X-Backend", name)])
        return [json.dumps(answer).encode()]

    return app


@dataclass
class StandIn:
    name: str
    port: int


@pytest.fixture
def stand_ins() -> Iterator[Callable[[int], list[StandIn]]]:
    servers: list[_ThreadingWSGIServer] = []

    def start(count: int, *, delays: tuple[float, ...] = ()) -> list[StandIn]:
        started = []
        for index in range(count):
            name = f"s{len(servers) + 1}"
            delay = delays[index] if index < len(delays) else 0.0
            server = make_server(
                "127.0.0.1",
                0,
                stand_in_app(name, delay),
                server_class=_ThreadingWSGIServer,
                handler_class=_QuietHandler,
            )
            threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
            ).start()
            servers.append(server)
            started.append(StandIn(name, server.server_address[1]))
        return started

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def hang_up_server() -> Iterator[StandIn]:
    """Accepts, reads the request head, and closes the connection without a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    stopping = threading.Event()
    seen: list[bytes] = []

    def serve() -> None:
        while not stopping.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                with contextlib.suppress(OSError):
                    seen.append(connection.recv(65536))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield StandIn("hangup", listener.getsockname()[1])
    stopping.set()
    thread.join(timeout=2)
    listener.close()


@pytest.fixture
def unused_port() -> int:
    """A port where nothing listens (it was free a moment ago)."""
    return free_port()
