"""What a search says, as small immutable nodes: the parser's output, the SQL writer's input.

Values are kept as the user wrote them once the query syntax is removed: names and texts still
carry Anki's wildcards (``*``, ``_``) and their escapes (``\\*``, ``\\_``, ``\\\\``), since what
they match is decided against a collection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Operator = Literal["<=", ">=", "!=", "=", "<", ">"]
OPERATORS: tuple[Operator, ...] = ("<=", ">=", "!=", "=", "<", ">")
CardState = Literal[
    "new", "review", "learn", "buried", "buried-manually", "buried-sibling", "suspended", "due"
]
CARD_STATES: tuple[CardState, ...] = (
    "new",
    "review",
    "learn",
    "buried",
    "buried-manually",
    "buried-sibling",
    "suspended",
    "due",
)
CardProperty = Literal["ivl", "reps", "lapses", "pos", "due"]
IdKind = Literal["nid", "cid", "did"]


@dataclass(frozen=True)
class MatchAll:
    """The empty search: every card."""


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class TextSearch:
    """Unqualified text: in the sort field or any field."""

    text: str


@dataclass(frozen=True)
class FieldSearch:
    """``field:value``; the field name may have wildcards."""

    field: str
    value: str


@dataclass(frozen=True)
class DeckSearch:
    """``deck:name`` (children included); ``*`` is every deck, ``filtered`` every filtered card."""

    name: str


@dataclass(frozen=True)
class NotetypeSearch:
    name: str


@dataclass(frozen=True)
class TemplateSearch:
    """``card:2`` (``number`` 2) or ``card:Card 2`` (``name``)."""

    number: int | None = None
    name: str | None = None


@dataclass(frozen=True)
class TagSearch:
    """``tag:name`` (parents match their children); ``none`` and ``*`` are special."""

    tag: str


@dataclass(frozen=True)
class FlagSearch:
    flag: int


@dataclass(frozen=True)
class StateSearch:
    state: CardState


@dataclass(frozen=True)
class PropSearch:
    """``prop:ivl>5`` and the like, on a whole number."""

    prop: CardProperty
    op: Operator
    value: int


@dataclass(frozen=True)
class EaseSearch:
    """``prop:ease>2.5``."""

    op: Operator
    ease: float


@dataclass(frozen=True)
class RatedSearch:
    """Answered ``op`` ``days`` days from today (``days`` is 0 or negative), with ``ease`` if
    given: ``rated:N[:ease]`` and ``prop:rated``."""

    op: Operator
    days: int
    ease: int | None


@dataclass(frozen=True)
class AddedSearch:
    days: int


@dataclass(frozen=True)
class EditedSearch:
    days: int


@dataclass(frozen=True)
class IdSearch:
    """``nid:``, ``cid:``, ``did:`` with a list of ids."""

    kind: IdKind
    ids: tuple[int, ...]


@dataclass(frozen=True)
class NotetypeIdSearch:
    """``mid:``."""

    notetype_id: int


Node = (
    MatchAll
    | And
    | Or
    | Not
    | TextSearch
    | FieldSearch
    | DeckSearch
    | NotetypeSearch
    | TemplateSearch
    | TagSearch
    | FlagSearch
    | StateSearch
    | PropSearch
    | EaseSearch
    | RatedSearch
    | AddedSearch
    | EditedSearch
    | IdSearch
    | NotetypeIdSearch
)
