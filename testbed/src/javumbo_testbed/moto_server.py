"""moto's S3 + DynamoDB server, answering one request at a time
(``python -m javumbo_testbed.moto_server -H 127.0.0.1 -p PORT``).

moto is not safe under concurrent requests. Its ``TransactWriteItems`` deep-copies every table
the transaction touches before applying it and, when the transaction is cancelled (a failed
condition: a lost journal append, a reused idempotency key), puts those copies back, erasing
whatever other requests wrote to the tables in the meantime: another user's acknowledged
journal entry vanishes. The copy itself fails with "dictionary changed size during iteration"
(a 500) when another request writes during it. DynamoDB does neither. One request at a time
gives moto DynamoDB's semantics back at little cost: moto's work is Python under one
interpreter lock either way, and connections are still accepted on many threads.

With requests one at a time, the whole-table copy is also more than a rollback needs, and it is
what makes moto's transactions slow down as a table grows (~30 µs per item in the table, on
every transaction: 30 ms per journal append once the table holds a thousand idempotency keys).
So this server also has each transaction keep only the items it touches and put those back
when it is cancelled, which is all the copy was for.
"""

from __future__ import annotations

import argparse
import copy
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


def roll_back_only_touched_items() -> None:
    """Make moto's ``TransactWriteItems`` keep (and on cancellation put back) only the items
    it touches instead of copying whole tables. Only sound when moto serves one request at a
    time, as ``make_moto_server`` does; calling it again changes nothing."""
    from moto.dynamodb import models as dynamodb_models
    from moto.dynamodb.models.table import Table

    models: Any = dynamodb_models

    backend_class: Any = models.DynamoDBBackend
    if getattr(backend_class.transact_write_items, "touched_items_only", False):
        return
    whole_table_copy = backend_class.transact_write_items

    class TablesNotCopied:
        """Stands in for the ``copy`` module inside moto's transaction."""

        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> Any:
        kept = _touched_items(backend, transact_items)
        models.copy = TablesNotCopied
        try:
            return whole_table_copy(backend, transact_items)
        except BaseException:
            _put_back(kept)
            raise
        finally:
            models.copy = copy

    transact_write_items.touched_items_only = True  # type: ignore[attr-defined]
    backend_class.transact_write_items = transact_write_items


def _touched_items(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """(table, hash key, range key, a copy of the item or None) for each item named."""
    kept = []
    for entry in transact_items:
        for op_type, op in entry.items():
            table = backend.tables.get(op.get("TableName"))
            if table is None:
                continue
            try:
                keys = op["Item"] if op_type == "Put" else op["Key"]
                hash_key, range_key = backend.get_keys_value(table, keys)
            except Exception:  # moto refuses such a transaction itself
                continue
            item = table.get_item(hash_key, range_key)
            kept.append((table, hash_key, range_key, copy.deepcopy(item)))
    return kept


def _put_back(kept: list[tuple[Any, ...]]) -> None:
    for table, hash_key, range_key, item in reversed(kept):
        if item is None:
            table.delete_item(hash_key, range_key)
        elif range_key is not None:
            table.items[hash_key][range_key] = item
        else:
            table.items[hash_key] = item


def make_moto_server(host: str, port: int) -> BaseWSGIServer:
    """A threaded werkzeug server over moto's app, serialised (not started)."""
    roll_back_only_touched_items()
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    app = OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
    return make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)


def serve_in_thread(host: str, port: int) -> Callable[[], None]:
    """``make_moto_server`` running on a daemon thread of this process; returns its stop."""
    server = make_moto_server(host, port)
    thread = threading.Thread(target=server.serve_forever, name=f"moto-{port}", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join()

    return stop


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m javumbo_testbed.moto_server")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    server = make_moto_server(args.host, args.port)
    print(f"moto (one request at a time) on http://{args.host}:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
