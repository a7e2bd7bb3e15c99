"""Generate the web app's API types from the server's own OpenAPI document.

    python tools/web_types.py [--check]

The document is the one ``create_app()`` serves at ``/api/openapi.json`` (built over throwaway
embedded stores), turned into TypeScript by ``openapi-typescript`` (web/node_modules) and written
to ``web/src/api/schema.gen.ts``. ``--check`` writes nothing and exits 1 when the checked-in file
differs: the web client then no longer matches the server (``make web-types`` regenerates).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
WEB = REPO / "web"
GENERATED = WEB / "src" / "api" / "schema.gen.ts"
GENERATOR = WEB / "node_modules" / ".bin" / "openapi-typescript"
HEADER = (
    "/**\n"
    " * Generated from the server's OpenAPI document by `make web-types` (tools/web_types.py).\n"
    " * Do not edit: change the schemas in src/javumbo/api/ and regenerate.\n"
    " */\n\n"
)


def openapi_document() -> dict[str, Any]:
    """The document the server publishes, from a fresh app over temporary embedded stores."""
    from javumbo.api.app import create_app
    from javumbo.settings import Settings

    with tempfile.TemporaryDirectory() as data_dir:
        saved = dict(os.environ)
        os.environ["JAVUMBO_DATA_DIR"] = data_dir
        os.environ["JAVUMBO_BACKEND"] = "embedded"
        try:
            app = create_app(Settings.from_env())
            document: dict[str, Any] = app.test_client().get("/api/openapi.json").get_json()
        finally:
            os.environ.clear()
            os.environ.update(saved)
    return document


def generate(document: dict[str, Any]) -> str:
    """TypeScript declarations of ``document`` (paths, operations, component schemas)."""
    if not GENERATOR.exists():
        raise SystemExit(f"{GENERATOR} is missing: run `npm ci` in web/ first")
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "openapi.json"
        spec.write_text(json.dumps(document, sort_keys=True))
        result = subprocess.run(
            [str(GENERATOR), str(spec)],
            cwd=WEB,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise SystemExit(f"openapi-typescript failed:\n{result.stderr}")
    return HEADER + result.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the file is stale")
    args = parser.parse_args(argv)
    text = generate(openapi_document())
    current = GENERATED.read_text() if GENERATED.exists() else ""
    if args.check:
        if text != current:
            print(f"{GENERATED.relative_to(REPO)} is stale: run `make web-types`", file=sys.stderr)
            return 1
        return 0
    if text != current:
        GENERATED.write_text(text)
        print(f"wrote {GENERATED.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
