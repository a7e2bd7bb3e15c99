"""Which storage engine serves the API: the one place ``JAVUMBO_STORAGE_STRATEGY`` is read.

``journal`` (the default) is ``StorageEngine``, the design. ``per-request`` and
``session-cache`` are the seed's plans from ``baselines.py``, unsafe, for the benchmarks only.
"""

from __future__ import annotations

from pathlib import Path

from javumbo.collection.clock import Clock
from javumbo.settings import STORAGE_STRATEGIES, Settings, SettingsError
from javumbo.stores.ports import BlobStore, MetaStore
from javumbo.userdb.baselines import PerRequestDatabases, SessionCacheDatabases
from javumbo.userdb.engine import StorageEngine

_ENGINES: dict[str, type[StorageEngine]] = {
    "journal": StorageEngine,
    "per-request": PerRequestDatabases,
    "session-cache": SessionCacheDatabases,
}


def open_user_databases(
    settings: Settings,
    blobs: BlobStore,
    meta: MetaStore,
    *,
    instance_id: str,
    cache_dir: Path,
    clock: Clock,
) -> StorageEngine:
    """The engine ``settings.storage_strategy`` names."""
    engine = _ENGINES.get(settings.storage_strategy)
    if engine is None:
        raise SettingsError(
            f"storage strategy must be one of {', '.join(STORAGE_STRATEGIES)},"
            f" got {settings.storage_strategy!r}"
        )
    return engine(settings, blobs, meta, instance_id=instance_id, cache_dir=cache_dir, clock=clock)
