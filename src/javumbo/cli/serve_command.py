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
    from javumbo.cli.command_error import CommandError
    from javumbo.settings import Settings

    app = create_app(Settings.from_env())
    try:
        server = waitress.create_server(
            app, host=args.host, port=args.port, threads=args.threads, ident="javumbo"
        )
    except OSError as exc:
        raise CommandError(
            f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}"
            " (another server there? choose another with --port, or PORT= with make run)"
        ) from exc
    print(f"Javumbo serving on http://{args.host}:{args.port}", flush=True)
    server.run()
    return 0
