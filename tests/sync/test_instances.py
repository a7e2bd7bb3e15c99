"""Any instance serves any call: two instances (own engines, caches, Flask apps and HTTP servers)
over the same stores, behind a proxy that sends each call to the other instance than the one
before, as API Gateway in front of Lambda may. Anki's real client syncs through it: full upload
and download, incremental both ways, web reviews on either instance; on the embedded stores and
on S3 + DynamoDB (moto)."""

from __future__ import annotations

import http.client
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from anki.collection import Collection as AnkiCollection
from werkzeug.serving import make_server
from werkzeug.wrappers import Request

from javumbo.collection import Collection
from javumbo.collection.decks import deck_by_name
from javumbo.collection.scheduler import Scheduler
from javumbo.settings import Settings
from javumbo.stores.aws_setup import ensure_aws_resources
from tests.support import aws_settings, unique_names
from tests.sync.conftest import (
    Required,
    RunningServer,
    counts,
    downloaded_client,
    start_server,
    uploaded_client,
)

_HOP_BY_HOP = {"connection", "transfer-encoding", "content-length", "keep-alive", "host"}


@dataclass
class AlternatingProxy:
    """Forwards each request to the next backend in turn and records who served what."""

    backends: list[str]
    served: list[tuple[str, int]] = field(default_factory=list)
    _turn: Iterator[int] = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._turn = itertools.cycle(range(len(self.backends)))

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        with self._lock:
            index = next(self._turn)
            self.served.append((environ["PATH_INFO"], index))
        target = urlsplit(self.backends[index])
        body = Request(environ).get_data()  # the client may send it chunked
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_") and key[5:].replace("_", "-").lower() not in _HOP_BY_HOP
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
        try:
            conn.request(environ["REQUEST_METHOD"], environ["PATH_INFO"], body, headers)
            answer = conn.getresponse()
            data = answer.read()
            status = f"{answer.status} {answer.reason}"
            kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP]
        finally:
            conn.close()
        start_response(status, [*kept, ("Content-Length", str(len(data)))])
        return [data]


@dataclass
class Cluster:
    instances: list[RunningServer]
    proxy: AlternatingProxy
    url: str

    def through_proxy(self, index: int = 0) -> RunningServer:
        """Instance ``index``'s handles (stores, engine), with the proxy's URL."""
        own = self.instances[index]
        return RunningServer(self.url, own.deps, own.sync, own.data_dir)


def _cluster(tmp_path: Path, settings: Callable[[Path], Settings | None]) -> Iterator[Cluster]:
    started = []
    for name in ("one", "two"):
        folder = tmp_path / name
        started.append(start_server(folder, settings=settings(folder), instance_id=name))
    proxy = AlternatingProxy([running.url for running, _ in started])
    http = make_server("127.0.0.1", 0, proxy, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield Cluster(
            [running for running, _ in started], proxy, f"http://127.0.0.1:{http.server_port}/"
        )
    finally:
        http.shutdown()
        thread.join(10)
        for _, stop in started:
            stop()


@pytest.fixture
def embedded_cluster(tmp_path: Path) -> Iterator[Cluster]:
    shared = tmp_path / "shared-data"
    yield from _cluster(tmp_path, lambda _folder: Settings(data_dir=shared))


@pytest.fixture
def aws_cluster(tmp_path: Path, moto_url: str) -> Iterator[Cluster]:
    settings = aws_settings(moto_url, **unique_names("sync"))
    ensure_aws_resources(settings)
    yield from _cluster(tmp_path, lambda _folder: settings)


def _answer_one_web_review(col: Collection) -> int:
    deck = deck_by_name(col, "Lang::Spanish")
    assert deck is not None
    sched = Scheduler(col)
    card = sched.next_cards(deck["id"], limit=1)[0]
    sched.answer_card(card.id, 3, 1000)
    return int(col.db.execute("select max(id) from revlog").fetchone()[0])


def _syncs_both_ways_across_instances(
    cluster: Cluster, anki_col: Callable[[str], AnkiCollection]
) -> None:
    front = cluster.through_proxy(0)
    col_a, auth_a = uploaded_client(front, anki_col)
    col_b, auth_b = downloaded_client(front, anki_col, "alice-b", "alice")
    assert counts(col_b) == counts(col_a) == (18, 27, 24)
    user = front.deps.meta.get_user("alice")
    assert user is not None

    # B reviews, adds and deletes; an incremental sync whose calls alternate instances
    cluster.proxy.served.clear()
    col_b.decks.select(col_b.decks.id("Geography", create=False))
    card = col_b.sched.getCard()
    assert card is not None
    col_b.sched.answerCard(card, 3)
    note = col_b.new_note(col_b.models.by_name("Basic"))
    note["Front"], note["Back"] = "added on B", "through two instances"
    col_b.add_note(note, col_b.decks.id("Geography", create=False))
    col_b.remove_notes(col_b.find_notes('"Capital of Egypt?"'))
    assert col_b.sync_collection(auth_b, False).required == Required.NO_CHANGES
    calls = [path for path, _ in cluster.proxy.served]
    assert {"/sync/start", "/sync/applyChunk", "/sync/sanityCheck2", "/sync/finish"} <= set(calls)
    indexes = [index for _, index in cluster.proxy.served]
    assert all(a != b for a, b in itertools.pairwise(indexes))  # every call on the other one

    # the web app answers on each instance; A pulls everything through the alternating proxy
    web = [
        cluster.instances[i].deps.engine.write(user.user_id, _answer_one_web_review) for i in (0, 1)
    ]
    assert col_a.sync_collection(auth_a, False).required == Required.NO_CHANGES
    assert counts(col_a) == (*counts(col_b)[:2], counts(col_b)[2] + 2)
    assert set(web) <= set(col_a.db.list("select id from revlog"))
    assert col_a.find_notes('"added on B"')
    assert not col_a.find_notes('"Capital of Egypt?"')
    assert col_b.sync_collection(auth_b, False).required == Required.NO_CHANGES
    assert counts(col_b) == counts(col_a)
    for instance in cluster.instances:
        with instance.deps.engine.read(user.user_id) as ours:
            n = ours.db.execute("select count() from revlog").fetchone()[0]
            assert n == counts(col_a)[2]
    assert col_a.fix_integrity() == ("Database rebuilt and optimized.", True)

    # a second full upload (forced) through the proxy replaces the collection everywhere
    col_a.mod_schema(check=False)
    out = col_a.sync_collection(auth_a, False)
    assert out.required == Required.FULL_SYNC
    col_a.close_for_full_sync()
    col_a.full_upload_or_download(auth=auth_a, server_usn=out.server_media_usn, upload=True)
    col_a.reopen(after_full_sync=True)
    for instance in cluster.instances:
        with instance.deps.engine.read(user.user_id) as ours:
            row = ours.db.execute(
                "select (select count() from notes), (select count() from cards),"
                " (select count() from revlog)"
            ).fetchone()
            assert tuple(row) == counts(col_a)
    # no pending sync is left behind in the blob store
    leftovers = list(front.deps.blobs.list(f"users/{user.user_id}/sync/pending/"))
    assert leftovers == []


def test_incremental_and_full_syncs_alternating_two_instances(
    embedded_cluster: Cluster, anki_col: Callable[[str], AnkiCollection]
) -> None:
    _syncs_both_ways_across_instances(embedded_cluster, anki_col)


def test_alternating_instances_on_s3_and_dynamodb(
    aws_cluster: Cluster, anki_col: Callable[[str], AnkiCollection]
) -> None:
    _syncs_both_ways_across_instances(aws_cluster, anki_col)
