"""Anki packages: ``.apkg`` (decks) and ``.colpkg`` (a whole collection), in and out.

Import reads all three layouts Anki writes (Anki 2.0 ``collection.anki2``, 2.1
``collection.anki21`` and the current zstd ``collection.anki21b`` with protobuf media map);
export writes the ``collection.anki2`` layout every Anki reads, or (``layout="current"``) the
``collection.anki21b`` one Anki 2.1.50+ writes. Untrusted files are capped and checked
(``PackageLimits``) and fail with ``PackageError`` before anything is changed.
"""

from javumbo.collection.apkg.apkg_merge import import_apkg
from javumbo.collection.apkg.colpkg_restore import import_colpkg
from javumbo.collection.apkg.errors import PackageError
from javumbo.collection.apkg.exporter import (
    EXPORT_LAYOUTS,
    ExportLayout,
    ExportReport,
    export_apkg,
    export_colpkg,
)
from javumbo.collection.apkg.import_report import ImportReport
from javumbo.collection.apkg.media import LocalMediaStore, MediaStore
from javumbo.collection.apkg.package import DEFAULT_LIMITS, Layout, PackageLimits

__all__ = [
    "DEFAULT_LIMITS",
    "EXPORT_LAYOUTS",
    "ExportLayout",
    "ExportReport",
    "ImportReport",
    "Layout",
    "LocalMediaStore",
    "MediaStore",
    "PackageError",
    "PackageLimits",
    "export_apkg",
    "export_colpkg",
    "import_apkg",
    "import_colpkg",
]
