"""Child processes that cannot outlive the process that started them.

A child is started as ``python -m javumbo_testbed.lifeline --parent-pid P MODULE ARGS...``: it
asks the kernel for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``), and since that signal
follows the parent *thread* and not the process, a watchdog thread also polls ``getppid()``
and exits when the parent is gone. Then it runs ``MODULE`` as ``python -m MODULE ARGS`` would.
Each child leads its own process group, so the parent can stop, freeze or kill it together
with anything it forked, and a Ctrl+C in the terminal reaches only the parent, which then
stops its children in order.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import runpy
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

PR_SET_PDEATHSIG = 1
WATCHDOG_INTERVAL_SECONDS = 0.5
STOP_GRACE_SECONDS = 5.0


def spawn(
    module: str,
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    log: IO[bytes] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``python -m module args`` under a lifeline, in its own process group."""
    command = [
        sys.executable,
        "-m",
        "javumbo_testbed.lifeline",
        "--parent-pid",
        str(os.getpid()),
        module,
        *args,
    ]
    return subprocess.Popen(
        command,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=log if log is not None else subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def signal_group(process: subprocess.Popen[bytes], signum: int) -> bool:
    """Send ``signum`` to the child's process group; False when it is already gone."""
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        return False
    return True


def stop(process: subprocess.Popen[bytes], *, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM the group (after SIGCONT, in case it is frozen), SIGKILL it past the grace."""
    if process.poll() is None:
        signal_group(process, signal.SIGCONT)
        signal_group(process, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace_seconds)
    # Whatever the leader forked dies with the group even if the leader is already gone.
    signal_group(process, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace_seconds)


def _die_with_parent(parent_pid: int) -> None:
    libc_name = ctypes.util.find_library("c")
    if libc_name is not None:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(WATCHDOG_INTERVAL_SECONDS)
        os.killpg(os.getpgrp(), signal.SIGKILL)

    threading.Thread(target=watch, name="lifeline-watchdog", daemon=True).start()


def main(argv: Sequence[str]) -> None:
    if len(argv) < 3 or argv[0] != "--parent-pid":
        raise SystemExit("usage: python -m javumbo_testbed.lifeline --parent-pid PID MODULE ...")
    _die_with_parent(int(argv[1]))
    module, module_args = argv[2], list(argv[3:])
    sys.argv = [str(Path(module.replace(".", "/"))), *module_args]
    # SIGTERM as an exception so servers unwind (and flush what they can) instead of vanishing.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
