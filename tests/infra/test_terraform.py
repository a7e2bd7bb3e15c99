"""The infrastructure code is formatted, initialises offline and validates."""

from __future__ import annotations

from pathlib import Path

from tests.infra.conftest import PLUGIN_DIR, Terraform


def test_terraform_is_formatted(infra_copy: Path, terraform: Terraform) -> None:
    result = terraform(infra_copy, ["fmt", "-check", "-recursive", "-diff"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_terraform_init_and_validate_offline(infra_copy: Path, terraform: Terraform) -> None:
    init = terraform(
        infra_copy, ["init", "-backend=false", f"-plugin-dir={PLUGIN_DIR}", "-input=false"]
    )
    assert init.returncode == 0, init.stdout + init.stderr
    validate = terraform(infra_copy, ["validate", "-json"])
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert '"valid": true' in validate.stdout


def test_data_tier_module_validates_on_its_own(infra_copy: Path, terraform: Terraform) -> None:
    module = infra_copy / "modules" / "data_tier"
    (module / "provider.tf").write_text(
        'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n'
        '      version = "~> 5.0"\n    }\n  }\n}\n'
    )
    init = terraform(module, ["init", "-backend=false", f"-plugin-dir={PLUGIN_DIR}"])
    assert init.returncode == 0, init.stderr
    validate = terraform(module, ["validate"])
    assert validate.returncode == 0, validate.stdout + validate.stderr
