"""LaTeX of older decks shown as the image Anki generated (Anki's own test vectors)."""

from __future__ import annotations

import html

from javumbo.collection.latex import latex_to_images


def test_latex_blocks_become_anki_image_names() -> None:
    name = "latex-ef30b3f4141c33a5bf7044b0d1961d3399c05d50.png"
    shown = latex_to_images("a[latex]one<br>and<div>two[/latex]b")
    assert html.unescape(shown) == f'a<img class=latex alt="one\nand\ntwo" src="{name}">b'
    inline = latex_to_images("[$]<b>hello</b>&nbsp; world[/$]", svg=True)
    assert 'src="latex-060219fbf3ddb74306abddaf4504276ad793b029.svg"' in inline
    display = latex_to_images("[$$]math &amp; stuff[/$$]")
    assert 'src="latex-8899f3f849ffdef6e4e9f2f34a923a1f608ebc07.png"' in display


def test_text_without_latex_is_unchanged() -> None:
    text = "a [b] \\(x^2\\) [sound:x.mp3]"
    assert latex_to_images(text) == text
