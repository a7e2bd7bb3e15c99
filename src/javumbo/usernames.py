"""The one rule for usernames, shared by the API (register, login) and the migration."""

from __future__ import annotations

import re

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{2,31}$"
USERNAME_RULE = (
    "a username is 3 to 32 letters, digits, '_', '.' or '-', starting with a letter or digit"
)
_USERNAME_RE = re.compile(USERNAME_PATTERN)


def canonical_username(raw: str) -> str | None:
    """The stored form (usernames compare case-insensitively), or None if it breaks the rule."""
    name = raw.strip().lower()
    return name if _USERNAME_RE.match(name) else None
