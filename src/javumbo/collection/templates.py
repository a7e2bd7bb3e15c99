"""Card templates rendered to question/answer HTML with Anki's template language.

The rules follow Anki's Rust core (``rslib/src/template.rs`` and ``cloze.rs``): ``{{Field}}``,
``{{#F}}…{{/F}}``, ``{{^F}}…{{/F}}``, filters written ``{{f2:f1:Field}}`` and applied right to
left, and cloze markup as current Anki writes it (``<span class="cloze" data-ordinal="1">``) so
that card CSS written for Anki keeps working. Field values are stored HTML and are not escaped.
``{{type:Field}}`` leaves a marker for the web app's answer box (see ``typed_answers``).
Broken templates render a visible message instead of failing, because imported note types may
carry templates Anki itself would flag.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from javumbo.collection import notetypes
from javumbo.collection.errors import NotFoundError, ValidationError
from javumbo.collection.html_text import encode_attribute, field_is_empty, strip_html
from javumbo.collection.latex import latex_to_images
from javumbo.collection.typed_answers import (
    TYPE_ANSWER_MARKER,
    TypedAnswer,
    expected_text,
    keep_last_marker,
)

if TYPE_CHECKING:
    from javumbo.collection.cards import Card
    from javumbo.collection.collection import Collection

FRONT_SIDE = "FrontSide"


class TemplateError(ValidationError):
    """A template whose ``{{#…}}``/``{{/…}}`` sections do not match up."""


@dataclass(frozen=True)
class RenderedCard:
    question: str
    answer: str
    css: str
    typed_answer: TypedAnswer | None = None


# ----------------------------------------------------------------- template parsing


@dataclass(frozen=True)
class _Replacement:
    key: str
    filters: tuple[str, ...]  # in the order they are applied (rightmost first)


@dataclass(frozen=True)
class _Section:
    key: str
    negated: bool
    children: tuple[_Node, ...]


_Node = str | _Replacement | _Section

_HANDLEBARS = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


@lru_cache(maxsize=512)
def _parse_template(template: str) -> tuple[_Node, ...]:
    stack: list[tuple[str, bool, list[_Node]]] = [("", False, [])]
    pos = 0
    for match in _HANDLEBARS.finditer(template):
        if match.start() > pos:
            stack[-1][2].append(template[pos : match.start()])
        pos = match.end()
        inner = match.group(1).strip()
        if inner[:1] in ("#", "^"):
            stack.append((inner[1:].strip(), inner[0] == "^", []))
        elif inner[:1] == "/":
            key = inner[1:].strip()
            if len(stack) == 1 or stack[-1][0] != key:
                open_key = stack[-1][0] if len(stack) > 1 else None
                expected = f"{{{{/{open_key}}}}}" if open_key else "no closing tag"
                raise TemplateError(f"found {{{{/{key}}}}} where {expected} was expected")
            section_key, negated, children = stack.pop()
            stack[-1][2].append(_Section(section_key, negated, tuple(children)))
        else:
            *filters, key = inner.split(":")
            stack[-1][2].append(_Replacement(key.strip(), tuple(reversed(filters))))
    if pos < len(template):
        stack[-1][2].append(template[pos:])
    if len(stack) > 1:
        raise TemplateError(f"{{{{#{stack[-1][0]}}}}} is never closed with {{{{/{stack[-1][0]}}}}}")
    return tuple(stack[0][2])


def renders_nonempty(template: str, nonempty_fields: set[str]) -> bool:
    """Whether the template shows at least one non-empty field: Anki's rule for which cards a
    note gets. Text and special fields (``{{Tags}}``...) do not count."""
    try:
        nodes = _parse_template(template)
    except TemplateError:
        return False
    return _shows_a_field(nodes, nonempty_fields)


def _shows_a_field(nodes: tuple[_Node, ...], nonempty: set[str]) -> bool:
    for node in nodes:
        if isinstance(node, _Replacement):
            if node.key in nonempty:
                return True
        elif (
            isinstance(node, _Section)
            and (node.negated or node.key in nonempty)
            and _shows_a_field(node.children, nonempty)
        ):
            return True
    return False


def cloze_fields_of(template: str) -> set[str]:
    """Fields that the template passes through the ``cloze`` filter."""
    try:
        nodes = _parse_template(template)
    except TemplateError:
        return set()
    found: set[str] = set()
    _collect_cloze_fields(nodes, found)
    return found


def _collect_cloze_fields(nodes: tuple[_Node, ...], found: set[str]) -> None:
    for node in nodes:
        if isinstance(node, _Replacement) and "cloze" in node.filters:
            found.add(node.key)
        elif isinstance(node, _Section):
            _collect_cloze_fields(node.children, found)


# ----------------------------------------------------------------- rendering


@dataclass
class _TypeSlot:
    """The ``{{type:…}}`` of one side. Anki honours the first one only; ``allowed`` is False on
    an answer whose question asked for nothing to be typed (Anki then shows no comparison)."""

    allowed: bool = True
    taken: bool = False
    answer: TypedAnswer | None = None
    warning: str = ""  # shown on the question instead of a box; Anki's answer drops it


@dataclass(frozen=True)
class _Context:
    fields: dict[str, str]
    card_ord: int
    cloze: bool
    front_side: str | None
    note_fields: frozenset[str] | None = None  # None: every key of ``fields`` is a note field
    typing: _TypeSlot = field(default_factory=_TypeSlot)

    @property
    def question_side(self) -> bool:
        return self.front_side is None


def render(
    template: str,
    fields: dict[str, str],
    *,
    card_ord: int,
    cloze: bool,
    front_side: str | None = None,
) -> str:
    """Render one side. ``front_side`` is the rendered question when rendering the answer (it
    fills ``{{FrontSide}}`` and tells cloze filters to reveal); ``None`` renders a question.
    ``cloze`` says the note type is a Cloze one, whose card ``card_ord`` is cloze ``card_ord+1``.
    """
    return _render_side(template, _Context(fields, card_ord, cloze, front_side))


def _render_side(template: str, ctx: _Context) -> str:
    try:
        nodes = _parse_template(template)
    except TemplateError as exc:
        return f'<div class="template-error">{html.escape(str(exc), quote=False)}</div>'
    return "".join(_render_nodes(nodes, ctx))


def _render_nodes(nodes: tuple[_Node, ...], ctx: _Context) -> list[str]:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, _Section):
            shown = not field_is_empty(ctx.fields.get(node.key, ""))
            if shown != node.negated:
                out.extend(_render_nodes(node.children, ctx))
        else:
            out.append(_render_replacement(node, ctx))
    return out


def _render_replacement(node: _Replacement, ctx: _Context) -> str:
    if node.key == FRONT_SIDE and node.key not in ctx.fields:
        return ctx.front_side or ""
    value = ctx.fields.get(node.key)
    if value is None:
        found = "".join(f"{name}:" for name in reversed(node.filters)) + node.key
        return _error_span(f"Found '{{{{{found}}}}}', but there is no field called '{node.key}'")
    if any(name.strip() == "type" for name in node.filters):
        return _typed_answer_spot(node, value, ctx)
    for name in node.filters:
        value = _apply_filter(name.strip(), value, node.key, ctx)
    return value


def _apply_filter(name: str, value: str, field_name: str, ctx: _Context) -> str:
    if name == "cloze":
        return reveal_clozes(value, ctx.card_ord + 1, question=ctx.question_side)
    if name == "cloze-only":
        return ", ".join(_active_cloze_texts(parse_clozes(value), ctx.card_ord + 1))
    if name == "text":
        return strip_html(value)
    if name == "hint":
        return _hint_markup(value, field_name)
    if name == "furigana":
        return _FURIGANA.sub(_ruby, value)
    if name == "kanji":
        return _FURIGANA.sub(lambda m: m.group(1) if _is_reading(m) else m.group(0), value)
    if name == "kana":
        return _FURIGANA.sub(lambda m: m.group(2) if _is_reading(m) else m.group(0), value)
    # Unknown filters leave the text unchanged, as Anki does.
    return value


def _error_span(message: str) -> str:
    return f'<span class="template-error">{html.escape(message, quote=False)}</span>'


def _typed_answer_spot(node: _Replacement, value: str, ctx: _Context) -> str:
    """Where the answer box (question) or the comparison (answer) goes, following Anki's
    reviewer: unknown field or missing cloze → its warning, empty field → no box at all."""
    slot = ctx.typing
    if slot.taken or not slot.allowed:
        return ""
    slot.taken = True
    if not ctx.question_side:
        return TYPE_ANSWER_MARKER
    filters = tuple(name.strip() for name in node.filters)
    if ctx.note_fields is not None and node.key not in ctx.note_fields:
        slot.warning = _error_span(f"Type answer: unknown field {node.key}")
        return slot.warning
    if filters == ("cloze", "type"):
        value = cloze_typing_text(value, ctx.card_ord + 1)
        if not value:
            slot.warning = _error_span("Please run Tools>Empty Cards")
            return slot.warning
    if not value:
        return ""
    slot.answer = TypedAnswer(node.key, expected_text(value), combining=filters != ("nc", "type"))
    return TYPE_ANSWER_MARKER


def _hint_markup(value: str, field_name: str) -> str:
    if not value.strip():
        return ""
    hint_id = "hint" + hashlib.sha1(value.encode("utf-8")).hexdigest()[:16]
    return (
        f'\n<a class=hint href="#"\nonclick="this.style.display=\'none\';\n'
        f"document.getElementById('{hint_id}').style.display='block';\n"
        f'return false;" draggable=false>\n{field_name}</a>\n'
        f'<div id="{hint_id}" class=hint style="display: none">{value}</div>\n'
    )


_FURIGANA = re.compile(r" ?([^ >]+?)\[(.+?)\]")


def _is_reading(match: re.Match[str]) -> bool:
    return not match.group(2).startswith("sound:")


def _ruby(match: re.Match[str]) -> str:
    if not _is_reading(match):
        return match.group(0)
    return f"<ruby><rb>{match.group(1)}</rb><rt>{match.group(2)}</rt></ruby>"


# ----------------------------------------------------------------- cloze deletions


@dataclass
class _Cloze:
    ordinal: int
    opening: str
    parts: list[str | _Cloze] = field(default_factory=list)
    hint: str | None = None


_CLOZE_TOKEN = re.compile(r"\{\{c(\d+)::|\}\}")


def parse_clozes(text: str) -> list[str | _Cloze]:
    """Split text into plain runs and (possibly nested) cloze deletions; an opening that is
    never closed stays plain text."""
    root: list[str | _Cloze] = []
    stack: list[_Cloze] = []

    def target() -> list[str | _Cloze]:
        return stack[-1].parts if stack else root

    pos = 0
    for match in _CLOZE_TOKEN.finditer(text):
        if match.start() > pos:
            target().append(text[pos : match.start()])
        pos = match.end()
        if match.group(1) is not None:
            stack.append(_Cloze(int(match.group(1)), match.group(0)))
        elif stack:
            cloze = stack.pop()
            last = cloze.parts[-1] if cloze.parts else None
            if isinstance(last, str) and "::" in last:
                content, cloze.hint = last.split("::", 1)
                cloze.parts[-1] = content
            target().append(cloze)
        else:
            target().append(match.group(0))
    if pos < len(text):
        target().append(text[pos:])
    while stack:
        unclosed = stack.pop()
        target().append(unclosed.opening)
        target().extend(unclosed.parts)
    return root


def cloze_numbers(text: str) -> set[int]:
    """The cloze numbers (``c1`` → 1) used in a field, nested ones included."""
    numbers: set[int] = set()

    def visit(nodes: list[str | _Cloze]) -> None:
        for node in nodes:
            if isinstance(node, _Cloze):
                if node.ordinal > 0:
                    numbers.add(node.ordinal)
                visit(node.parts)

    visit(parse_clozes(text))
    return numbers


def reveal_clozes(text: str, active: int, *, question: bool) -> str:
    """The ``cloze`` filter: the active deletion hidden (question) or highlighted (answer),
    the others shown as text. Empty when the field has no deletion ``active``, which makes
    the card empty, as in Anki."""
    nodes = parse_clozes(text)
    found = [False]
    rendered = "".join(_reveal(node, active, question, found) for node in nodes)
    return rendered if found[0] else ""


def _reveal(node: str | _Cloze, active: int, question: bool, found: list[bool]) -> str:
    if isinstance(node, str):
        return node
    content = "".join(_reveal(part, active, question, found) for part in node.parts)
    if node.ordinal != active:
        return f'<span class="cloze-inactive" data-ordinal="{node.ordinal}">{content}</span>'
    found[0] = True
    if not question:
        return f'<span class="cloze" data-ordinal="{node.ordinal}">{content}</span>'
    shown = f"[{node.hint}]" if node.hint else "[...]"
    return (
        f'<span class="cloze" data-cloze="{encode_attribute(content)}" '
        f'data-ordinal="{node.ordinal}">{shown}</span>'
    )


def _active_cloze_texts(nodes: list[str | _Cloze], active: int) -> list[str]:
    texts: list[str] = []
    for node in nodes:
        if isinstance(node, _Cloze):
            if node.ordinal == active:
                texts.append("".join(_plain_cloze_text(p) for p in node.parts))
            else:
                texts.extend(_active_cloze_texts(node.parts, active))
    return texts


def _plain_cloze_text(node: str | _Cloze) -> str:
    if isinstance(node, str):
        return node
    return "".join(_plain_cloze_text(p) for p in node.parts)


def cloze_typing_text(text: str, active: int) -> str:
    """What ``{{type:cloze:Field}}`` expects (field HTML, not yet stripped): the contents of
    every deletion ``active``, nested ones too, joined with ", ", or just one of them when they
    are all the same, as Anki's ``extract_cloze_for_typing`` does."""
    texts: list[str] = []

    def visit(node: str | _Cloze) -> None:
        if isinstance(node, _Cloze):
            if node.ordinal == active:
                texts.append(_plain_cloze_text(node))
            for part in node.parts:
                visit(part)

    for node in parse_clozes(text):
        visit(node)
    if texts and min(texts) == max(texts):
        return texts[0]
    return ", ".join(texts)


# ----------------------------------------------------------------- whole cards


def render_card(col: Collection, card: Card) -> RenderedCard:
    """Question and answer HTML of a card, with its note type's CSS (kept separate: Anki
    wraps it in a ``<style>`` element, a web page wants it on its own)."""
    row = col.db.execute("select mid, flds, tags from notes where id = ?", (card.nid,)).fetchone()
    if row is None:
        raise NotFoundError(f"card {card.id} belongs to note {card.nid}, which does not exist")
    mid, flds, tags = row
    return render_note_card(col, notetypes.get_notetype(col, int(mid)), str(flds), str(tags), card)


def render_note_card(
    col: Collection, nt: notetypes.NotetypeDict, flds: str, tags: str, card: Card
) -> RenderedCard:
    """A card of a note given by its fields (``\x1f``-joined) and tags, saved or not: what
    review shows, so that a preview of an unsaved note is exactly the card it will make."""
    cloze = notetypes.is_cloze(nt)
    tmpls = notetypes.templates_of(nt)
    template = tmpls[0] if cloze else next((t for t in tmpls if t["ord"] == card.ord), None)
    if template is None:
        raise NotFoundError(f"note type {nt['name']!r} has no template {card.ord + 1}")
    fields = _field_map(col, nt, flds, tags, card, template)
    note_fields = frozenset(notetypes.field_names(nt))
    asked = _TypeSlot()
    question = _render_side(
        template["qfmt"], _Context(fields, card.ord, cloze, None, note_fields, asked)
    )
    front_side = question.replace(asked.warning, "", 1) if asked.warning else question
    compared = _TypeSlot(allowed=asked.answer is not None)
    answer = _render_side(
        template["afmt"], _Context(fields, card.ord, cloze, front_side, note_fields, compared)
    )
    svg = bool(nt.get("latexsvg"))
    return RenderedCard(
        question=latex_to_images(question, svg=svg),
        answer=latex_to_images(keep_last_marker(answer), svg=svg),
        css=str(nt.get("css", "")),
        typed_answer=asked.answer,
    )


def _field_map(
    col: Collection,
    nt: notetypes.NotetypeDict,
    flds: str,
    tags: str,
    card: Card,
    template: dict[str, object],
) -> dict[str, str]:
    values = flds.split("\x1f")
    names = notetypes.field_names(nt)
    fields = {name: values[i] if i < len(values) else "" for i, name in enumerate(names)}
    deck = col.decks.get(str(card.odid or card.did), {})
    deck_name = str(deck.get("name", ""))
    fields.update(
        {
            "Tags": tags.strip(),
            "Type": str(nt.get("name", "")),
            "Deck": deck_name,
            "Subdeck": deck_name.rsplit("::", 1)[-1],
            "Card": str(template.get("name", "")),
            "CardFlag": f"flag{card.flags & 0b111}",
        }
    )
    return fields
