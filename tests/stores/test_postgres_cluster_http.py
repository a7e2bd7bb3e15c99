"""A cluster without AWS over real HTTP: two ``javumbo serve`` processes on one PostgreSQL
database and one SeaweedFS bucket. What a learner answers on one is served by the other, and
``javumbo loadtest`` against one finds every acknowledged answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from javumbo.settings import Settings
from javumbo.stores.postgres_setup import ensure_postgres_resources
from tests.container.learner import Learner, wait_until_healthy
from tests.stores.postgres_server import create_database
from tests.support import FAKE_AWS_ENV, free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cluster_env(
    postgres_server_url: str, seaweedfs_url: str, aws_env: dict[str, str]
) -> dict[str, str]:
    env = {
        **FAKE_AWS_ENV,
        "JAVUMBO_BACKEND": "postgres",
        "JWT_SECRET_KEY": "cluster-secret-" + "x" * 32,
        "DATABASE_URL": create_database(postgres_server_url, "cluster"),
        "AWS_ENDPOINT_URL": seaweedfs_url,
        "S3_BUCKET": f"cluster-{uuid.uuid4().hex[:10]}",
    }
    ensure_postgres_resources(Settings.from_env(env))
    return env


@pytest.fixture
def instances(cluster_env: dict[str, str], tmp_path: Path) -> Iterator[list[str]]:
    processes: list[subprocess.Popen[bytes]] = []
    urls = []
    try:
        for name in ("a", "b"):
            port = free_port()
            env = {
                **os.environ,
                **cluster_env,
                "JAVUMBO_DATA_DIR": str(tmp_path / name),  # this instance's cache only
                "JAVUMBO_INSTANCE_ID": name,
                "PYTHONPATH": str(ROOT / "src"),
            }
            log = (tmp_path / f"{name}.log").open("wb")
            proc = subprocess.Popen(
                [sys.executable, "-m", "javumbo", "serve", "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
            log.close()
            processes.append(proc)
            url = f"http://127.0.0.1:{port}"
            wait_until_healthy(url, 60, alive=lambda p=proc: p.poll() is None)
            urls.append(url)
        yield urls
    finally:
        for proc in processes:
            proc.terminate()
            proc.wait(timeout=30)


def test_answers_on_one_instance_are_served_by_the_other(instances: list[str]) -> None:
    first, second = instances
    learner = Learner(first, "clustered")
    learner.register()
    learner.login()
    deck_id = learner.study("Cluster", cards=4, answers=3)
    elsewhere = Learner(second, "clustered")
    elsewhere.login()
    assert elsewhere.reps(deck_id) == [0, 1, 1, 1]
    elsewhere.study("Second", cards=1, answers=1)
    assert learner.reps(deck_id) == [0, 1, 1, 1]


def test_loadtest_on_the_cluster_loses_nothing(instances: list[str]) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "javumbo",
            "loadtest",
            "--target",
            instances[0],
            "--users",
            "3",
            "--cards",
            "5",
            "--json",
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    report = json.loads(run.stdout)
    assert report["users_failed"] == {} and report["acknowledged"] == 15
    assert (report["lost"], report["duplicated"], report["unverified"]) == (0, 0, 0)
    assert report["reviews_found"] == 15
