"""The server half of Anki's normal (incremental) sync, on a ``javumbo.collection.Collection``.

Anki's own server keeps one SQLite transaction open from ``start`` to ``finish``. Ours cannot
(every write is one journaled transaction of the storage engine, and the next request may reach
another instance), so a sync is staged instead: ``start``/``applyChanges``/``chunk`` only *read*
the collection, what the server sends is recorded in a ``SyncState`` and what the client sends
in parts (both kept in the blob store by ``pending.py``, so any instance serves any call), and
``sanityCheck2`` applies all of it (an ``Incoming``) in one transaction that commits only if the
counts then match the client's. ``finish`` answers with the modification time of that commit.
An ``abort``, a failed check or a dropped connection therefore leaves the collection as it was.

The client's view is the server's collection at ``start``: the rows to send are picked then, and
the largest card and note ids then are kept. The sanity check must ignore what the web app did
during the sync (it reaches the client next time): cards and notes it added are the usn -1 rows
above those ids (ids are epoch milliseconds and only grow, see ``Collection.new_id``), and rows
it deleted are its usn -1 graves that were not sent at ``start``, of ids up to those maxima.
This needs no list of every id. (A web ``.apkg`` import racing a sync keeps the package's own,
older ids; the counts then differ and the client is told to sync again or fully.)

Update sequence numbers. ``col.usn`` is the server's usn; the sync in progress stamps what it
receives with it and then moves it one up, as Anki does. Javumbo's own layer (the web app)
writes rows with usn -1, "changed here, not yet sent": such rows are sent to every client whose
last sync is older (like rows with usn >= the client's), and once sent they get the sync's usn,
but only if they are still exactly what was sent (a web review racing the sync keeps its -1 and
goes out next time). Conflicts follow Anki: a row changed on both sides since the last sync is
kept from the side with the newer ``mod``.

The parts, by what each is about: ``sync_state`` (the state between calls and the row layouts),
``client_input`` (the client's input, checked as it arrives), ``outgoing_changes`` (what the
server sends) and ``commit`` (applying and merging it all at the sanity check). This module is
their public face for the sync server.
"""

from javumbo.sync.client_input import (
    changes_part,
    check_client_counts,
    graves_part,
    is_empty_changes,
    rows_part,
)
from javumbo.sync.commit import SanityCheckFailed, commit, sanity_counts
from javumbo.sync.outgoing_changes import chunk, server_changes, server_usn, start, sync_meta
from javumbo.sync.sync_state import Incoming, SyncState, incoming_from_parts

__all__ = [
    "Incoming",
    "SanityCheckFailed",
    "SyncState",
    "changes_part",
    "check_client_counts",
    "chunk",
    "commit",
    "graves_part",
    "incoming_from_parts",
    "is_empty_changes",
    "rows_part",
    "sanity_counts",
    "server_changes",
    "server_usn",
    "start",
    "sync_meta",
]
