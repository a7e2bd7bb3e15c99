"""Card templates seen from their note type: the checks Anki makes before it saves a note type,
field renames carried into the templates, and the ``req`` list of schema-11 files.

The checks and their messages follow Anki's (``rslib/src/notetype/mod.rs`` and the
``card-templates-*`` strings), so a template Anki would refuse is refused here with the words
Anki uses; the rewrite of renamed or removed fields follows ``rename_and_remove_fields``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from javumbo.collection.errors import ValidationError
from javumbo.collection.templates import renders_nonempty

# Field names Anki fills in itself; a template may use them without a field of that name.
SPECIAL_FIELDS = frozenset(
    {"FrontSide", "Card", "CardFlag", "Deck", "Subdeck", "Tags", "Type", "CardID"}
)
_HANDLEBARS = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_CARD_TAG = re.compile(r"\{\{\s*Card\s*\}\}")


class TemplateProblem(ValidationError):
    """A card template Anki would refuse to save. ``api_code`` names it for the HTTP API."""

    api_code = "template_error"

    def __init__(self, notetype_name: str, index: int, detail: str) -> None:
        self.detail = detail
        super().__init__(
            f"Card template {index + 1} in note type '{notetype_name}' has a problem. {detail}"
        )


class _Unparsable(Exception):
    pass


@dataclass(frozen=True)
class _Tag:
    """One ``{{…}}``: ``kind`` is "" (a replacement), "#", "^" or "/"."""

    kind: str
    key: str
    filters: tuple[str, ...]  # as written, left to right


_Token = str | _Tag


def _tokens(template: str) -> list[_Token]:
    """Text runs and tags, checked for matching sections (Anki refuses unmatched ones)."""
    out: list[_Token] = []
    open_sections: list[str] = []
    pos = 0
    for match in _HANDLEBARS.finditer(template):
        if match.start() > pos:
            out.append(template[pos : match.start()])
        pos = match.end()
        inner = match.group(1).strip()
        if inner[:1] in ("#", "^", "/"):
            key = inner[1:].strip()
            if inner[0] == "/":
                if not open_sections or open_sections[-1] != key:
                    raise _Unparsable(f"Found '{{{{/{key}}}}}', but no matching opening tag.")
                open_sections.pop()
            else:
                open_sections.append(key)
            out.append(_Tag(inner[0], key, ()))
        else:
            *filters, key = inner.split(":")
            out.append(_Tag("", key.strip(), tuple(f.strip() for f in filters)))
    if pos < len(template):
        if "{{" in template[pos:]:
            raise _Unparsable("Missing '}}' after '{{'.")
        out.append(template[pos:])
    if open_sections:
        key = open_sections[-1]
        raise _Unparsable(f"Missing '{{{{/{key}}}}}' to close '{{{{#{key}}}}}'.")
    return out


def _serialize(tokens: Iterable[_Token]) -> str:
    parts: list[str] = []
    for token in tokens:
        if isinstance(token, str):
            parts.append(token)
        elif token.kind:
            parts.append(f"{{{{{token.kind}{token.key}}}}}")
        else:
            parts.append("{{" + ":".join((*token.filters, token.key)) + "}}")
    return "".join(parts)


def rename_fields_in_template(template: str, renames: Mapping[str, str | None]) -> str:
    """``{{Old}}``, ``{{#Old}}``, ``{{^Old}}``, ``{{/Old}}`` and filtered forms
    (``{{type:Old}}``, ``{{cloze:Old}}``…) follow a rename; a removed field (``None``) loses
    its replacements, and its sections keep their contents, as in Anki. A template that does
    not parse is left alone."""
    try:
        tokens = _tokens(template)
    except _Unparsable:
        return template
    if not any(isinstance(t, _Tag) and t.key in renames for t in tokens):
        return template
    out: list[_Token] = []
    for token in tokens:
        if isinstance(token, _Tag) and token.key in renames:
            new = renames[token.key]
            if new is None:
                continue
            token = _Tag(token.kind, new, token.filters)
        out.append(token)
    return _serialize(out)


# ----------------------------------------------------------------- checks


def check_templates(nt: Mapping[str, Any]) -> None:
    """Raise ``TemplateProblem`` for the first template Anki would refuse: a front identical to
    an earlier one, a template that does not parse, a front without a field, an unknown field,
    a Cloze type without ``{{cloze:…}}`` on both sides, ``cloze:`` on a standard type."""
    name = str(nt["name"])
    tmpls: Sequence[Mapping[str, Any]] = nt["tmpls"]
    field_set = {str(f["name"]) for f in nt["flds"]}
    cloze_type = int(nt.get("type", 0)) == 1
    seen: dict[str, int] = {}
    for index, tmpl in enumerate(tmpls):
        front = str(tmpl.get("qfmt", ""))
        earlier = seen.setdefault(front, index)
        if earlier != index and not _CARD_TAG.search(front):
            raise TemplateProblem(
                name, index, f"The front side is identical to card template {earlier + 1}."
            )
    for index, tmpl in enumerate(tmpls):
        sides = []
        for key in ("qfmt", "afmt"):
            try:
                sides.append(_tokens(str(tmpl.get(key, ""))))
            except _Unparsable as exc:
                side = "Front" if key == "qfmt" else "Back"
                raise TemplateProblem(name, index, f"{side} template: {exc}") from exc
        front_fields = _names(sides[0])
        if not front_fields:
            raise TemplateProblem(
                name,
                index,
                "Expected to find a field replacement on the front of the card template.",
            )
        for field in sorted(front_fields | _names(sides[1])):
            if field and field not in SPECIAL_FIELDS and field not in field_set:
                raise TemplateProblem(name, index, f"Field '{field}' not found.")
        if not cloze_type and any(_cloze_used(side) for side in sides):
            raise TemplateProblem(name, index, "'cloze:' can only be used on cloze note types.")
    if cloze_type and not (tmpls and all(_cloze_used(side) for side in _both_sides(tmpls[0]))):
        raise TemplateProblem(
            name,
            0,
            "Expected to find '{{cloze:Text}}' or similar on the front and back of the card "
            "template.",
        )


def _names(tokens: list[_Token]) -> set[str]:
    return {t.key for t in tokens if isinstance(t, _Tag) and t.kind != "/"}


def _cloze_used(tokens: list[_Token]) -> bool:
    return any(isinstance(t, _Tag) and not t.kind and "cloze" in t.filters for t in tokens)


def _both_sides(tmpl: Mapping[str, Any]) -> list[list[_Token]]:
    return [_tokens(str(tmpl.get("qfmt", ""))), _tokens(str(tmpl.get("afmt", "")))]


# ----------------------------------------------------------------- requirements


def requirements(nt: Mapping[str, Any]) -> list[list[Any]]:
    """Schema 11's ``req``: per template, which fields make a card ("any" of them, "all" of
    them, or "none": the template never yields a card). Anki's ``requirements`` rule."""
    names = [str(f["name"]) for f in nt["flds"]]
    out: list[list[Any]] = []
    for ord_, tmpl in enumerate(nt["tmpls"]):
        front = str(tmpl.get("qfmt", ""))
        any_of = [i for i, name in enumerate(names) if renders_nonempty(front, {name})]
        if any_of:
            out.append([ord_, "any", any_of])
            continue
        everything = set(names)
        needed = [
            i for i, name in enumerate(names) if not renders_nonempty(front, everything - {name})
        ]
        if needed and renders_nonempty(front, everything):
            out.append([ord_, "all", needed])
        else:
            out.append([ord_, "none", []])
    return out
