"""Build the container image (``make image``): the wheels (Javumbo's with the built web app, and
every dependency's) on this machine, then the ``Containerfile`` with podman (or docker), which
installs them without reaching a package index, and report the image's size.

The base the Containerfile names (``docker.io/library/debian:bookworm-slim``) is used from the
local image store when it is there, pulled when a registry is reachable, and otherwise made
offline from Debian's own mirror with ``mmdebstrap`` and imported under that name.

    python tools/build_image.py [--tag javumbo:latest] [--engine podman|docker]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE_IMAGE = "docker.io/library/debian:bookworm-slim"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
WHEEL_DIR = ROOT / "build" / "image"
DEFAULT_TAG = "localhost/javumbo:latest"


def engine_command(engine: str) -> list[str]:
    """podman with runc (crun cannot set up cgroups on some hosts); docker as it is."""
    if engine == "podman":
        return ["podman", "--runtime", "runc"]
    return [engine]


def has_image(engine: list[str], name: str) -> bool:
    found = subprocess.run([*engine, "image", "inspect", name], capture_output=True, check=False)
    return found.returncode == 0


def ensure_base_image(engine: list[str]) -> None:
    if has_image(engine, BASE_IMAGE):
        return
    pulled = subprocess.run([*engine, "pull", BASE_IMAGE], capture_output=True, check=False)
    if pulled.returncode == 0:
        return
    if shutil.which("mmdebstrap") is None:
        raise SystemExit(
            f"no {BASE_IMAGE}, no registry, and no mmdebstrap to make it"
            " (apt-get install mmdebstrap)"
        )
    print(f"making {BASE_IMAGE} from {DEBIAN_MIRROR} with mmdebstrap", flush=True)
    with tempfile.TemporaryDirectory(prefix="javumbo-base-") as scratch:
        tarball = Path(scratch) / "bookworm.tar"
        subprocess.run(
            [
                "mmdebstrap",
                "--variant=minbase",
                "--include=ca-certificates",
                # as Debian's slim images: no documentation, manual pages or translations
                "--dpkgopt=path-exclude=/usr/share/doc/*",
                "--dpkgopt=path-include=/usr/share/doc/*/copyright",
                "--dpkgopt=path-exclude=/usr/share/man/*",
                "--dpkgopt=path-exclude=/usr/share/locale/*",
                "--aptopt=Acquire::Retries=3",
                "bookworm",
                str(tarball),
                f"deb {DEBIAN_MIRROR} bookworm main",
                f"deb {DEBIAN_MIRROR}-security bookworm-security main",
            ],
            check=True,
        )
        subprocess.run([*engine, "import", str(tarball), BASE_IMAGE], check=True)


def build_wheel() -> Path:
    shutil.rmtree(WHEEL_DIR, ignore_errors=True)
    WHEEL_DIR.mkdir(parents=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "-w", str(WHEEL_DIR), ".[postgres]"],
        cwd=ROOT,
        check=True,
    )
    wheels = sorted(WHEEL_DIR.glob("javumbo-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one javumbo wheel in {WHEEL_DIR}, found {wheels}")
    return wheels[0]


def build_image(engine: list[str], tag: str) -> int:
    """Build and return the image's size in bytes."""
    # podman's default OCI format has no HEALTHCHECK; the docker format keeps it.
    layout = ["--format", "docker"] if engine[0] == "podman" else []
    subprocess.run(
        [*engine, "build", *layout, "--network", "host", "-t", tag, "-f", "Containerfile", "."],
        cwd=ROOT,
        check=True,
    )
    size = subprocess.run(
        [*engine, "image", "inspect", "--format", "{{.Size}}", tag],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(size.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", default=os.environ.get("IMAGE", DEFAULT_TAG))
    parser.add_argument("--engine", default=os.environ.get("CONTAINER_ENGINE", "podman"))
    args = parser.parse_args()
    if shutil.which(args.engine) is None:
        raise SystemExit(f"{args.engine} not found (apt-get install podman)")
    engine = engine_command(args.engine)
    ensure_base_image(engine)
    wheel = build_wheel()
    print(f"wheel {wheel.name} ({wheel.stat().st_size / 1e6:.1f} MB)", flush=True)
    size = build_image(engine, args.tag)
    print(f"image {args.tag}: {size / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
