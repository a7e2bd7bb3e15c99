"""The error a bad package raises."""

from __future__ import annotations

from javumbo.collection.errors import ValidationError


class PackageError(ValidationError):
    """The file is not a package we can import (or the export cannot be written); the message
    names the problem. Raised before the user's collection or media are changed."""
