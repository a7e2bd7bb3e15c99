"""``javumbo serve``: the API and web app on a production WSGI server (waitress).

The process keeps what it writes to its owner (umask 077: the data folder holds password hashes
and everyone's collections), writes its temporary files (uploads being imported, full syncs)
under ``<data folder>/tmp`` instead of a shared system folder, and lets waitress take no body
larger than the largest one a route accepts (waitress's own default is 1 GiB, spooled to disk
before the app sees it). SIGTERM (``docker stop``, systemd) stops it as Ctrl-C does: the server
closes and the storage engine settles and closes every open collection on the way out; a process
that is a container's PID 1 gets no default SIGTERM action from the kernel, so without the
handler it would be killed only after the stop timeout.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import tempfile
from pathlib import Path

PRIVATE_UMASK = 0o077
TEMP_DIR_NAME = "tmp"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("serve", help="serve the API and web app over HTTP")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    parser.set_defaults(handler=run)


def private_temp_dir(data_dir: Path) -> Path:
    """A fresh ``<data_dir>/tmp`` (0700), where this process puts its temporary files; what a
    previous run left there is removed."""
    from javumbo.stores.local import private_directory

    folder = data_dir / TEMP_DIR_NAME
    shutil.rmtree(folder, ignore_errors=True)
    return private_directory(folder)


def run(args: argparse.Namespace) -> int:
    import waitress

    from javumbo.api.app import MAX_BODY_CONFIG_KEY, create_app
    from javumbo.cli.command_error import CommandError
    from javumbo.settings import Settings, SettingsError

    os.umask(PRIVATE_UMASK)
    try:
        settings = Settings.from_env()
        tempfile.tempdir = str(private_temp_dir(settings.data_dir))
        app = create_app(settings)
    except SettingsError as exc:
        raise CommandError(f"cannot start: {exc}") from exc
    try:
        server = waitress.create_server(
            app,
            host=args.host,
            port=args.port,
            threads=args.threads,
            ident="javumbo",
            max_request_body_size=app.config[MAX_BODY_CONFIG_KEY],
            # The app reads X-Forwarded-* itself (ProxyFix, JAVUMBO_TRUSTED_PROXIES hops) and
            # waitress would drop them first; with no proxy trusted, waitress drops them.
            clear_untrusted_proxy_headers=not settings.trusted_proxies,
        )
    except OSError as exc:
        raise CommandError(
            f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}"
            " (another server there? choose another with --port, or PORT= with make run)"
        ) from exc
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    print(f"Javumbo serving on http://{args.host}:{args.port}", flush=True)
    server.run()  # waitress closes itself and returns on SystemExit and KeyboardInterrupt
    print("Javumbo stopped", flush=True)
    return 0


def _stop_on_sigterm(signum: int, frame: object) -> None:
    """Leave ``server.run()``; the app's exit hook then closes the storage engine."""
    raise SystemExit(0)
