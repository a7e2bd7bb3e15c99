"""What ``infra/lambda.tf`` names exists in the code: handlers and environment variables."""

from __future__ import annotations

import importlib
import inspect
import re

from javumbo import settings
from tests.infra.conftest import INFRA

LAMBDA_TF = INFRA / "lambda.tf"


def test_every_handler_is_a_function_of_the_package() -> None:
    handlers = re.findall(r'^\s*handler\s*=\s*"([\w.]+)"', LAMBDA_TF.read_text(), re.M)
    assert sorted(handlers) == [
        "javumbo.lambda_handler.handler",
        "javumbo.lambda_handler.sweep_sessions",
    ]
    for dotted in handlers:
        module_name, _, name = dotted.rpartition(".")
        function = getattr(importlib.import_module(module_name), name)
        assert list(inspect.signature(function).parameters) == ["event", "context"], dotted


def test_every_environment_variable_is_one_the_settings_read() -> None:
    text = LAMBDA_TF.read_text()
    block = re.search(r"lambda_env\s*=\s*\{(.*?)^\s*\}", text, re.M | re.S)
    assert block is not None
    names = re.findall(r"^\s*([A-Z][A-Z0-9_]+)\s*=", block.group(1), re.M)
    source = inspect.getsource(settings)
    assert names and all(f'"{name}"' in source for name in names), names
