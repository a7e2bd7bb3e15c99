"""The dashboard's custom metrics are exactly the ones the app emits.

The names come from two sides: ``infra/monitoring.tf`` (locals ``metrics_namespace``,
``custom_metrics`` and ``metrics_service``), and the CloudWatch embedded-metric-format lines the
API really prints when it runs as if in Lambda, driven through a review session.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from javumbo.api.app import create_app
from javumbo.api.services import EXTENSION_KEY
from javumbo.settings import Settings
from tests.infra.conftest import INFRA

MONITORING = INFRA / "monitoring.tf"


def terraform_locals() -> tuple[str, dict[str, str], str]:
    text = MONITORING.read_text()
    namespace = re.search(r'^\s*metrics_namespace\s*=\s*"([^"]+)"', text, re.M)
    service = re.search(r'^\s*metrics_service\s*=\s*"([^"]+)"', text, re.M)
    block = re.search(r"^\s*custom_metrics\s*=\s*\{(.*?)^\s*\}", text, re.M | re.S)
    assert namespace and service and block, "monitoring.tf lost one of its metric locals"
    metrics = dict(re.findall(r'^\s*(\w+)\s*=\s*"([^"]+)"', block.group(1), re.M))
    return namespace.group(1), metrics, service.group(1)


def emf_documents(stdout: str) -> list[dict[str, Any]]:
    documents = []
    for line in stdout.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            documents.append(json.loads(line))
    return documents


@pytest.fixture
def emitted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """Drive one review session through the app as Lambda would run it; its EMF output."""
    app = create_app(Settings(data_dir=tmp_path / "data"), in_lambda=True)
    client = app.test_client()
    try:
        credentials = {"username": "metrics-user", "password": "correct horse battery"}
        assert client.post("/register", json=credentials).status_code == 201
        token = client.post("/login", json=credentials).get_json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        started = client.post("/api/session/start", headers=auth).get_json()
        assert client.get("/api/decks", headers=auth).status_code == 200
        assert client.get("/api/decks/999999", headers=auth).status_code == 404
        flushed = client.post(
            "/api/session/flush", json={"session_id": started["session_id"]}, headers=auth
        )
        assert flushed.get_json()["session_ended"] is True
    finally:
        app.extensions[EXTENSION_KEY].close()
    documents = emf_documents(capsys.readouterr().out)
    assert documents, "the app printed no embedded-metric-format lines"
    return documents


def test_dashboard_metrics_are_exactly_the_emitted_ones(emitted: list[dict[str, Any]]) -> None:
    namespace, metrics, service = terraform_locals()
    names: set[str] = set()
    for document in emitted:
        for directive in document["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == namespace
            assert ["service"] in directive["Dimensions"]
            names.update(metric["Name"] for metric in directive["Metrics"])
        assert document["service"] == service
    assert set(metrics.values()) == names


def test_every_dashboard_reference_names_a_defined_metric() -> None:
    _namespace, metrics, _service = terraform_locals()
    text = MONITORING.read_text()
    used = set(re.findall(r"local\.custom_metrics\.(\w+)", text))
    assert used and used <= set(metrics)
    assert "local.metrics_service" in text
    # A literal dimension value would drift from the code's; the local is the one checked.
    assert not re.search(r'"service",\s*"', text)
