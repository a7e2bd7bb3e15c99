"""``javumbo loadtest --target URL`` against a real ``javumbo`` app served over HTTP on
127.0.0.1 (embedded stores in a temp folder): every acknowledged answer is found applied once;
a front that acknowledges answers without passing them on is caught, and the command then
exits 2."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from javumbo.api.app import app_services, create_app
from javumbo.cli import main
from javumbo.loadtest.report import format_report, report_ok
from javumbo.loadtest.runner import LoadTestConfig, run_loadtest
from javumbo.settings import Settings

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def drop_answers(app: WsgiApp) -> WsgiApp:
    """Acknowledges every ``POST /api/review`` with a 200 and never hands it to ``app``."""

    def front(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == "/api/review":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"ok": True}).encode()]
        return app(environ, start_response)

    return front


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Serves the real app (optionally behind a front) on a free port; returns its URL."""
    stops: list[Callable[[], None]] = []

    def start(front: Callable[[WsgiApp], WsgiApp] | None = None) -> str:
        app = create_app(Settings(data_dir=tmp_path / f"data{len(stops)}"), in_lambda=False)
        wsgi: WsgiApp = front(app.wsgi_app) if front is not None else app.wsgi_app
        server = make_server("127.0.0.1", 0, wsgi, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()

        def stop() -> None:
            server.shutdown()
            server.server_close()
            thread.join()
            app_services(app).close()

        stops.append(stop)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for stop in stops:
        stop()


@pytest.mark.timeout(120)
def test_every_acknowledged_answer_is_found_applied_once(serve: Callable[..., str]) -> None:
    report = run_loadtest(LoadTestConfig(target=serve(), users=2, cards=3, deadline_seconds=90))
    summary = format_report(report)
    assert report["users_failed"] == {}, summary
    assert report["acknowledged"] == report["sent"] == 6, summary
    assert report["reviews_found"] == 6, summary
    assert report["lost"] == report["duplicated"] == report["unverified"] == 0, summary
    assert report_ok(report)
    assert report["errors"] == {}, summary
    assert report["latency_ms"]["by_route"]["/api/review"]["count"] == 6
    assert "integrity OK" in summary


@pytest.mark.timeout(120)
def test_answers_acknowledged_but_never_applied_are_lost(serve: Callable[..., str]) -> None:
    report = run_loadtest(
        LoadTestConfig(target=serve(drop_answers), users=1, cards=2, deadline_seconds=90)
    )
    assert report["acknowledged"] == 2
    assert report["lost"] == 2 and report["reviews_found"] == 0
    assert not report_ok(report)
    assert "INTEGRITY FAILED" in format_report(report)


@pytest.mark.timeout(120)
def test_the_command_exits_2_when_an_answer_is_lost(
    serve: Callable[..., str], capsys: pytest.CaptureFixture[str]
) -> None:
    good = serve()
    assert main(["loadtest", "--target", good, "--users", "1", "--cards", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["acknowledged"] == 1
    lossy = serve(drop_answers)
    assert main(["loadtest", "--target", lossy, "--users", "1", "--cards", "1"]) == 2
    assert "INTEGRITY FAILED" in capsys.readouterr().out


def test_the_command_refuses_a_target_that_is_not_a_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["loadtest", "--target", "ftp://example"]) == 1
    assert "http://" in capsys.readouterr().err
