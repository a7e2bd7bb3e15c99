"""Dead code in the product and the testbed, found by vulture (``make lint`` runs this).

    python tools/dead_code.py

Code counts as used when anything in ``src/``, ``testbed/``, ``tests/``, ``bench/`` or ``tools/``
uses it, or when ``tools/dead_code_whitelist.py`` names it (what only a framework or the
standard library reads: Flask's ``g`` attributes, zip entry attributes, protocol methods).
Reported: unused functions, methods, classes, properties, attributes, imports and unreachable
code. Not reported: unused class-level variables, which here are schema fields, enum members and
dataclass fields that marshmallow, APIFlask and the wire formats read by name. Exits 1 when it
finds something.
"""

from __future__ import annotations

import sys
from pathlib import Path

from vulture import Vulture

REPO = Path(__file__).resolve().parents[1]
CHECKED = ("src/javumbo", "testbed/src/javumbo_testbed")
USERS = ("tests", "bench", "tools")  # the whitelist is in tools/
# Flask's ``g`` attributes: set as ``g.javumbo_x = ...``, read back with ``g.get("javumbo_x")``.
IGNORED_NAMES = ["javumbo_*"]
MIN_CONFIDENCE = 60
# Functions that only a framework calls, through the decorator that registers them.
FRAMEWORK_DECORATORS = [
    "@bp.*",
    "@app.*",
    "@webapp.*",
    "@jwt.*",
    "@*.get",
    "@*.post",
    "@*.put",
    "@*.delete",
    "@*.route",
    "@*.errorhandler",
    "@*.before_request",
    "@*.after_request",
    "@*.teardown_request",
    "@*.error_processor",
    "@*_loader",
]
REPORTED = {"function", "method", "class", "property", "attribute", "import", "unreachable_code"}


def dead_code() -> list[str]:
    vulture = Vulture(ignore_names=IGNORED_NAMES, ignore_decorators=FRAMEWORK_DECORATORS)
    paths = [str(REPO / p) for p in (*CHECKED, *USERS)]
    vulture.scavenge(paths)
    checked = tuple(str(REPO / p) for p in CHECKED)
    return [
        item.get_report(add_size=False).replace(str(REPO) + "/", "")
        for item in vulture.get_unused_code(min_confidence=MIN_CONFIDENCE)
        if item.typ in REPORTED and str(item.filename).startswith(checked)
    ]


def main() -> int:
    found = dead_code()
    for line in found:
        print(line)
    if found:
        print(
            f"{len(found)} unused (remove it, or name it in tools/dead_code_whitelist.py "
            "if only a framework uses it)",
            file=sys.stderr,
        )
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
