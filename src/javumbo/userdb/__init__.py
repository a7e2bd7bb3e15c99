"""User databases: which instance holds a user's collection; load, journal, flush, sessions.

See ``databases.py`` for the invariants that keep every acknowledged write durable.
"""

from javumbo.userdb.databases import (
    AlreadyApplied,
    FlushResult,
    JournalLimits,
    ReplaceResult,
    StorageEngine,
)
from javumbo.userdb.errors import (
    ConflictError,
    InconsistentStoreError,
    InvalidNameError,
    StorageEngineError,
    StoreUnavailableError,
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
    "StorageEngine",
    "StorageEngineError",
    "StoreUnavailableError",
    "UserMedia",
]
