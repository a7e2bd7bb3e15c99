"""Run benchmarks: ``python -m bench [NAME ...] [-- OPTIONS]``, e.g. ``python -m bench storage``
or ``python -m bench cluster -- --cases c``. Each prints its own report.

NAME is a module's name without ``bench_`` (``storage`` runs ``bench_storage``); no NAME runs
them all. Options after ``--`` go to the chosen benchmarks' own ``main(argv)``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys

import bench


def main(argv: list[str]) -> int:
    names = sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")
    )
    wanted_args, options = (
        (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    )
    unknown = [a for a in wanted_args if f"bench_{a}" not in names and a not in names]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; available: {', '.join(names) or 'none'}")
        return 1
    wanted = [n for n in names if not wanted_args or n in wanted_args or n[6:] in wanted_args]
    for name in wanted:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"bench.{name}")
        if inspect.signature(module.main).parameters:
            module.main(options)
        else:
            module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
