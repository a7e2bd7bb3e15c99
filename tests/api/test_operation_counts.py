"""What a warm request costs in store calls, pinned exactly: the storage engine's promise is one
small metastore read per read request (the head, compared with the instance's copy) and, for a
write, one metastore write (the journal append, which carries the idempotency key and is
conditional on the copy's seq, so a warm copy that was current at its last head read writes
without reading the head), with no blob operation while the copy is warm. The real app runs
over real stores (a folder and a SQLite file, and S3 + DynamoDB on moto over HTTP); every
metastore call is recorded by name, and the adapters' counters and the request log line are
checked too, so an extra call anywhere in the request fails a test here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import pytest
from apiflask import APIFlask
from werkzeug.test import TestResponse

from javumbo.api.app import app_services, create_app
from javumbo.settings import Settings
from javumbo.stores.aws_setup import ensure_aws_resources
from javumbo.stores.dynamodb import DynamoMetaStore
from javumbo.stores.factory import dynamodb_client, s3_client
from javumbo.stores.local import LocalBlobStore
from javumbo.stores.metrics import OperationCounters
from javumbo.stores.ports import BlobStore, MetaStore
from javumbo.stores.s3 import S3BlobStore
from javumbo.stores.sqlite_meta import SqliteMetaStore
from tests.api.conftest import ApiUser, RequestLog, register_and_login
from tests.support import aws_settings, unique_names

BLOB_COUNTERS = ("blob_get", "blob_put", "blob_delete", "blob_list", "blob_head")


class RecordingMetaStore:
    """The real metastore, with the name of every call it receives kept in order."""

    def __init__(self, inner: MetaStore) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.inner, name)
        if name.startswith("_") or not callable(found):
            return found

        def recorded(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return found(*args, **kwargs)

        return recorded


@dataclass
class Cost:
    """The store calls one request made."""

    meta_calls: list[str]
    meta_read: int
    meta_write: int
    blob_ops: dict[str, int]
    log_line: dict[str, Any]
    response: TestResponse = field(repr=False)


@dataclass
class Instance:
    """One API process over the shared stores."""

    app: APIFlask
    meta: RecordingMetaStore
    meta_counters: OperationCounters
    blob_counters: OperationCounters


@dataclass
class Rig:
    blobs: BlobStore
    meta: MetaStore
    blob_counters: OperationCounters
    meta_counters: OperationCounters
    settings: Settings
    request_log: RequestLog
    instances: list[Instance] = field(default_factory=list)

    def start_instance(self, name: str, cache_dir: Path) -> Instance:
        recording = RecordingMetaStore(self.meta)
        settings = replace(self.settings, instance_id=name, cache_dir=cache_dir)
        app = create_app(settings, stores=(self.blobs, cast(MetaStore, recording)), in_lambda=False)
        instance = Instance(
            app,
            recording,
            self.meta_counters,
            self.blob_counters,
        )
        self.instances.append(instance)
        return instance

    def cost(self, instance: Instance, send: Callable[[], TestResponse]) -> Cost:
        meta_before = instance.meta_counters.snapshot()
        blob_before = instance.blob_counters.snapshot()
        instance.meta.calls.clear()
        self.request_log.lines.clear()
        response = send()
        meta_after = instance.meta_counters.snapshot()
        blob_after = instance.blob_counters.snapshot()
        (line,) = self.request_log.lines
        return Cost(
            meta_calls=list(instance.meta.calls),
            meta_read=meta_after["meta_read"] - meta_before["meta_read"],
            meta_write=meta_after["meta_write"] - meta_before["meta_write"],
            blob_ops={
                name: blob_after[name] - blob_before[name]
                for name in BLOB_COUNTERS
                if blob_after[name] != blob_before[name]
            },
            log_line=line,
            response=response,
        )


@pytest.fixture(params=["local", "aws-moto"])
def rig(request: pytest.FixtureRequest, tmp_path: Path, request_log: RequestLog) -> Iterator[Rig]:
    if request.param == "local":
        settings = Settings(data_dir=tmp_path / "data")
        blobs: LocalBlobStore | S3BlobStore = LocalBlobStore(tmp_path / "blobs")
        meta: SqliteMetaStore | DynamoMetaStore = SqliteMetaStore(tmp_path / "meta.sqlite3")
    else:
        url: str = request.getfixturevalue("moto_url")
        settings = replace(
            aws_settings(url, **unique_names("opcount")),
            jwt_secret_key="k" * 48,
            data_dir=tmp_path / "data",
        )
        ensure_aws_resources(settings)
        blobs = S3BlobStore(settings.s3_bucket, s3_client(settings))
        meta = DynamoMetaStore(settings, dynamodb_client(settings))
    built = Rig(blobs, meta, blobs.counters, meta.counters, settings, request_log)
    yield built
    for instance in built.instances:
        app_services(instance.app).close()


@dataclass
class Study:
    """A user in an open review session on ``instance``, with a warm copy there."""

    instance: Instance
    user: ApiUser
    deck_id: int
    card_ids: list[int]


def open_study(rig: Rig, instance: Instance, cards: int = 4) -> Study:
    user = register_and_login(instance.app.test_client())
    user.ok(user.post("/api/session/start", {}))
    deck_id = user.new_deck("Counted")
    card_ids = [user.new_card(deck_id, front=f"front {i}") for i in range(cards)]
    study = Study(instance, user, deck_id, card_ids)
    answer(study, card_ids[-1], str(uuid.uuid4()))  # warm: copy loaded, session noted
    queue(study)
    return study


def queue(study: Study) -> TestResponse:
    response = study.user.get(f"/api/review/{study.deck_id}")
    study.user.ok(response)
    return response


def answer(study: Study, card_id: int, key: str | None) -> TestResponse:
    headers = {"Idempotency-Key": key} if key is not None else None
    body = {"card_id": card_id, "rating": 3, "time_ms": 1200}
    return study.user.post("/api/review", body, headers=headers)


def reps(study: Study, card_id: int) -> int:
    cards = study.user.ok(study.user.get("/api/cards", query_string={"deck_id": study.deck_id}))
    found: int = next(c["reps"] for c in cards["cards"] if c["card_id"] == card_id)
    return found


def assert_log_agrees(cost: Cost) -> None:
    line = cost.log_line
    assert line["meta_ops"] == cost.meta_read + cost.meta_write, line
    assert line["blob_ops"] == sum(cost.blob_ops.values()) == 0, line
    assert line["cache_hit"] is True, line


# ------------------------------------------------------------------ one instance, warm


def test_a_warm_review_queue_costs_one_head_read(rig: Rig, tmp_path: Path) -> None:
    study = open_study(rig, rig.start_instance("one", tmp_path / "cache-one"))
    cost = rig.cost(study.instance, lambda: queue(study))
    assert study.user.ok(cost.response)["cards"]
    assert cost.meta_calls == ["get_head"]
    assert (cost.meta_read, cost.meta_write, cost.blob_ops) == (1, 0, {})
    assert_log_agrees(cost)


@pytest.mark.parametrize("key", ["with key", "without key"])
def test_a_warm_answer_costs_one_journal_append(rig: Rig, tmp_path: Path, key: str) -> None:
    study = open_study(rig, rig.start_instance("one", tmp_path / "cache-one"))
    card_id = study.card_ids[0]
    idempotency_key = str(uuid.uuid4()) if key == "with key" else None
    cost = rig.cost(study.instance, lambda: answer(study, card_id, idempotency_key))
    assert study.user.ok(cost.response)["card_id"] == card_id
    # The key travels in the append (refused there if used): no lookup before the write; the
    # append is conditional on the copy's seq: no head read before it either.
    assert cost.meta_calls == ["append_journal"]
    assert (cost.meta_read, cost.meta_write, cost.blob_ops) == (0, 1, {})
    assert_log_agrees(cost)
    assert reps(study, card_id) == 1


def test_a_retried_answer_is_refused_by_the_append_and_replays_the_first_result(
    rig: Rig, tmp_path: Path
) -> None:
    study = open_study(rig, rig.start_instance("one", tmp_path / "cache-one"))
    card_id, key = study.card_ids[0], str(uuid.uuid4())
    first = study.user.ok(answer(study, card_id, key))
    cost = rig.cost(study.instance, lambda: answer(study, card_id, key))
    assert study.user.ok(cost.response) == first
    assert cost.response.headers["Idempotent-Replayed"] == "true"
    # The refused append, then the first run's result kept with its key (DynamoDB adapters
    # that cannot return the cancelled item's seq look the key up once more).
    calls = [c for c in cost.meta_calls if c != "find_idempotency_key"]
    assert calls == ["append_journal", "get_idempotency_result"]
    assert cost.meta_write == 1 and cost.blob_ops == {}
    assert reps(study, card_id) == 1


def test_a_retried_delete_answers_as_applied_not_as_missing(rig: Rig, tmp_path: Path) -> None:
    """The retry's callable fails (the note is gone): the key decides, not the failure."""
    study = open_study(rig, rig.start_instance("one", tmp_path / "cache-one"))
    body = {"deck_id": study.deck_id, "front": "doomed", "back": "note"}
    note_id = study.user.ok(study.user.post("/api/cards", body), 201)["note_id"]
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = study.user.ok(study.user.delete(f"/api/notes/{note_id}", headers=key))
    retried = study.user.delete(f"/api/notes/{note_id}", headers=key)
    assert study.user.ok(retried) == first
    assert retried.headers["Idempotent-Replayed"] == "true"
    unknown = study.user.delete(f"/api/notes/{note_id}", headers={"Idempotency-Key": "new"})
    assert unknown.status_code == 404


