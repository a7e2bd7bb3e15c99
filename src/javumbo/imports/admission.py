"""Who may start an import: at most ``imports_per_user`` queued or running imports per user,
and at most ``import_temp_bytes`` of uploaded packages waiting or being imported in this
process, all users together.

An import holds its uploaded package on local disk from the upload until the job ends, and a
queued job holds a worker's place in line, so without these caps one user could queue imports
without end and fill the disk. The counts are per process: they guard what the process holds
(its disk and its workers). What a running import extracts from its package (the package's
collection) is bounded by the package caps (``PackageLimits``), and only two run at once.
A request admitted gets an ``ImportTicket`` that the job releases when it ends, however it ends.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from javumbo.userdb.media import describe_size


class ImportRefusedError(Exception):
    """An import that may not start now; ``message`` says why, for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TooManyImportsError(ImportRefusedError):
    """The user already has as many imports queued or running as allowed (429)."""


class ImportsBusyError(ImportRefusedError):
    """The server holds as many bytes of packages as it allows for now (503, retry later)."""


class PackageTooLargeError(ImportRefusedError):
    """The package alone is larger than the server ever holds for imports (413)."""


@dataclass
class ImportTicket:
    """One admitted import's place: released once (by the job, or by the view on failure)."""

    admission: ImportAdmission
    user_id: str
    size: int
    _released: bool = field(default=False, repr=False)

    def resize(self, size: int) -> None:
        """The package's real size, once saved (the request's length was an estimate)."""
        self.admission._resize(self, size)

    def release(self) -> None:
        self.admission._release(self)


class ImportAdmission:
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._per_user: Counter[str] = Counter()
        self._bytes = 0

    def admit(self, user_id: str, size: int, *, per_user: int, temp_bytes: int) -> ImportTicket:
        """A ticket for an import of a ``size``-byte package, or an ``ImportRefusedError``."""
        if size > temp_bytes:
            raise PackageTooLargeError(
                f"the package is {describe_size(size)}; this server imports packages of up to"
                f" {describe_size(temp_bytes)}"
            )
        with self._guard:
            if self._per_user[user_id] >= per_user:
                raise TooManyImportsError(
                    f"you already have {self._per_user[user_id]} imports queued or running"
                    f" (at most {per_user}); wait for one to finish"
                )
            if self._bytes + size > temp_bytes:
                raise ImportsBusyError(
                    "the server is busy with other imports; try again in a minute"
                )
            self._per_user[user_id] += 1
            self._bytes += size
        return ImportTicket(self, user_id, size)

    def in_flight(self, user_id: str | None = None) -> int:
        """Imports admitted and not yet released (the user's, or everyone's)."""
        with self._guard:
            if user_id is None:
                return sum(self._per_user.values())
            return self._per_user[user_id]

    @property
    def held_bytes(self) -> int:
        with self._guard:
            return self._bytes

    def _resize(self, ticket: ImportTicket, size: int) -> None:
        with self._guard:
            if not ticket._released:
                self._bytes += size - ticket.size
                ticket.size = size

    def _release(self, ticket: ImportTicket) -> None:
        with self._guard:
            if ticket._released:
                return
            ticket._released = True
            self._bytes -= ticket.size
            self._per_user[ticket.user_id] -= 1
            if self._per_user[ticket.user_id] <= 0:
                del self._per_user[ticket.user_id]


IMPORT_ADMISSION = ImportAdmission()
