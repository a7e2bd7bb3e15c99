"""The web app's generated API types match the server's OpenAPI document.

``web/src/api/schema.gen.ts`` is what the web client is type-checked against; when a schema in
``src/javumbo/api/`` changes without ``make web-types``, this test fails and says so.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "web_types.py"


def _web_types() -> ModuleType:
    spec = importlib.util.spec_from_file_location("web_types", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("web_types", module)
    spec.loader.exec_module(module)
    return module


def test_checked_in_types_match_the_live_document() -> None:
    web_types = _web_types()
    if not web_types.GENERATOR.exists():
        pytest.skip("web/node_modules is not installed (npm ci in web/)")
    generated = web_types.generate(web_types.openapi_document())
    checked_in = web_types.GENERATED.read_text()
    assert generated == checked_in, "web/src/api/schema.gen.ts is stale: run `make web-types`"


def test_a_schema_change_shows_in_the_generated_types() -> None:
    web_types = _web_types()
    if not web_types.GENERATOR.exists():
        pytest.skip("web/node_modules is not installed (npm ci in web/)")
    document = web_types.openapi_document()
    row = document["components"]["schemas"]["CardRowSchema"]
    row["properties"]["renamed_field"] = row["properties"].pop("sort_field")
    generated = web_types.generate(document)
    assert "renamed_field" in generated
    assert generated != web_types.GENERATED.read_text()