# ------------------------------------------------------------------ two instances


def test_another_instance_catches_up_with_one_journal_read_and_keeps_the_session(
    rig: Rig, tmp_path: Path
) -> None:
    first = rig.start_instance("first", tmp_path / "cache-first")
    second = rig.start_instance("second", tmp_path / "cache-second")
    study = open_study(rig, first)
    twin_user = ApiUser(
        second.app.test_client(),
        study.user.username,
        study.user.token,
        study.user.refresh_token,
        study.user.session_id,
    )
    twin = Study(second, twin_user, study.deck_id, study.card_ids)
    loading = rig.cost(second, lambda: queue(twin))
    # The session was extended moments ago by the first instance: read, kept, not rewritten.
    assert loading.meta_calls.count("get_session") == 1, loading.meta_calls
    assert "update_session" not in loading.meta_calls and "create_session" not in loading.meta_calls
    assert twin.user.session_id == study.user.session_id
    answer(study, study.card_ids[0], str(uuid.uuid4()))  # the first instance moves on

    cost = rig.cost(second, lambda: queue(twin))
    # Warm now: the copy replays the one entry it missed, the session costs nothing.
    assert cost.meta_calls == ["get_head", "read_journal"]
    assert (cost.meta_read, cost.meta_write, cost.blob_ops) == (2, 0, {})
    assert_log_agrees(cost)
    assert reps(twin, study.card_ids[0]) == 1


