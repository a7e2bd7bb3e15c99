"""``Cluster``: K ``javumbo serve`` processes on the AWS backends, the emulator behind a counting
proxy, and the router in front, started and stopped as one.

Each instance is what a Lambda instance would be: its own ``JAVUMBO_INSTANCE_ID`` and cache
folder (its ``/tmp``), the shared JWT secret, the same bucket and tables. An instance that dies
is started again on the same port with an *empty* cache, as a fresh Lambda would be; the
router skips it until its ``/health`` answers. Children run under a lifeline (see
``lifeline.py``), so nothing survives this process, however it ends.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from javumbo.settings import Settings
from javumbo.stores.aws_setup import ensure_aws_resources
from javumbo_testbed import lifeline
from javumbo_testbed.emulator import (
    FAKE_AWS_ENV,
    MOTO_ENV,
    CountingProxy,
    Emulator,
    free_port,
    start_moto,
)
from javumbo_testbed.router import Backend, BackendTable, Policy, Router

READY_DEADLINE_SECONDS = 60.0
MONITOR_INTERVAL_SECONDS = 0.05
HEALTH_TIMEOUT_SECONDS = 1.0


@dataclass
class ClusterConfig:
    instances: int = 3
    routing: Policy = "round-robin"
    router_port: int = 0
    emulator_url: str | None = None
    work_dir: Path | None = None
    session_ttl: int | None = None
    serve_threads: int = 8
    upstream_timeout: float = 30.0
    extra_env: dict[str, str] = field(default_factory=dict)
    # What each instance runs: ``python -m <app_module> <app_args> --host --port --threads``.
    app_module: str = "javumbo"
    app_args: tuple[str, ...] = ("serve",)


@dataclass
class Instance:
    name: str
    port: int
    cache_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    generation: int = 0
    restarts: int = 0
    ready: bool = False
    started_at: float = 0.0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None


class ClusterError(RuntimeError):
    """The cluster could not start (the message says which part and where its log is)."""


class Cluster:
    def __init__(self, config: ClusterConfig) -> None:
        if config.instances < 1:
            raise ValueError("a cluster needs at least one instance")
        self.config = config
        self._own_work_dir = config.work_dir is None
        self.work_dir = config.work_dir or Path(tempfile.mkdtemp(prefix="javumbo-cluster-"))
        self.run_id = uuid.uuid4().hex[:8]
        self.jwt_secret = secrets.token_urlsafe(32)
        self.emulator: Emulator | None = None
        self.emulator_url = config.emulator_url or ""
        self.proxy: CountingProxy | None = None
        self.router: Router | None = None
        self.instances: list[Instance] = []
        self.table = BackendTable([])
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._monitor: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        _use_fake_credentials()
        try:
            self._start_emulator()
            ensure_aws_resources(self.settings(direct=True))
            self._plan_instances()
            # Every spawn happens on the monitor thread: PR_SET_PDEATHSIG follows the thread
            # that forked, and that one lives exactly as long as the cluster.
            self._monitor = threading.Thread(target=self._watch, name="cluster-monitor")
            self._monitor.daemon = True
            self._monitor.start()
            self.wait_until_all_up(READY_DEADLINE_SECONDS)
            self.router = Router(
                self.table,
                policy=self.config.routing,
                port=self.config.router_port,
                upstream_timeout=self.config.upstream_timeout,
            )
            self.router.start()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self._stopping.set()
        if self.router is not None:
            self.router.stop()
            self.router = None
        if self._monitor is not None:
            self._monitor.join(timeout=10)
            self._monitor = None
        for instance in self.instances:
            if instance.process is not None:
                lifeline.stop(instance.process)
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None
        if self._own_work_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    @property
    def url(self) -> str:
        if self.router is None:
            raise ClusterError("the cluster is not running")
        return self.router.url

    def settings(self, *, direct: bool = False) -> Settings:
        """AWS settings of this cluster's bucket and tables; ``direct`` bypasses the counting
        proxy (for setup and checks that must not count as the app's traffic)."""
        endpoint = self.emulator_url if direct or self.proxy is None else self.proxy.url
        prefix = f"javumbo-{self.run_id}"
        return Settings(
            backend="aws",
            jwt_secret_key=self.jwt_secret,
            session_ttl=self.config.session_ttl or Settings.session_ttl,
            s3_bucket=prefix,
            users_table=f"{prefix}-users",
            locks_table=f"{prefix}-locks",
            sessions_table=f"{prefix}-sessions",
            journal_table=f"{prefix}-journal",
            aws_region=FAKE_AWS_ENV["AWS_REGION"],
            aws_endpoint_url=endpoint,
        )

    # ------------------------------------------------------------------ faults

    def instance(self, name: str) -> Instance:
        for instance in self.instances:
            if instance.name == name:
                return instance
        raise KeyError(name)

    def kill(self, name: str) -> int | None:
        """SIGKILL the instance's process group; the monitor restarts it. Returns the pid."""
        with self._lock:
            instance = self.instance(name)
            if instance.process is None:
                return None
            lifeline.signal_group(instance.process, signal.SIGKILL)
            return instance.process.pid

    def freeze(self, name: str) -> None:
        """SIGSTOP: the instance keeps its connections and copies but runs nothing."""
        with self._lock:
            process = self.instance(name).process
            if process is not None:
                lifeline.signal_group(process, signal.SIGSTOP)

    def thaw(self, name: str) -> None:
        with self._lock:
            process = self.instance(name).process
            if process is not None:
                lifeline.signal_group(process, signal.SIGCONT)

    def wait_until_all_up(self, deadline_seconds: float) -> None:
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            if all(instance.ready for instance in self.instances):
                return
            if self._monitor is not None and not self._monitor.is_alive():
                break
            time.sleep(0.05)
        waiting = [i for i in self.instances if not i.ready]
        logs = ", ".join(f"{i.name}: {i.log_path}" for i in waiting)
        raise ClusterError(f"instances not up after {deadline_seconds}s ({logs})")

    def wait_for_restart(self, name: str, *, after_generation: int, deadline: float) -> Instance:
        """Block until ``name`` serves again in a generation newer than ``after_generation``."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            with self._lock:
                instance = self.instance(name)
                if instance.ready and instance.generation > after_generation:
                    return instance
            time.sleep(0.05)
        raise ClusterError(f"{name} did not come back within {deadline}s")

    # ------------------------------------------------------------------ internals

    def _start_emulator(self) -> None:
        if not self.emulator_url:
            self.emulator = start_moto(log_dir=self._folder("logs"))
            self.emulator_url = self.emulator.url
        self.proxy = CountingProxy(self.emulator_url)
        self.proxy.start()

    def _folder(self, *parts: str) -> Path:
        path = self.work_dir.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _plan_instances(self) -> None:
        logs = self._folder("logs")
        for index in range(1, self.config.instances + 1):
            name = f"i{index}"
            self.instances.append(
                Instance(name, free_port(), self.work_dir / "cache" / name, logs / f"{name}.log")
            )
        self.table = BackendTable(
            [Backend(i.name, i.port, up=False, generation=0) for i in self.instances]
        )

    def _instance_env(self, instance: Instance) -> dict[str, str]:
        settings = self.settings()
        env = {
            **os.environ,
            **FAKE_AWS_ENV,
            **MOTO_ENV,
            "JAVUMBO_BACKEND": "aws",
            "JWT_SECRET_KEY": self.jwt_secret,
            "JAVUMBO_INSTANCE_ID": instance.name,
            "JAVUMBO_CACHE_DIR": str(instance.cache_dir),
            "JAVUMBO_DATA_DIR": str(self.work_dir / "data" / instance.name),
            "AWS_ENDPOINT_URL": settings.aws_endpoint_url or "",
            "S3_BUCKET": settings.s3_bucket,
            "DYNAMODB_USERS_TABLE": settings.users_table,
            "DYNAMODB_LOCKS_TABLE": settings.locks_table,
            "DYNAMODB_SESSIONS_TABLE": settings.sessions_table,
            "DYNAMODB_JOURNAL_TABLE": settings.journal_table,
            **self.config.extra_env,
        }
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            env.pop(name, None)
        if self.config.session_ttl is not None:
            env["SESSION_TTL"] = str(self.config.session_ttl)
        return env

    def _spawn(self, instance: Instance) -> None:
        """Start a generation with an empty cache folder, as a fresh Lambda instance has."""
        # Not ready before the generation moves on: a waiter must never see the new generation
        # with the old process's readiness.
        instance.ready = False
        shutil.rmtree(instance.cache_dir, ignore_errors=True)
        instance.cache_dir.mkdir(parents=True)
        instance.generation += 1
        args = [*self.config.app_args, "--host", "127.0.0.1", "--port", str(instance.port)]
        args += ["--threads", str(self.config.serve_threads)]
        with instance.log_path.open("ab") as log:
            log.write(f"--- generation {instance.generation}\n".encode())
            log.flush()
            instance.process = lifeline.spawn(
                self.config.app_module, args, env=self._instance_env(instance), log=log
            )
        instance.ready = False
        instance.started_at = time.monotonic()

    def _watch(self) -> None:
        with self._lock:
            for instance in self.instances:
                self._spawn(instance)
        while not self._stopping.wait(MONITOR_INTERVAL_SECONDS):
            for instance in self.instances:
                self._check(instance)

    def _check(self, instance: Instance) -> None:
        with self._lock:
            process = instance.process
            if process is None:
                return
            if process.poll() is not None:
                # Whatever the dead leader forked goes with it before the port is reused.
                lifeline.signal_group(process, signal.SIGKILL)
                self.table.update(instance.name, up=False)
                if instance.ready:
                    instance.restarts += 1
                self._spawn(instance)
                return
            if instance.ready:
                return
        if _healthy(instance.port):
            with self._lock:
                if instance.process is process and process.poll() is None:
                    instance.ready = True
                    self.table.update(instance.name, up=True, generation=instance.generation)


def _use_fake_credentials() -> None:
    """This process talks to the emulator too (setup, integrity checks): never with real keys."""
    os.environ.update(FAKE_AWS_ENV)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(name, None)


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/health", timeout=HEALTH_TIMEOUT_SECONDS
        ) as answer:
            return bool(answer.status == 200)
    except urllib.error.HTTPError:
        return False
    except OSError:
        return False
