"""An app instance served with a comparison storage strategy instead of the product's engine:
``python -m javumbo_testbed.serve_strategy --strategy per-request --port 8001``.

The product's ``javumbo serve`` always runs the journal engine; the testbed's cluster runs this
module (``ClusterConfig.app_module``) when a benchmark compares strategies.
"""

from __future__ import annotations

import argparse
import os
import tempfile

import waitress

from javumbo.api.app import MAX_BODY_CONFIG_KEY, create_app
from javumbo.cli.serve_command import PRIVATE_UMASK, private_temp_dir
from javumbo.settings import Settings
from javumbo_testbed.strategies import STRATEGIES, engine_class


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m javumbo_testbed.serve_strategy")
    parser.add_argument("--strategy", choices=sorted(STRATEGIES), default="journal")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    os.umask(PRIVATE_UMASK)
    settings = Settings.from_env()
    tempfile.tempdir = str(private_temp_dir(settings.data_dir))
    app = create_app(settings, engine_class=engine_class(args.strategy))
    server = waitress.create_server(
        app,
        host=args.host,
        port=args.port,
        threads=args.threads,
        ident="javumbo-testbed",
        max_request_body_size=app.config[MAX_BODY_CONFIG_KEY],
    )
    print(f"Javumbo ({args.strategy}) serving on http://{args.host}:{args.port}", flush=True)
    server.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
