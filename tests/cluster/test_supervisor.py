"""The supervisor with real ``javumbo serve`` processes on a real moto server: a killed
instance comes back with an empty cache, a frozen one stops answering until thawed, and
nothing it started outlives it, whether it stops in order or its own process is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from javumbo_testbed.supervisor import Cluster, ClusterConfig
from tests.support import wait_until

REPO = Path(__file__).resolve().parents[2]


def is_running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def served_by(url: str) -> str:
    with urllib.request.urlopen(f"{url}/health", timeout=10) as answer:
        assert answer.status == 200
        return str(answer.headers["X-Javumbo-Instance"])


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with Cluster(ClusterConfig(instances=2, work_dir=tmp_path)) as running:
        yield running


def test_instances_are_separate_processes_with_own_caches(cluster: Cluster) -> None:
    pids = {instance.pid for instance in cluster.instances}
    assert len(pids) == 2
    assert {served_by(cluster.url) for _ in range(4)} == {"i1#1", "i2#1"}
    caches = {instance.cache_dir for instance in cluster.instances}
    assert len(caches) == 2 and all(path.is_dir() for path in caches)


def test_killed_instance_restarts_with_an_empty_cache(cluster: Cluster) -> None:
    victim = cluster.instance("i1")
    marker = victim.cache_dir / "warm-copy.anki2"
    marker.write_bytes(b"cached")
    old_process = victim.process
    assert old_process is not None
    assert cluster.kill("i1") == old_process.pid
    restarted = cluster.wait_for_restart("i1", after_generation=1, deadline=30)
    # A new process, told apart by its handle: after a long suite the kernel's pids wrap and
    # the new one may get the killed one's number.
    assert restarted.process is not old_process
    assert restarted.generation == 2 and restarted.restarts == 1
    assert not marker.exists() and restarted.cache_dir.is_dir()
    # Killed and reaped (no zombie left): the monitor collected its exit status.
    wait_until(
        lambda: old_process.returncode is not None, timeout=10, what="the killed to be reaped"
    )
    assert old_process.returncode == -signal.SIGKILL
    assert {served_by(cluster.url) for _ in range(4)} == {"i1#2", "i2#1"}


def test_requests_keep_succeeding_while_an_instance_is_down(cluster: Cluster) -> None:
    cluster.kill("i2")
    answers = [served_by(cluster.url) for _ in range(6)]
    assert all(label.startswith(("i1#", "i2#2")) for label in answers)


def test_frozen_instance_answers_only_after_thaw(cluster: Cluster) -> None:
    frozen = cluster.instance("i1")
    cluster.freeze("i1")
    try:
        with pytest.raises(TimeoutError):
            urllib.request.urlopen(f"http://127.0.0.1:{frozen.port}/health", timeout=0.5)
    finally:
        cluster.thaw("i1")
    with urllib.request.urlopen(f"http://127.0.0.1:{frozen.port}/health", timeout=10) as answer:
        assert answer.status == 200
    assert frozen.generation == 1  # frozen is not dead: no restart


def test_stop_ends_every_process(tmp_path: Path) -> None:
    with Cluster(ClusterConfig(instances=2, work_dir=tmp_path)) as running:
        assert running.emulator is not None
        pids = [i.pid for i in running.instances] + [running.emulator.process.pid]
    for pid in pids:
        assert pid is not None
        wait_until(lambda pid=pid: not is_running(pid), timeout=10, what=f"pid {pid} to end")


CLUSTER_SCRIPT = """
import json, sys, time
from pathlib import Path
from javumbo_testbed.supervisor import Cluster, ClusterConfig
cluster = Cluster(ClusterConfig(instances=2, work_dir=Path(sys.argv[1])))
cluster.start()
pids = [i.pid for i in cluster.instances] + [cluster.emulator.process.pid]
print(json.dumps(pids), flush=True)
time.sleep(120)
"""


def test_children_die_when_the_cluster_process_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", CLUSTER_SCRIPT, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    try:
        assert parent.stdout is not None
        pids: list[int] = json.loads(parent.stdout.readline())
        assert len(pids) == 3 and all(is_running(pid) for pid in pids)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
    for pid in pids:
        wait_until(lambda pid=pid: not is_running(pid), timeout=10, what=f"orphan {pid} to end")
