"""Anki ids (epoch milliseconds) in paths, queries and bodies: positive 64-bit integers.

SQLite stores signed 64-bit integers; a larger number would fail inside the driver, so every id
the API accepts is bounded here, before it reaches the collection.
"""

from __future__ import annotations

import re
from typing import Any

from apiflask.fields import Integer, List
from apiflask.validators import Length, Range
from flask import Flask
from werkzeug.routing import IntegerConverter

MAX_ID = 2**63 - 1
MAX_IDS_PER_REQUEST = 10_000
ID_PATH = f"int(max={MAX_ID})"


def id_field(**kwargs: Any) -> Integer:
    """An id in a JSON body: a real integer, not a string or a float."""
    return Integer(strict=True, validate=[Range(min=1, max=MAX_ID)], **kwargs)


def query_id_field(**kwargs: Any) -> Integer:
    """An id in a query string, where everything arrives as text."""
    return Integer(validate=[Range(min=1, max=MAX_ID)], **kwargs)


def id_list_field(**kwargs: Any) -> List[Any]:
    return List(id_field(), validate=[Length(min=1, max=MAX_IDS_PER_REQUEST)], **kwargs)


def document_integer_paths(app: Flask, spec: dict[Any, Any] | str) -> dict[Any, Any] | str:
    """Path ids as integers in the OpenAPI document: APIFlask only recognises a bare ``int:``
    converter and documents ``int(max=...)`` as a string."""
    if not isinstance(spec, dict):
        return spec
    for rule in app.url_map.iter_rules():
        integers = {
            name: converter
            for name, converter in rule._converters.items()
            if isinstance(converter, IntegerConverter)
        }
        if not integers:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for operation in spec.get("paths", {}).get(path, {}).values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                converter = integers.get(parameter.get("name"))
                if parameter.get("in") == "path" and converter is not None:
                    schema: dict[str, Any] = {"type": "integer"}
                    if converter.max is not None:
                        schema["maximum"] = converter.max
                    parameter["schema"] = schema
    return spec
