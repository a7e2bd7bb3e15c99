"""Ports (``BlobStore``, ``MetaStore``) and their adapters: local folder / S3, SQLite / DynamoDB.

This layer knows nothing of Anki: it moves bytes and small records.
"""

from javumbo.stores.ports import (
    Blob,
    BlobExistsError,
    BlobInfo,
    BlobNotFoundError,
    BlobStore,
    ConditionFailedError,
    DuplicateIdempotencyKeyError,
    Head,
    JournalEntry,
    Lease,
    MetaStore,
    SessionRecord,
    StoreError,
    StoreUnavailableError,
    UserExistsError,
    UserNotFoundError,
    UserRecord,
)

__all__ = [
    "Blob",
    "BlobExistsError",
    "BlobInfo",
    "BlobNotFoundError",
    "BlobStore",
    "ConditionFailedError",
    "DuplicateIdempotencyKeyError",
    "Head",
    "JournalEntry",
    "Lease",
    "MetaStore",
    "SessionRecord",
    "StoreError",
    "StoreUnavailableError",
    "UserExistsError",
    "UserNotFoundError",
    "UserRecord",
]
