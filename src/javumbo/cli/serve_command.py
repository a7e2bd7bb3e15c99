"""``javumbo serve``: the API and web app on a production WSGI server (waitress)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("serve", help="serve the API and web app over HTTP")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import waitress

    from javumbo.api.app import create_app
    from javumbo.settings import Settings

    app = create_app(Settings.from_env())
    print(f"Javumbo serving on http://{args.host}:{args.port}", flush=True)
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="javumbo")
    return 0
