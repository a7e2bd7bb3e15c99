"""`make package`'s zip holds everything Lambda needs: unpacked alone, the handler imports."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def lambda_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("package") / "javumbo-lambda.zip"
    proc = subprocess.run(
        [sys.executable, str(REPO / "tools" / "package_lambda.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "MiB zipped" in proc.stdout
    return out


def test_zip_has_no_test_or_dev_packages(lambda_zip: Path) -> None:
    names = zipfile.ZipFile(lambda_zip).namelist()
    top = {name.split("/", 1)[0] for name in names}
    assert "javumbo" in top
    assert "boto3" in top
    for dev in ("pytest", "moto", "anki", "mypy", "ruff", "_pytest", "hypothesis"):
        assert dev not in top, f"{dev} must not be shipped to Lambda"
    assert not any(name.endswith(".pyc") for name in names)


def test_handler_imports_from_the_unpacked_zip_alone(lambda_zip: Path, tmp_path: Path) -> None:
    target = tmp_path / "unpacked"
    zipfile.ZipFile(lambda_zip).extractall(target)
    # -I -S: no user site, no venv site-packages; only the stdlib and the unpacked folder.
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import javumbo.lambda_handler as h; assert callable(h.handler);"
        "import javumbo; print(javumbo.__file__)"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "JAVUMBO_BACKEND": "embedded"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().startswith(str(target))
