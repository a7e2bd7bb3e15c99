"""Error mapping (409, 503, 413, malformed bodies), sessions, idempotency and the request log."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apiflask import APIFlask
from flask.testing import FlaskClient

from javumbo.api.app import MAX_JSON_BODY_BYTES, app_services, create_app
from javumbo.collection import FixedClock
from javumbo.settings import Settings
from javumbo.stores.local import LocalBlobStore
from javumbo.stores.ports import ConditionFailedError, StoreUnavailableError
from javumbo.stores.sqlite_meta import SqliteMetaStore
from tests.api.conftest import ApiUser, RequestLog, assert_error, register_and_login


class FlakyMeta:
    """The real SQLite metastore, with journal appends that can be made to lose every race."""

    def __init__(self, inner: SqliteMetaStore) -> None:
        self.inner = inner
        self.lose_races = False

    def append_journal(self, *args: Any, **kwargs: Any) -> int:
        if self.lose_races:
            raise ConditionFailedError("another instance appended first")
        result: int = self.inner.append_journal(*args, **kwargs)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class FlakyBlobs:
    """The real local blob store, which can be switched off like an unreachable S3."""

    def __init__(self, inner: LocalBlobStore) -> None:
        self.inner = inner
        self.down = False

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if not callable(attribute) or name == "counters":
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise StoreUnavailableError("connection refused")
            return attribute(*args, **kwargs)

        return call


@pytest.fixture
def flaky(tmp_path: Path) -> Iterator[tuple[APIFlask, FlakyBlobs, FlakyMeta]]:
    data = tmp_path / "data"
    blobs = FlakyBlobs(LocalBlobStore(data / "blobs"))
    meta = FlakyMeta(SqliteMetaStore(data / "meta.sqlite3"))
    app = create_app(Settings(data_dir=data), stores=(blobs, meta), in_lambda=False)  # type: ignore[arg-type]
    yield app, blobs, meta
    app_services(app).close()


def test_lost_races_answer_409_with_retry_after(
    flaky: tuple[APIFlask, FlakyBlobs, FlakyMeta],
) -> None:
    app, _, meta = flaky
    user = register_and_login(app.test_client())
    deck_id = user.new_deck("Racing")
    meta.lose_races = True
    response = user.post("/api/cards", {"deck_id": deck_id, "front": "q", "back": "a"})
    assert_error(response, 409, "conflict")
    assert int(response.headers["Retry-After"]) >= 1
    meta.lose_races = False
    assert user.ok(user.get("/api/cards"))["total"] == 0  # nothing half-applied
    user.new_card(deck_id)
    assert user.ok(user.get("/api/cards"))["total"] == 1


def test_store_outage_answers_503_and_health_says_degraded(
    flaky: tuple[APIFlask, FlakyBlobs, FlakyMeta],
) -> None:
    app, blobs, _ = flaky
    client = app.test_client()
    user = register_and_login(client)
    blobs.down = True
    response = user.post("/api/decks", {"name": "Offline"})
    assert_error(response, 503, "store_unavailable")
    assert int(response.headers["Retry-After"]) >= 1
    health = client.get("/health")
    assert health.status_code == 503
    assert health.get_json()["status"] == "degraded"
    assert health.get_json()["checks"]["blob_store"]["ok"] is False
    assert health.get_json()["checks"]["meta_store"]["ok"] is True
    blobs.down = False
    assert client.get("/health").status_code == 200
    assert user.new_deck("Online")


def test_health_reports_reachable_backends(client: FlaskClient) -> None:
    body = client.get("/health").get_json()
    assert body["status"] == "ok" and body["backend"] == "embedded" and body["mode"] == "server"
    assert set(body["checks"]) == {"blob_store", "meta_store"}
    assert all(check["ok"] and check["latency_ms"] >= 0 for check in body["checks"].values())


def test_oversized_json_body_is_413(alice: ApiUser) -> None:
    huge = {"name": "x" * (MAX_JSON_BODY_BYTES + 10)}
    assert_error(alice.post("/api/decks", huge), 413, "payload_too_large")
    assert_error(
        alice.client.post("/register", json={"username": "big", "password": "p" * 2_000_000}),
        413,
    )


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("{not json", "application/json"),
        ("", "application/json"),
        ('{"name": "x"', "application/json"),
        ("name=x", "application/x-www-form-urlencoded"),
        ("\xff\xfe", "application/json"),
    ],
)
def test_malformed_bodies_are_4xx_json(alice: ApiUser, data: str, content_type: str) -> None:
    response = alice.call("POST", "/api/decks", data=data, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert "error" in response.get_json()


@pytest.mark.parametrize(
    ("label", "data"),
    [
        ("nested too deep for the parser", b"[" * 100_000 + b"]" * 100_000),
        ("byte order mark", b'\xef\xbb\xbf{"name": "x"}'),
        ("not UTF-8", b'{"name": "\xe9"}'),
        ("truncated", b'{"name": '),
        ("NaN is not JSON", b'{"name": NaN}'),
        ("nor is Infinity", b'{"name": -Infinity}'),
    ],
)
def test_unparseable_json_is_400_in_plain_words(alice: ApiUser, label: str, data: bytes) -> None:
    response = alice.call("POST", "/api/decks", data=data, content_type="application/json")
    error = assert_error(response, 400, "invalid_json")
    assert "not valid JSON" in error["message"], label
    assert alice.ok(alice.get("/api/decks"))["decks"][0]["name"] == "Default"


def test_lone_surrogates_are_refused_before_anything_is_written(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Surrogates")
    notetype_id = alice.ok(alice.get("/api/notetypes"))["notetypes"][0]["id"]
    for path, body in [
        ("/api/decks", '{"name": "bad \\ud800 name"}'),
        (
            "/api/notes",
            f'{{"notetype_id": {notetype_id}, "deck_id": {deck_id},'
            ' "fields": ["\\udc80front", "back"]}',
        ),
    ]:
        response = alice.call("POST", path, data=body, content_type="application/json")
        error = assert_error(response, 400, "invalid_json")
        assert "surrogate" in error["message"]
    names = [deck["name"] for deck in alice.ok(alice.get("/api/decks"))["decks"]]
    assert names == ["Default", "Surrogates"]
    assert alice.ok(alice.get("/api/cards"))["total"] == 0


def test_unknown_routes_and_methods_are_json(alice: ApiUser, client: FlaskClient) -> None:
    assert_error(alice.get("/api/nothing-here"), 404)
    assert_error(client.patch("/login", json={}), 405, "method_not_allowed")


# ------------------------------------------------------------------ sessions


def test_session_id_is_created_kept_and_replaced_when_unknown(alice: ApiUser) -> None:
    started = alice.ok(alice.post("/api/session/start"))
    assert started["session_id"] == alice.session_id and started["session_id"].startswith("sess_")
    deck_id = alice.new_deck("Session")
    assert alice.session_id == started["session_id"]  # kept across requests
    alice.session_id = "sess_doesnotexist"
    alice.ok(alice.get(f"/api/decks/{deck_id}"))
    # An unknown id gets the user's live session, not a second one.
    assert alice.session_id == started["session_id"]
    alice.session_id = "not a valid id!"
    alice.ok(alice.get("/api/decks"))
    assert alice.session_id == started["session_id"]


def test_requests_without_session_header_get_one(client: FlaskClient, alice: ApiUser) -> None:
    response = client.get("/api/decks", headers={"Authorization": f"Bearer {alice.token}"})
    assert response.status_code == 200
    assert response.headers["X-Session-ID"].startswith("sess_")


def test_flush_settles_without_a_snapshot_and_ends_the_session(
    app: APIFlask, alice: ApiUser
) -> None:
    alice.ok(alice.post("/api/session/start"))
    deck_id = alice.new_deck("Flushed")
    alice.new_card(deck_id)
    status = alice.ok(alice.get("/api/session/status"))
    assert status["has_session"] and status["unflushed"] >= 2
    blob_puts = app_services(app).blobs.counters.snapshot()["blob_put"]
    flushed = alice.ok(alice.post("/api/session/flush", {"session_id": alice.session_id}))
    # below its bound the journal is the delta: nothing uploaded, the entries stay
    assert flushed["status"] == "durable" and flushed["session_ended"] is True
    assert app_services(app).blobs.counters.snapshot()["blob_put"] == blob_puts
    status = alice.ok(alice.get("/api/session/status"))
    assert status["has_session"] is False and status["unflushed"] >= 2
    user = app_services(app).meta.get_user("alice")
    assert user is not None
    head = app_services(app).meta.get_head(user.user_id)
    assert head.seq > head.snapshot_seq
    again = alice.ok(alice.post("/api/session/flush", {}))
    assert again["status"] == "durable" and again["session_ended"] is False
    assert app_services(app).engine.flush(user.user_id).status == "flushed"  # when compacted
    assert alice.ok(alice.post("/api/session/flush", {}))["status"] == "clean"


def test_flush_with_unknown_session_is_404(alice: ApiUser) -> None:
    assert_error(alice.post("/api/session/flush", {"session_id": "sess_nope"}), 404)
    assert_error(alice.post("/api/session/flush", {"session_id": 5}), 422)


def test_a_new_instance_sees_every_acknowledged_write(data_dir: Path, alice: ApiUser) -> None:
    deck_id = alice.new_deck("Durable")
    card_id = alice.new_card(deck_id)
    alice.ok(alice.post("/api/review", {"card_id": card_id, "rating": 3, "time_ms": 900}))
    # Another process over the same stores, with its own empty cache, and no flush in between.
    other = create_app(
        Settings(data_dir=data_dir, instance_id="second", cache_dir=data_dir / "cache2"),
        in_lambda=False,
    )
    twin = ApiUser(other.test_client(), "alice", alice.token, alice.refresh_token)
    cards = twin.ok(twin.get("/api/cards", query_string={"deck_id": deck_id}))["cards"]
    assert [c["card_id"] for c in cards] == [card_id] and cards[0]["reps"] == 1
    app_services(other).close()


# ------------------------------------------------------------------ idempotency


def test_idempotency_key_replays_the_first_answer(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Idem")
    body = {"deck_id": deck_id, "front": "once", "back": "only"}
    first = alice.post("/api/cards", body, headers={"Idempotency-Key": "key-1"})
    second = alice.post("/api/cards", body, headers={"Idempotency-Key": "key-1"})
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert alice.ok(alice.get("/api/cards", query_string={"q": "once"}))["total"] == 1
    card_id = first.get_json()["card_id"]
    answer = {"card_id": card_id, "rating": 3, "time_ms": 500}
    a = alice.ok(alice.post("/api/review", answer, headers={"Idempotency-Key": "ans-1"}))
    b = alice.ok(alice.post("/api/review", answer, headers={"Idempotency-Key": "ans-1"}))
    assert a == b
    row = alice.ok(alice.get("/api/cards", query_string={"q": "once"}))["cards"][0]
    assert row["reps"] == 1
    # The same key on another route is another request.
    other = alice.post("/api/decks", {"name": "Idem 2"}, headers={"Idempotency-Key": "key-1"})
    assert other.status_code == 201 and "Idempotent-Replayed" not in other.headers


def test_an_idempotency_key_reused_for_another_note_is_another_request(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Idem notes")
    first = alice.ok(alice.post("/api/cards", {"deck_id": deck_id, "front": "one"}), 201)
    second = alice.ok(alice.post("/api/cards", {"deck_id": deck_id, "front": "two"}), 201)
    key = {"Idempotency-Key": "edit-1"}
    edited = alice.put(f"/api/notes/{first['note_id']}", {"tags": ["a"]}, headers=key)
    assert alice.ok(edited)["id"] == first["note_id"]
    other = alice.put(f"/api/notes/{second['note_id']}", {"tags": ["b"]}, headers=key)
    assert "Idempotent-Replayed" not in other.headers
    assert alice.ok(other)["id"] == second["note_id"]
    assert alice.ok(alice.get(f"/api/notes/{second['note_id']}"))["tags"] == ["b"]


def test_an_idempotency_key_reused_with_another_body_is_422(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Idem bodies")
    key = {"Idempotency-Key": "add-1"}
    first = alice.ok(
        alice.post("/api/cards", {"deck_id": deck_id, "front": "one"}, headers=key), 201
    )
    other = alice.post("/api/cards", {"deck_id": deck_id, "front": "two"}, headers=key)
    assert_error(other, 422, "idempotency_key_reused")
    assert "Idempotent-Replayed" not in other.headers
    cards = alice.ok(alice.get("/api/cards", query_string={"q": f"did:{deck_id}"}))
    assert cards["total"] == 1  # nothing written by the refused request
    same = alice.post("/api/cards", {"deck_id": deck_id, "front": "one"}, headers=key)
    assert alice.ok(same, 201) == first and same.headers["Idempotent-Replayed"] == "true"


def test_bad_idempotency_key_is_400(alice: ApiUser) -> None:
    response = alice.post("/api/decks", {"name": "x"}, headers={"Idempotency-Key": "a" * 200})
    assert_error(response, 400, "invalid_idempotency_key")


# ------------------------------------------------------------------ request log


def test_one_json_log_line_per_request(request_log: RequestLog, alice: ApiUser) -> None:
    deck_id = alice.new_deck("Logged")
    request_log.lines.clear()
    alice.ok(alice.get(f"/api/decks/{deck_id}"))
    assert_error(alice.get("/api/decks/424242"), 404)
    ok, missing = request_log.lines
    assert ok["route"] == "/api/decks/<int(max=9223372036854775807):deck_id>"
    assert ok["status"] == 200 and ok["method"] == "GET" and ok["latency_ms"] > 0
    assert ok["session_id"] == alice.session_id and ok["user_id"]
    assert ok["user_id"] != "alice"  # the opaque id, never the name
    assert ok["cache_hit"] is True and ok["meta_ops"] >= 1 and ok["blob_ops"] == 0
    assert missing["status"] == 404 and missing["error_code"] == "not_found"
    assert len(ok["request_id"]) >= 16 and ok["request_id"] != missing["request_id"]
    assert "alice" not in json.dumps(request_log.lines)


def test_request_id_is_taken_from_the_header_and_echoed(client: FlaskClient) -> None:
    response = client.get("/health", headers={"X-Request-ID": "trace-123"})
    assert response.headers["X-Request-ID"] == "trace-123"


def test_first_load_is_a_cache_miss_in_the_log(
    request_log: RequestLog, data_dir: Path, alice: ApiUser
) -> None:
    alice.new_deck("Cold")
    alice.ok(alice.post("/api/session/flush", {}))
    cold = create_app(
        Settings(data_dir=data_dir, instance_id="cold", cache_dir=data_dir / "cold-cache"),
        in_lambda=False,
    )
    twin = ApiUser(cold.test_client(), "alice", alice.token, alice.refresh_token)
    request_log.lines.clear()
    twin.ok(twin.get("/api/decks"))
    twin.ok(twin.get("/api/decks"))
    first, second = request_log.lines
    assert first["cache_hit"] is False and first["blob_ops"] >= 1
    assert second["cache_hit"] is True and second["blob_ops"] == 0
    app_services(cold).close()


def test_a_busy_session_costs_no_session_store_calls_until_due_for_refresh(
    data_dir: Path, request_log: RequestLog
) -> None:
    clock = FixedClock(time.time())
    app = create_app(Settings(data_dir=data_dir, session_ttl=300), clock=clock, in_lambda=False)
    user = register_and_login(app.test_client())
    user.ok(user.post("/api/session/start"))
    first_session = user.session_id
    user.ok(user.get("/api/decks"))
    request_log.lines.clear()
    user.ok(user.get("/api/decks"))
    warm = request_log.lines[-1]["meta_ops"]
    clock.advance(31)  # past ttl / 10: the stored expiry is extended again
    user.ok(user.get("/api/decks"))
    refreshed = request_log.lines[-1]["meta_ops"]
    assert refreshed >= warm + 2  # read and update of the session record
    stored = app_services(app).meta.get_session(first_session or "")
    assert stored is not None and stored.expires_at == clock.now() + 300
    assert user.session_id == first_session
    app_services(app).close()
