"""JSON request bodies are read once, strictly, before any view or schema sees them.

The schema layer (webargs) parses JSON with ``json.loads`` and lets two things through that must
never reach the collection: a body nested deeper than the parser's recursion limit (a
``RecursionError``, which would surface as a 500) and lone UTF-16 surrogates such as ``"\\ud800"``
(valid JSON escapes, but not text: SQLite and real Anki cannot store them), and Python's
``NaN``/``Infinity`` extensions. All of them, and any other unreadable body, are answered here
with one clear 400.
"""

from __future__ import annotations

import json

from flask import request

from javumbo.api.errors import api_error

INVALID_JSON_CODE = "invalid_json"


def refuse_unreadable_json() -> None:
    """``before_request``: a JSON body that is not UTF-8 text holding valid JSON is a 400."""
    if not request.is_json:
        return
    raw = request.get_data(cache=True)  # over the body limit: 413 from werkzeug
    if not raw:
        return
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        raise _invalid("it is not UTF-8 text") from exc
    except RecursionError as exc:
        raise _invalid("it is nested too deeply") from exc
    except ValueError as exc:
        raise _invalid(str(exc)) from exc
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _invalid("it holds a lone UTF-16 surrogate escape (\\ud800-\\udfff)") from exc


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _invalid(reason: str) -> Exception:
    return api_error(400, f"the request body is not valid JSON: {reason}", code=INVALID_JSON_CODE)
