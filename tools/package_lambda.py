"""Build the AWS Lambda deployment zip: the javumbo wheel and its runtime dependencies, resolved
for Lambda's platform (x86_64 manylinux, CPython 3.11), with no test or dev packages.

    python tools/package_lambda.py [--out dist/javumbo-lambda.zip]

Prints the zipped and unzipped sizes and fails when they exceed Lambda's limits.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ZIPPED_LIMIT = 50 * 1024 * 1024  # direct upload limit
UNZIPPED_LIMIT = 250 * 1024 * 1024  # function + layers, unzipped
PLATFORM_ARGS = [
    "--platform",
    "manylinux2014_x86_64",
    "--platform",
    "manylinux_2_28_x86_64",
    "--implementation",
    "cp",
    "--python-version",
    "3.11",
    "--only-binary=:all:",
]
# Never shipped: byte code caches (Lambda compiles on import) and test folders of dependencies.
DROP_DIRS = {"__pycache__", "tests", "test"}


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args], check=True)


def build_wheel(workdir: Path) -> Path:
    wheels = workdir / "wheel"
    pip("wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), str(REPO))
    (wheel,) = wheels.glob("javumbo-*.whl")
    return wheel


def install_for_lambda(wheel: Path, target: Path) -> None:
    pip("install", "--quiet", "--target", str(target), *PLATFORM_ARGS, str(wheel))


def prune(target: Path) -> None:
    for path in sorted(target.rglob("*"), reverse=True):
        if path.is_dir() and path.name in DROP_DIRS and "javumbo" not in path.parts:
            shutil.rmtree(path, ignore_errors=True)
    for pyc in target.rglob("*.pyc"):
        pyc.unlink()


def write_zip(source: Path, out: Path) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    unzipped = 0
    tmp = out.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                unzipped += path.stat().st_size
                archive.write(path, path.relative_to(source).as_posix())
    os.replace(tmp, out)
    return unzipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "dist" / "javumbo-lambda.zip")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="javumbo-package-") as tmp:
        workdir = Path(tmp)
        wheel = build_wheel(workdir)
        target = workdir / "lambda"
        install_for_lambda(wheel, target)
        prune(target)
        unzipped = write_zip(target, args.out)
    zipped = args.out.stat().st_size
    mib = 1024 * 1024
    print(
        f"{args.out}: {zipped / mib:.1f} MiB zipped (limit {ZIPPED_LIMIT // mib}), "
        f"{unzipped / mib:.1f} MiB unzipped (limit {UNZIPPED_LIMIT // mib})"
    )
    if zipped > ZIPPED_LIMIT or unzipped > UNZIPPED_LIMIT:
        print("the package exceeds Lambda's size limits", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
