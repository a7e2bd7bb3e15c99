"""Package imports as background jobs: their records in the blob store (``records``), running
one (``jobs``), and who may start one (``admission``: per-user and temporary-space caps). The
HTTP views are in ``javumbo.api.packages``; the import itself is ``javumbo.collection.apkg``."""
