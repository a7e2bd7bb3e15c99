"""moto's S3 + DynamoDB server, answering one request at a time
(``python -m javumbo.cluster.moto_server -H 127.0.0.1 -p PORT``).

moto is not safe under concurrent requests. Its ``TransactWriteItems`` deep-copies every table
the transaction touches before applying it and, when the transaction is cancelled (a failed
condition: a lost journal append, a reused idempotency key), puts those copies back, erasing
whatever other requests wrote to the tables in the meantime: another user's acknowledged
journal entry vanishes. The copy itself fails with "dictionary changed size during iteration"
(a 500) when another request writes during it. DynamoDB does neither. One request at a time
gives moto DynamoDB's semantics back at little cost: moto's work is Python under one
interpreter lock either way, and connections are still accepted on many threads.
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class OneRequestAtATime:
    """A WSGI app that lets ``app`` handle one request at a time, its whole answer included."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.lock:
            answer = self.app(environ, start_response)
            try:
                return list(answer)
            finally:
                close = getattr(answer, "close", None)
                if close is not None:
                    close()


def make_moto_server(host: str, port: int) -> BaseWSGIServer:
    """A threaded werkzeug server over moto's app, serialised (not started)."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    app = OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
    return make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m javumbo.cluster.moto_server")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    server = make_moto_server(args.host, args.port)
    print(f"moto (one request at a time) on http://{args.host}:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
