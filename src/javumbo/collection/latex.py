"""``[latex]…[/latex]``, ``[$]…[/$]`` and ``[$$]…[/$$]`` of older decks, shown as Anki shows
them where no LaTeX runs: the image Anki generated for the expression, ``latex-<sha1>.png``
(``.svg`` when the note type asks for SVG), which a deck made in Anki carries in its media.

The file name is the SHA-1 of the expression as Anki reads it (``<br>``/``<div>`` become new
lines, the rest of the HTML is removed and entities decoded; inline math gets ``$…$``, display
math a ``displaymath`` environment), as in Anki's ``rslib/src/latex.rs``.
"""

from __future__ import annotations

import hashlib
import re

from javumbo.collection.html_text import encode_attribute, strip_html

_LATEX = re.compile(
    r"\[latex\](.+?)\[/latex\]|\[\$\](.+?)\[/\$\]|\[\$\$\](.+?)\[/\$\$\]",
    re.IGNORECASE | re.DOTALL,
)
_LATEX_NEWLINES = re.compile(r"<br( /)?>|<div>", re.IGNORECASE)


def latex_image_name(expression: str, *, svg: bool) -> str:
    digest = hashlib.sha1(expression.encode("utf-8")).hexdigest()
    return f"latex-{digest}.{'svg' if svg else 'png'}"


def _expression(match: re.Match[str]) -> str:
    standard, inline, display = match.groups()
    if standard is not None:
        raw = standard
    elif inline is not None:
        raw = f"${inline}$"
    else:
        raw = f"\\begin{{displaymath}}{display}\\end{{displaymath}}"
    return strip_html(_LATEX_NEWLINES.sub("\n", raw))


def latex_to_images(html: str, *, svg: bool = False) -> str:
    """Each LaTeX block replaced by ``<img class=latex alt="…" src="latex-….png">``."""
    if "[" not in html:
        return html

    def image(match: re.Match[str]) -> str:
        expression = _expression(match)
        name = latex_image_name(expression, svg=svg)
        return f'<img class=latex alt="{encode_attribute(expression)}" src="{name}">'

    return _LATEX.sub(image, html)
