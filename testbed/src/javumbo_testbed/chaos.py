"""Faults while the load runs, the ones Lambda and the network inflict on the real thing:

* ``kill``: SIGKILL a random instance (unflushed copies and in-flight requests die with it;
  the supervisor starts a new one with an empty cache);
* ``freeze``: SIGSTOP an instance for longer than the session TTL, then SIGCONT (a frozen
  Lambda waking up with a stale copy and expired sessions: the journal fence must stop it);
* ``outage``: the emulator unreachable for a moment (the counting proxy drops every connection).

The schedule cycles kill → freeze → outage → kill ..., one fault at a time with ``interval``
seconds of calm between them, so even a short run sees each kind once. Every fault is a time
window (plus a short settle time) in the report, and as windows never overlap, a failed request
is attributed to exactly one fault, or to none.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from javumbo_testbed.supervisor import Cluster

FAULT_KINDS = ("kill", "freeze", "outage")


@dataclass
class FaultWindow:
    kind: str
    target: str
    start: float
    end: float

    def to_json(self, origin: float) -> dict[str, Any]:
        data = asdict(self)
        data["start"] = round(self.start - origin, 3)
        data["end"] = round(self.end - origin, 3)
        return data


class Chaos:
    def __init__(
        self,
        cluster: Cluster,
        *,
        rng: random.Random,
        interval: float = 1.0,
        first_after: float = 0.5,
        freeze_seconds: float = 4.0,
        outage_seconds: float = 2.5,
        restart_settle_seconds: float = 0.5,
    ) -> None:
        self.cluster = cluster
        self.rng = rng
        self.interval = interval
        self.first_after = first_after
        self.freeze_seconds = freeze_seconds
        self.outage_seconds = outage_seconds
        self.restart_settle_seconds = restart_settle_seconds
        self.windows: list[FaultWindow] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._frozen: set[str] = set()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        thread = threading.Thread(target=self._run, name="chaos", daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """End the schedule, undo every fault still active, and close open windows."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
        for name in list(self._frozen):
            self.cluster.thaw(name)
        if self.cluster.proxy is not None:
            self.cluster.proxy.set_unreachable(False)

    def _run(self) -> None:
        if self._stop.wait(self.first_after):
            return
        for kind in itertools.cycle(FAULT_KINDS):
            if kind == "kill":
                self._kill()
            elif kind == "freeze":
                self._freeze()
            else:
                self._outage()
            if self._stop.wait(self.interval):
                return

    def _pick(self) -> str | None:
        """A random instance that is up and not frozen; None when there is none."""
        up = {backend.name for backend in self.cluster.table.all() if backend.up}
        choices = sorted(up - self._frozen)
        return self.rng.choice(choices) if choices else None

    def _kill(self) -> None:
        name = self._pick()
        if name is None:
            return
        generation = self.cluster.instance(name).generation
        started = time.monotonic()
        self.cluster.kill(name)
        window = FaultWindow("kill", name, started, started)
        self._add(window)
        try:
            self.cluster.wait_for_restart(name, after_generation=generation, deadline=30)
        finally:
            # The window covers the restart and the requests broken just before it.
            window.end = time.monotonic() + self.restart_settle_seconds

    def _freeze(self) -> None:
        name = self._pick()
        if name is None:
            return
        started = time.monotonic()
        with self._lock:
            self._frozen.add(name)
        self.cluster.freeze(name)
        window = FaultWindow("freeze", name, started, started + self.freeze_seconds)
        self._add(window)
        try:
            self._stop.wait(self.freeze_seconds)
        finally:
            self.cluster.thaw(name)
            with self._lock:
                self._frozen.discard(name)
            window.end = time.monotonic() + self.restart_settle_seconds

    def _outage(self) -> None:
        proxy = self.cluster.proxy
        if proxy is None:
            return
        started = time.monotonic()
        window = FaultWindow("outage", "emulator", started, started + self.outage_seconds)
        self._add(window)
        with proxy.unreachable():
            self._stop.wait(self.outage_seconds)
        window.end = time.monotonic() + self.restart_settle_seconds

    def _add(self, window: FaultWindow) -> None:
        with self._lock:
            self.windows.append(window)

    def fault_at(self, started: float, ended: float) -> str | None:
        """The kind of the first fault window overlapping ``[started, ended]``, if any."""
        with self._lock:
            for window in self.windows:
                if started <= window.end and ended >= window.start:
                    return window.kind
        return None
