"""The storage engine: which instance holds a user's collection; load, journal, flush, sessions.

How it works and why no acknowledged write is lost: ``docs/storage-engine.md``.
"""

from javumbo.userdb.engine import (
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
