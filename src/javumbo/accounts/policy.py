"""The password policy, after NIST SP 800-63B: a minimum length and a blocklist, no composition
rules. Refused: fewer than ``MIN_PASSWORD_LENGTH`` characters, only white space, one character
repeated, a run of consecutive characters (``12345678``, ``abcdefgh``), the username or the
product's name, and the common passwords of ``common_passwords.txt`` (5,000 from breach corpora,
shipped with the package, see ``common_passwords.NOTICE``). Comparisons ignore case and
surrounding white space.
"""

from __future__ import annotations

import functools
import itertools
from importlib.resources import files

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
_PRODUCT_WORDS = frozenset({"javumbo", "anki", "flashcards"})


class WeakPasswordError(ValueError):
    """The password breaks the policy; the message says which rule, to show the user."""


@functools.cache
def common_passwords() -> frozenset[str]:
    text = files("javumbo.accounts").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def check_new_password(password: str, username: str) -> None:
    """``WeakPasswordError`` unless ``password`` is acceptable for ``username``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPasswordError(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    folded = password.strip().casefold()
    if not folded:
        raise WeakPasswordError("a password cannot be only spaces")
    if len(set(folded)) == 1 or _is_consecutive_run(folded):
        raise WeakPasswordError("a password cannot be one character repeated or a simple run")
    name = username.strip().casefold()
    if name and (folded == name or folded in (name + name, name[::-1])):
        raise WeakPasswordError("a password cannot be the username")
    if folded in _PRODUCT_WORDS:
        raise WeakPasswordError("a password cannot be the name of the app")
    if folded in common_passwords():
        raise WeakPasswordError("this password is among the most common ones; choose another")


def _is_consecutive_run(text: str) -> bool:
    """``12345678``, ``abcdefgh``, ``87654321``: each character one after or before the last."""
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(text)}
    return steps in ({1}, {-1})
