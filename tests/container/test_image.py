"""The container image, built and run with podman: ``make image``'s build (tools/build_image.py),
then a container with a volume and a read-only root filesystem where a learner registers and
reviews; the container is stopped (SIGTERM) and started again, and the answers are there.

Skips, saying why, where no container can run (no podman, not root, the runtime refuses).
On this kind of machine podman runs with ``--runtime runc`` and explicit ulimits no higher than
the host's hard limits.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.container.learner import Learner, wait_until_healthy
from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
TAG = "localhost/javumbo:test"
BASE_IMAGE = "docker.io/library/debian:bookworm-slim"
CONTAINER_UID = 10001
PODMAN = ["podman", "--runtime", "runc"]
STOP_DEADLINE_SECONDS = 10.0


def podman(
    *args: str, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PODMAN, *args], capture_output=True, text=True, check=check, timeout=timeout
    )


def ulimits() -> list[str]:
    """Explicit limits within the host's hard ones (runc refuses to raise them)."""
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nproc = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    nofile = 65536 if nofile == resource.RLIM_INFINITY else min(nofile, 65536)
    nproc = 4096 if nproc == resource.RLIM_INFINITY else min(nproc, 4096)
    return ["--ulimit", f"nofile={nofile}:{nofile}", "--ulimit", f"nproc={nproc}:{nproc}"]


def why_no_container() -> str | None:
    if shutil.which("podman") is None or shutil.which("runc") is None:
        return "podman or runc not installed (apt-get install podman runc mmdebstrap)"
    if os.geteuid() != 0:
        return "podman runs rootful here: the test needs root"
    has_base = podman("image", "exists", BASE_IMAGE, check=False).returncode == 0
    if not has_base and shutil.which("mmdebstrap") is None:
        return f"no {BASE_IMAGE} and no mmdebstrap to make it offline"
    return None


@pytest.fixture(scope="module")
def image() -> str:
    reason = why_no_container()
    if reason is not None:
        pytest.skip(f"no container runtime can run here: {reason}")
    built = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_image.py"), "--tag", TAG],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert built.returncode == 0, (built.stdout + built.stderr)[-4000:]
    probe = podman("run", "--rm", *ulimits(), "--entrypoint", "true", TAG, check=False)
    if probe.returncode != 0:
        pytest.skip(f"no container runtime can run here: podman run fails: {probe.stderr[-500:]}")
    return TAG


@pytest.fixture
def container(image: str, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    data = tmp_path / "volume"
    data.mkdir()
    os.chown(data, CONTAINER_UID, CONTAINER_UID)
    name = f"javumbo-test-{uuid.uuid4().hex[:8]}"
    port = free_port()
    podman(
        "run",
        "--detach",
        "--name",
        name,
        "--read-only",
        *ulimits(),
        "--volume",
        f"{data}:/data",
        "--publish",
        f"127.0.0.1:{port}:8000",
        image,
    )
    try:
        yield name, f"http://127.0.0.1:{port}", data
    finally:
        podman("rm", "--force", "--time", "0", name, check=False)


def running(name: str) -> bool:
    state = podman("inspect", "--format", "{{.State.Running}}", name, check=False)
    return state.stdout.strip() == "true"


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_the_image_serves_keeps_answers_across_a_restart_and_stops_cleanly(
    image: str, container: tuple[str, str, Path]
) -> None:
    name, url, data = container
    wait_until_healthy(url, 60, alive=lambda: running(name))
    assert podman("healthcheck", "run", name, check=False).returncode == 0
    config = podman("image", "inspect", "--format", "{{.Config.User}}", image).stdout.strip()
    assert config == "javumbo"
    tools = podman(
        "run",
        "--rm",
        *ulimits(),
        "--entrypoint",
        "sh",
        image,
        "-c",
        "command -v node npm gcc cc make || true",
    ).stdout.strip()
    assert tools == ""  # no Node and no compiler in the final stage

    learner = Learner(url, "container")
    learner.register()
    learner.login()
    deck_id = learner.study("Container", cards=5, answers=3)

    started = time.monotonic()
    podman("stop", "--time", "30", name)
    assert time.monotonic() - started < STOP_DEADLINE_SECONDS  # SIGTERM, not the kill timeout
    state = podman("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip()
    assert state == "0"
    assert "Javumbo stopped" in podman("logs", name).stdout
    assert (data / "meta.sqlite3").is_file()  # the state lives in the volume

    podman("start", name)
    wait_until_healthy(url, 60, alive=lambda: running(name))
    again = Learner(url, "container")
    again.login()
    assert again.reps(deck_id) == [0, 0, 1, 1, 1]