def test_a_write_on_a_copy_that_fell_behind_catches_up_then_reads_the_head_first(
    rig: Rig, tmp_path: Path
) -> None:
    """The copy was current at its last head read, so the answer goes straight to the append,
    which is refused (another instance wrote meanwhile); the copy catches up and the answer is
    applied on top. The next write then reads the head first, since this user's writes are
    spread over instances; once a head read finds nothing new, writes go straight again."""
    first = rig.start_instance("first", tmp_path / "cache-first")
    second = rig.start_instance("second", tmp_path / "cache-second")
    study = open_study(rig, first)
    twin = Study(
        second,
        ApiUser(
            second.app.test_client(),
            study.user.username,
            study.user.token,
            study.user.refresh_token,
            study.user.session_id,
        ),
        study.deck_id,
        study.card_ids,
    )
    queue(twin)  # the second instance has a current copy too
    answer(twin, study.card_ids[0], str(uuid.uuid4()))

    behind = rig.cost(first, lambda: answer(study, study.card_ids[1], str(uuid.uuid4())))
    assert study.user.ok(behind.response)["card_id"] == study.card_ids[1]
    assert behind.meta_calls == ["append_journal", "get_head", "read_journal", "append_journal"]

    answer(twin, study.card_ids[2], str(uuid.uuid4()))
    checked = rig.cost(first, lambda: answer(study, study.card_ids[0], str(uuid.uuid4())))
    assert study.user.ok(checked.response)["card_id"] == study.card_ids[0]
    assert checked.meta_calls == ["get_head", "read_journal", "append_journal"]
    queue(study)  # a head read that finds nothing new
    straight = rig.cost(first, lambda: answer(study, study.card_ids[2], str(uuid.uuid4())))
    assert straight.meta_calls == ["append_journal"]
    assert_log_agrees(straight)
    assert [reps(study, c) for c in study.card_ids[:3]] == [2, 1, 2]
    assert [reps(twin, c) for c in study.card_ids[:3]] == [2, 1, 2]
