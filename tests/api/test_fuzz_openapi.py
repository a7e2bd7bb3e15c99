"""Schema-driven fuzzing of every documented operation (schemathesis), bounded in examples and
time: no answer may be a 5xx, and every answer must match what ``/api/openapi.json`` documents
for its status (status code, content type, body schema).

Two of schemathesis' phases run on each operation: the coverage phase (boundary values of every
constraint, missing and wrong-typed fields, and methods the document does not list, ``OPTIONS``
among them) and random fuzzing. Logging out everywhere ends the fuzzer's own token, so that
operation goes last."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from apiflask import APIFlask
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.generation.hypothesis.builder import (
    HypothesisTestConfig,
    HypothesisTestMode,
    create_test,
)

from javumbo.api.app import app_services, create_app
from javumbo.settings import Settings
from tests.api.conftest import register_and_login

MAX_EXAMPLES = 12
DEADLINE_MS = 5000


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[APIFlask]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz") / "data"
    app = create_app(Settings(data_dir=data_dir), in_lambda=False)
    yield app
    app_services(app).close()


@pytest.fixture(scope="module")
def fuzz_headers(fuzz_app: APIFlask) -> dict[str, str]:
    user = register_and_login(fuzz_app.test_client(), "fuzzer")
    deck_id = user.new_deck("Fuzz deck")
    for index in range(3):
        user.new_card(deck_id, f"front {index}", f"back {index}")
    return {"Authorization": f"Bearer {user.token}"}


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


LAST_OPERATIONS = ("POST /api/account/logout-all",)


def test_every_operation_conforms(fuzz_app: APIFlask, fuzz_headers: dict[str, str]) -> None:
    # One hypothesis run per operation, driven here rather than with ``schema.parametrize``:
    # schemathesis' lazy pytest fixtures do not work with this pytest version.
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app)
    config = HypothesisTestConfig(
        project=schema.config,
        modes=[HypothesisTestMode.COVERAGE, HypothesisTestMode.FUZZING],
        settings=settings(
            max_examples=MAX_EXAMPLES,
            deadline=DEADLINE_MS,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        ),
    )
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda operation: operation.label in LAST_OPERATIONS,
    )
    failures: dict[str, str] = {}
    methods_seen: set[str] = set()

    def call(case: Any) -> None:
        methods_seen.add(case.method.upper())
        case.call_and_validate(headers=fuzz_headers, checks=CHECKS)

    for operation in operations:
        run = create_test(operation=operation, test_func=call, config=config)
        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:
            failures[operation.label] = str(exc)[:2000]
    assert len(operations) >= 25
    assert "OPTIONS" in methods_seen  # the coverage phase ran
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
