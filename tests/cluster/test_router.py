"""The router against real HTTP servers: spreading, stickiness, bodies and headers passed
untouched, and what it does when an instance is down, hangs up or is too slow."""

from __future__ import annotations

import base64
import http.client
import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from javumbo_testbed.router import Backend, BackendTable, Router, jwt_subject
from tests.cluster.conftest import StandIn

HTTP = tuple[int, dict[str, str], bytes]


def token_for(subject: str) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256'})}.{part({'sub': subject, 'exp': 9999999999})}.c2ln"


def call(router: Router, method: str, path: str, body: bytes = b"", **headers: str) -> HTTP:
    connection = http.client.HTTPConnection("127.0.0.1", router.port, timeout=10)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


@pytest.fixture
def make_router() -> Iterator[Callable[..., Router]]:
    routers: list[Router] = []

    def make(backends: list[StandIn | Backend], **options: Any) -> Router:
        table = BackendTable(
            [b if isinstance(b, Backend) else Backend(b.name, b.port) for b in backends]
        )
        router = Router(table, **options)
        router.start()
        routers.append(router)
        return router

    yield make
    for router in routers:
        router.stop()


def served_by(answer: HTTP) -> str:
    return str(json.loads(answer[2])["backend"])


def test_round_robin_takes_turns(stand_ins: Any, make_router: Callable[..., Router]) -> None:
    router = make_router(stand_ins(3))
    names = [served_by(call(router, "GET", "/echo")) for _ in range(9)]
    assert Counter(names) == {"s1": 3, "s2": 3, "s3": 3}
    assert names[:3] != [names[0]] * 3


def test_random_reaches_every_instance(stand_ins: Any, make_router: Callable[..., Router]) -> None:
    router = make_router(stand_ins(3), policy="random", seed=7)
    names = Counter(served_by(call(router, "GET", "/echo")) for _ in range(60))
    assert set(names) == {"s1", "s2", "s3"}
    assert max(names.values()) < 40


def test_sticky_keeps_a_user_on_one_instance(
    stand_ins: Any, make_router: Callable[..., Router]
) -> None:
    router = make_router(stand_ins(3), policy="sticky")
    homes = {}
    for user in ("alice", "bob", "carol", "dave", "erin", "frank"):
        seen = {
            served_by(call(router, "GET", "/echo", Authorization=f"Bearer {token_for(user)}"))
            for _ in range(5)
        }
        assert len(seen) == 1, (user, seen)
        homes[user] = seen.pop()
    assert len(set(homes.values())) > 1
    anonymous = {served_by(call(router, "GET", "/echo")) for _ in range(3)}
    assert anonymous == {"s1", "s2", "s3"}


def test_sticky_moves_a_user_when_home_is_down(
    stand_ins: Any, make_router: Callable[..., Router]
) -> None:
    servers = stand_ins(3)
    router = make_router(servers, policy="sticky")
    auth = f"Bearer {token_for('alice')}"
    home = served_by(call(router, "GET", "/echo", Authorization=auth))
    router.table.update(home, up=False)
    elsewhere = {served_by(call(router, "GET", "/echo", Authorization=auth)) for _ in range(4)}
    assert len(elsewhere) == 1 and home not in elsewhere


def test_bodies_headers_and_statuses_pass_untouched(
    stand_ins: Any, make_router: Callable[..., Router]
) -> None:
    router = make_router(stand_ins(1))
    payload = bytes(range(256)) * 3
    status, headers, body = call(
        router,
        "POST",
        "/echo?x=1&y=%20z",
        payload,
        **{
            "Content-Type": "application/octet-stream",
            "X-Session-ID": "abc",
            "Idempotency-Key": "k1",
        },
    )
    echoed = json.loads(body)
    assert status == 200
    assert bytes.fromhex(echoed["body"]) == payload
    assert echoed["query"] == "x=1&y=%20z"
    assert echoed["headers"]["x-session-id"] == "abc"
    assert echoed["headers"]["idempotency-key"] == "k1"
    assert headers["X-Backend"] == "s1"
    assert headers["X-Javumbo-Instance"] == "s1#0"

    status, headers, body = call(router, "GET", "/binary")
    assert status == 200 and body == bytes(range(256)) * 4
    assert headers["Content-Type"] == "application/octet-stream"

    for method in ("PUT", "DELETE", "PATCH"):
        status, _, body = call(router, method, "/echo", b"{}")
        assert status == 200 and json.loads(body)["method"] == method
    status, _, body = call(router, "GET", "/status/409")
    assert status == 409 and json.loads(body) == {"backend": "s1"}


