"""The password checks the migration relies on live in ``javumbo.accounts``; these names stay
importable from here for the migration script."""

from __future__ import annotations

from javumbo.accounts.legacy_hashes import (
    UPGRADED_HASH_ATTRIBUTE,
    is_legacy_hash,
    stored_password_hash,
    verify_legacy_hash,
)
from javumbo.accounts.passwords import check_password

__all__ = [
    "UPGRADED_HASH_ATTRIBUTE",
    "check_password",
    "is_legacy_hash",
    "stored_password_hash",
    "verify_legacy_hash",
]
