"""The OpenAPI document is typed to the leaf, and its error-code enum lists every code raised.

The web app's TypeScript types are generated from this document: an object without properties
(or without a typed ``additionalProperties``) would reach the web app as ``Record<string, never>``
or ``unknown`` and bring back guessing; a code missing from the enum would be a code the web
app cannot branch on.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from javumbo.api.errors import ERROR_CODES, field_problems
from tests.api.conftest import ApiUser

API_SOURCES = Path(__file__).resolve().parents[2] / "src" / "javumbo"
CODE_SOURCES = ("api", "accounts", "accounts.py")


def untyped_objects(node: Any, path: str = "#") -> Iterator[str]:
    """Paths of object schemas that say nothing about their members."""
    if isinstance(node, dict):
        extra = node.get("additionalProperties")
        is_object = node.get("type") == "object" or "additionalProperties" in node
        typed_extra = isinstance(extra, dict) and bool(extra)
        if is_object and "properties" not in node and not typed_extra:
            yield path
        for key, value in node.items():
            yield from untyped_objects(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from untyped_objects(value, f"{path}/{index}")


def test_every_object_in_the_document_is_typed(client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").get_json()
    assert list(untyped_objects(document["components"])) == []
    assert list(untyped_objects(document["paths"])) == []


def test_the_walker_finds_an_untyped_object() -> None:
    document = {
        "a": {"type": "object"},
        "b": {"type": "object", "additionalProperties": {}},
        "c": {"type": "object", "additionalProperties": {"type": "string"}},
        "d": {"type": "object", "properties": {"x": {"type": "array", "items": {}}}},
        "e": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
    }
    assert list(untyped_objects(document)) == ["#/a", "#/b", "#/e/items"]


def test_error_codes_are_an_enum_in_the_document(client: FlaskClient) -> None:
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    code = schemas["ErrorBodySchema"]["properties"]["code"]
    assert set(code["enum"]) == ERROR_CODES
    assert {"store_unavailable", "store_inconsistent", "conflict"} <= ERROR_CODES


def _source_files() -> Iterator[Path]:
    for name in CODE_SOURCES:
        path = API_SOURCES / name
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from sorted(path.rglob("*.py"))


def _literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def raised_codes(tree: ast.AST) -> Iterator[str]:
    """String literals used as an error code: ``code="..."``, ``error_response(status, "...")``,
    ``_fail("...")``, ``{"code": "..."}`` and module constants named ``*_CODE``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "code" and (value := _literal(keyword.value)):
                    yield value
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            second = node.args[1] if len(node.args) >= 2 else None
            if name == "error_response" and (value := _literal(second)):
                yield value
            if name == "_fail" and node.args and (value := _literal(node.args[0])):
                yield value
        elif isinstance(node, ast.Dict):
            for key, value_node in zip(node.keys, node.values, strict=True):
                if _literal(key) == "code" and (value := _literal(value_node)):
                    yield value
        elif isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if any(t.endswith("_CODE") for t in targets) and (value := _literal(node.value)):
                yield value


def test_every_code_the_api_raises_is_in_the_enum() -> None:
    found: dict[str, str] = {}
    for path in _source_files():
        for code in raised_codes(ast.parse(path.read_text(), str(path))):
            found.setdefault(code, path.name)
    assert len(found) >= 10, found  # the scan does see the codes
    missing = {code: where for code, where in found.items() if code not in ERROR_CODES}
    assert missing == {}


def test_the_code_scan_sees_each_way_of_raising() -> None:
    tree = ast.parse(
        "api_error(400, 'x', code='a')\n"
        "error_response(401, 'b', 'm')\n"
        "self._fail('c', 'm')\n"
        "x = {'code': 'd', 'message': 'm'}\n"
        "E_CODE = 'e'\n"
    )
    assert sorted(raised_codes(tree)) == ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize(
    ("detail", "expected"),
    [
        ({"json": {"name": ["Missing."]}}, {"json": {"name": ["Missing."]}}),
        (
            {"json": {"config": {"new": {"perDay": ["Not a valid integer."]}}}},
            {"json": {"config.new.perDay": ["Not a valid integer."]}},
        ),
        ({"json": {"card_ids": {0: ["Bad."]}}}, {"json": {"card_ids.0": ["Bad."]}}),
        ({"query": ["Invalid input."]}, {"query": {"_schema": ["Invalid input."]}}),
    ],
)
def test_field_problems_have_one_shape(
    detail: dict[str, Any], expected: dict[str, dict[str, list[str]]]
) -> None:
    assert field_problems(detail) == expected


def test_a_nested_rejection_answers_flat_details(alice: ApiUser) -> None:
    response = alice.call("PUT", "/api/decks/1", json={"limits": {"new": "many"}})
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert details == {"json": {"limits.new": ["Not a valid integer."]}}


def test_path_ids_are_documented_as_integers(client: FlaskClient) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    (deck_id,) = paths["/api/decks/{deck_id}"]["get"]["parameters"]
    assert deck_id["schema"] == {"type": "integer", "maximum": 2**63 - 1}
    (job_id,) = paths["/api/import/{job_id}"]["get"]["parameters"]
    assert job_id["schema"]["type"] == "string"


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.parametrize(
    "path", ["/api/decks/9223372036854775808", "/api/notes/9223372036854775808"]
)
def test_an_id_past_the_largest_is_not_found_for_every_method(
    alice: ApiUser, method: str, path: str
) -> None:
    response = alice.call(method, path, json={})
    assert response.status_code == 404, response.get_data()
    assert response.get_json()["error"]["code"] == "not_found"
