"""Terraform, run for real and offline (local provider mirror, no backend, no network)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
PLUGIN_DIR = Path(os.environ.get("JAVUMBO_TF_PLUGIN_DIR", "/opt/tf-plugins"))

Terraform = Callable[..., subprocess.CompletedProcess[str]]


def _missing_tooling() -> str | None:
    if shutil.which("terraform") is None:
        return "the terraform binary is not on PATH"
    if not (PLUGIN_DIR / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        return f"no hashicorp/aws provider mirror under {PLUGIN_DIR}"
    return None


@pytest.fixture(scope="session")
def terraform_available() -> None:
    reason = _missing_tooling()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"Terraform tests cannot run under CI: {reason}")
    pytest.skip(f"Terraform tests skipped: {reason}")


def run_terraform(
    workdir: Path, args: Sequence[str], env: dict[str, str] | None = None, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", **(env or {})}
    full_env["TF_CLI_CONFIG_FILE"] = str(workdir / ".terraformrc")
    (workdir / ".terraformrc").write_text("")
    return subprocess.run(
        ["terraform", *args],
        cwd=workdir,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def infra_copy(tmp_path: Path, terraform_available: None) -> Path:
    """A throw-away copy of infra/ so init/apply never write into the repo."""
    target = tmp_path / "infra"
    shutil.copytree(INFRA, target, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    return target


@pytest.fixture
def terraform() -> Terraform:
    return run_terraform
