"""Anki's sync protocol, server side: Anki desktop, AnkiDroid and AnkiMobile sync with Javumbo.

``register_sync(app, deps)`` mounts ``/sync/*`` and ``/msync/*`` on the Flask app; see
``server.py`` for the endpoints and ``collection_sync.py`` for how a sync maps onto the
storage engine.
"""

from javumbo.sync.blueprint import register_sync
from javumbo.sync.host_keys import HostKeys
from javumbo.sync.server import SyncDependencies, SyncLimits, SyncServer

__all__ = ["HostKeys", "SyncDependencies", "SyncLimits", "SyncServer", "register_sync"]
