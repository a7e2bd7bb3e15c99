"""The wheel carries the built web app, so ``javumbo serve`` serves the page wherever the package
is installed (the build hook in ``hatch_build.py``)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_contains_the_built_web_app(webapp_dir: Path, tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("javumbo-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "javumbo/webapp/index.html" in names
    built_assets = {f"javumbo/webapp/assets/{p.name}" for p in (webapp_dir / "assets").iterdir()}
    assert built_assets and built_assets <= names
    assert "javumbo/api/webapp.py" in names
    assert not any("node_modules" in name for name in names)
