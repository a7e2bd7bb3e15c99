"""User databases: which instance holds a user's collection; load, journal, flush, sessions.

See ``databases.py`` for the invariants that keep every acknowledged write durable.
"""

from javumbo.userdb.databases import (
    AlreadyApplied,
    FlushResult,
    JournalLimits,
    ReplaceResult,
    UserDatabases,
)
from javumbo.userdb.errors import (
    ConflictError,
    InconsistentStoreError,
    InvalidNameError,
    StoreUnavailableError,
    UserDbError,
)
from javumbo.userdb.media import UserMedia
from javumbo.userdb.sessions import SessionManager

__all__ = [
    "AlreadyApplied",
    "ConflictError",
    "FlushResult",
    "InconsistentStoreError",
    "InvalidNameError",
    "JournalLimits",
    "ReplaceResult",
    "SessionManager",
    "StoreUnavailableError",
    "UserDatabases",
    "UserDbError",
    "UserMedia",
]
