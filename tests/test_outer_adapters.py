"""The outermost adapters are imported by nothing inside the package: ``lambda_handler`` (AWS
Lambda's entry points) and the ``cli`` (the ``javumbo`` command, reached through
``__main__``). The rest of the package must work without them, in either form."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "javumbo"
OUTER = {"javumbo.lambda_handler": set(), "javumbo.cli": {"javumbo.__main__"}}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def importers_of(outer: str) -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        if name == outer or name.startswith(outer + "."):
            continue
        imported = imported_names(ast.parse(path.read_text(encoding="utf-8")))
        if any(i == outer or i.startswith(outer + ".") for i in imported):
            found.add(name)
    return found


def test_nothing_imports_the_outermost_adapters() -> None:
    for outer, allowed in OUTER.items():
        assert importers_of(outer) == allowed, outer


def test_the_scan_sees_an_import_of_an_adapter() -> None:
    tree = ast.parse("from javumbo.lambda_handler import handler\nimport javumbo.cli.serve_command")
    assert {"javumbo.lambda_handler.handler", "javumbo.cli.serve_command"} <= imported_names(tree)
