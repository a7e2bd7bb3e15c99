"""Build the web app (``web/``) into ``src/javumbo/webapp`` when its sources changed.

    python tools/build_webapp.py [--force]

Used by ``make run``/``make test``, by the wheel build hook (``hatch_build.py``) and by the
browser tests, so all three agree on when a build is stale: the built ``index.html`` is older
than any source file, or missing. ``npm ci`` runs first when ``package-lock.json`` is newer than
the installed ``node_modules``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("src", "build", "public")
SOURCE_FILES = (
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
)


class WebBuildError(RuntimeError):
    """The web app could not be built; the message says what to install or fix."""


def output_dir(repo: Path = REPO) -> Path:
    return repo / "src" / "javumbo" / "webapp"


def _sources(web: Path) -> Iterator[Path]:
    for name in SOURCE_FILES:
        if (web / name).is_file():
            yield web / name
    for folder in SOURCE_DIRS:
        if (web / folder).is_dir():
            yield from (p for p in (web / folder).rglob("*") if p.is_file())


def _newest_mtime(paths: Iterator[Path]) -> float:
    return max((p.stat().st_mtime for p in paths), default=0.0)


def is_stale(repo: Path = REPO) -> bool:
    index = output_dir(repo) / "index.html"
    if not index.is_file():
        return True
    return _newest_mtime(_sources(repo / "web")) > index.stat().st_mtime


def _needs_npm_ci(web: Path) -> bool:
    installed = web / "node_modules" / ".package-lock.json"
    if not installed.is_file():
        return True
    return (web / "package-lock.json").stat().st_mtime > installed.stat().st_mtime


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise WebBuildError("npm is needed to build the web app: install Node.js 20+ and npm")
    return npm


def build(repo: Path = REPO, *, force: bool = False, log: bool = True) -> Path:
    """Builds the app if stale (or ``force``); returns the output folder."""
    web = repo / "web"
    out = output_dir(repo)
    if not (web / "package.json").is_file():
        if (out / "index.html").is_file():
            return out
        raise WebBuildError(f"no web app sources at {web} and no built app at {out}")
    if not force and not is_stale(repo):
        return out
    npm = _npm()
    stream = None if log else subprocess.DEVNULL
    if _needs_npm_ci(web):
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=web, check=True, stdout=stream)
    subprocess.run([npm, "run", "build"], cwd=web, check=True, stdout=stream)
    if not (out / "index.html").is_file():
        raise WebBuildError(f"the web build finished but wrote no {out / 'index.html'}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="build even if up to date")
    args = parser.parse_args(argv)
    try:
        out = build(force=args.force)
    except (WebBuildError, subprocess.CalledProcessError) as exc:
        print(f"web app build failed: {exc}", file=sys.stderr)
        return 1
    print(f"web app ready in {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
