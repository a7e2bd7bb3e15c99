"""The part the router and the emulator's counting proxy share: take one HTTP request off a
client connection, send it upstream over a fresh connection, hand the answer back.

Bodies are read whole (requests and answers here are at most a few MB), in bytes, so binary
payloads pass untouched; hop-by-hop headers are dropped both ways. A fresh upstream connection
per request costs little on loopback and means a failure is never blamed on a stale keep-alive
connection: an error on connect proves the request was not delivered.
"""

from __future__ import annotations

import http.client
import json
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = frozenset(
    {
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "host",
    }
)

Headers = list[tuple[str, str]]


@dataclass
class Request:
    method: str
    path: str
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


@dataclass
class Response:
    status: int
    reason: str
    headers: Headers = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


class NotDelivered(ConnectionError):
    """The upstream could not be reached: the request certainly did not arrive."""


def json_error(status: int, code: str, message: str, *, retry_after: int | None = None) -> Response:
    """An answer in the API's error shape, for failures the proxy itself decides."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    headers: Headers = [("Content-Type", "application/json")]
    if retry_after is not None:
        headers.append(("Retry-After", str(retry_after)))
    reason = http.client.responses.get(status, "Error")
    return Response(status, reason, headers, body)


def send(host: str, port: int, request: Request, *, timeout: float) -> Response:
    """Deliver ``request`` to ``host:port``. ``NotDelivered`` if the connection could not be
    made; other ``OSError``/``http.client.HTTPException`` mean the outcome is unknown."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        try:
            connection.connect()
        except OSError as exc:
            raise NotDelivered(f"{host}:{port}: {exc}") from exc
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection.putrequest(
            request.method, request.path, skip_host=True, skip_accept_encoding=True
        )
        # The client's Host stays: AWS signatures cover it.
        connection.putheader("Host", request.header("Host") or f"{host}:{port}")
        for name, value in request.headers:
            if name.lower() not in HOP_BY_HOP:
                connection.putheader(name, value)
        if request.body or request.method in ("POST", "PUT", "PATCH"):
            connection.putheader("Content-Length", str(len(request.body)))
        connection.endheaders(request.body or None)
        answer = connection.getresponse()
        body = answer.read()
        headers = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP]
        return Response(answer.status, answer.reason, headers, body)
    finally:
        connection.close()


Route = Callable[[Request], Response | None]


class RelayHandler(BaseHTTPRequestHandler):
    """Reads a request, asks the server's ``route`` for an answer, writes it. ``route``
    returning None drops the connection without an answer (an unreachable upstream)."""

    protocol_version = "HTTP/1.1"
    server: RelayServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def handle_one_request(self) -> None:
        if self.server.refusing():
            self.close_connection = True
            return
        super().handle_one_request()

    def _serve(self) -> None:
        if self.server.refusing():
            self.close_connection = True
            return
        request = Request(self.command, self.path, list(self.headers.items()), self._read_body())
        answer = self.server.route(request)
        if answer is None:
            self.close_connection = True
            return
        self.send_response_only(answer.status, answer.reason)
        for name, value in answer.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _serve


class RelayServer(ThreadingHTTPServer):
    """A threaded HTTP server on 127.0.0.1 that answers every request through ``route``."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, route: Route, *, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), RelayHandler)
        self.route = route
        self._refusing = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        port: int = self.server_address[1]
        return port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up mid-request are routine here (killed instances, chaos)."""
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def refusing(self) -> bool:
        return self._refusing.is_set()

    def set_refusing(self, refusing: bool) -> None:
        """While refusing, every connection (new or kept alive) is closed without an answer."""
        if refusing:
            self._refusing.set()
        else:
            self._refusing.clear()

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
