"""Typing the answer: what ``{{type:Field}}`` asks the learner to type, and where it goes.

Anki's desktop swaps ``{{type:…}}`` for a text box on the question and for the comparison of
what was typed on the answer (``qt/aqt/reviewer.py``). A card rendered here runs in a sandboxed
frame with no scripts, so the box and the comparison belong to the web app: the card keeps an
empty marker element where they go, and the expected text travels beside the HTML. The
expected text follows ``strip_expected`` in Anki's ``rslib/src/typeanswer.rs``, so a learner
is marked against the same characters Anki would mark them against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from javumbo.collection.html_text import strip_html

TYPE_ANSWER_MARKER = '<span class="javumbo-typeans"></span>'

# [sound:…] and [anki:tts …]…[/anki:tts]: Anki plays these, they are not part of the answer.
_AV_TAGS = re.compile(r"\[sound:[^\]]*\]|\[anki:tts[^\]]*\].*?\[/anki:tts\]", re.DOTALL)
_LINE_BREAKS = re.compile(r"(?:\n|<br\s?/?>|</?div>)+", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class TypedAnswer:
    """What the learner of a card is asked to type.

    ``combining`` is False for ``{{type:nc:Field}}``, Anki's variant that ignores accents and
    other combining marks when comparing.
    """

    field: str
    expected: str
    combining: bool = True


def expected_text(field_html: str) -> str:
    """The text a typed answer is compared with: media tags dropped, line breaks as spaces,
    HTML removed, entities decoded, outer whitespace trimmed."""
    without_media = _AV_TAGS.sub("", field_html)
    return strip_html(_LINE_BREAKS.sub(" ", without_media)).strip()


def keep_last_marker(html: str) -> str:
    """An answer whose ``{{FrontSide}}`` brings the question's marker and whose own template
    has one too would compare twice (Anki's desktop does); only the last marker stays."""
    count = html.count(TYPE_ANSWER_MARKER)
    if count <= 1:
        return html
    return html.replace(TYPE_ANSWER_MARKER, "", count - 1)