def test_keep_alive_connection_serves_many_requests(
    stand_ins: Any, make_router: Callable[..., Router]
) -> None:
    router = make_router(stand_ins(2))
    connection = http.client.HTTPConnection("127.0.0.1", router.port, timeout=10)
    try:
        for index in range(5):
            connection.request("POST", "/echo", body=str(index).encode())
            answer = connection.getresponse()
            assert bytes.fromhex(json.loads(answer.read())["body"]) == str(index).encode()
    finally:
        connection.close()


def test_no_instance_up_is_503(stand_ins: Any, make_router: Callable[..., Router]) -> None:
    servers = stand_ins(2)
    router = make_router([Backend(s.name, s.port, up=False) for s in servers])
    status, headers, body = call(router, "GET", "/echo")
    assert status == 503
    assert headers["Retry-After"] == "1"
    assert json.loads(body)["error"]["code"] == "no_instance"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_refused_connection_moves_any_request_on(
    method: str, stand_ins: Any, make_router: Callable[..., Router], unused_port: int
) -> None:
    (server,) = stand_ins(1)
    router = make_router([Backend("dead", unused_port), Backend(server.name, server.port)])
    answers = [call(router, method, "/echo", b"x") for _ in range(4)]
    assert [a[0] for a in answers] == [200] * 4
    assert {served_by(a) for a in answers} == {"s1"}
    assert router.stats["not_delivered"] == 2


@pytest.mark.parametrize(
    ("method", "headers", "expected"),
    [
        ("POST", {}, 502),
        ("POST", {"Idempotency-Key": "k"}, 200),
        ("GET", {}, 200),
        ("PUT", {}, 200),
    ],
)
def test_hang_up_after_delivery_retries_only_repeatable_requests(
    method: str,
    headers: dict[str, str],
    expected: int,
    stand_ins: Any,
    hang_up_server: StandIn,
    make_router: Callable[..., Router],
) -> None:
    (server,) = stand_ins(1)
    router = make_router(
        [Backend("hangup", hang_up_server.port), Backend(server.name, server.port)]
    )
    status, _, body = call(router, method, "/echo", b"x", **headers)
    assert status == expected
    if expected == 502:
        assert json.loads(body)["error"]["code"] == "bad_gateway"
    else:
        assert served_by((status, {}, body)) == "s1"


@pytest.mark.parametrize(("headers", "expected"), [({}, 504), ({"Idempotency-Key": "k"}, 200)])
def test_slow_instance_times_out_and_only_repeatable_requests_move_on(
    headers: dict[str, str],
    expected: int,
    stand_ins: Any,
    make_router: Callable[..., Router],
) -> None:
    slow, fast = stand_ins(2, delays=(1.5, 0.0))
    router = make_router(
        [Backend(slow.name, slow.port), Backend(fast.name, fast.port)], upstream_timeout=0.3
    )
    status, _, body = call(router, "POST", "/echo", b"x", **headers)
    assert status == expected
    assert router.stats["timeouts"] == 1
    if expected == 504:
        assert json.loads(body)["error"]["code"] == "gateway_timeout"
    else:
        assert served_by((status, {}, body)) == fast.name


def test_unknown_policy_is_refused() -> None:
    policy: Any = "least-loaded"
    with pytest.raises(ValueError, match="routing policy"):
        Router(BackendTable([]), policy=policy)


@pytest.mark.parametrize(
    ("header", "subject"),
    [
        (f"Bearer {token_for('alice')}", "alice"),
        (f"bearer {token_for('42')}", "42"),
        ("Bearer not-a-jwt", None),
        ("Bearer a.!!!.c", None),
        ("Basic dXNlcjpwdw==", None),
        (None, None),
    ],
)
def test_jwt_subject(header: str | None, subject: str | None) -> None:
    assert jwt_subject(header) == subject
