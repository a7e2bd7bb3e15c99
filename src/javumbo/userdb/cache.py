"""The instance cache: per-user folders on local disk, bounded in bytes, least recently used
first out.

A user's folder holds pristine snapshots under their immutable key's basename (present means
valid, so a warm load needs no blob request) and the live working copy. Nothing here is ever
the only copy of acknowledged state: every commit is journaled before it is acknowledged, so
evicting a folder costs at most a download. The owner closes a user's collection before
``remove_user`` and never evicts a user it is serving.
"""

from __future__ import annotations

import shutil
import threading
from collections import OrderedDict
from pathlib import Path

from javumbo.stores.local import PRIVATE_DIR_MODE, private_directory
from javumbo.userdb.names import check_segment

LIVE_NAME = "live.anki2"


class InstanceCache:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._sizes: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()
        private_directory(root)  # everyone's collections: not for other local users
        self._adopt_existing()

    def _adopt_existing(self) -> None:
        """Index folders left by an earlier process; its live copies are stale (they are rebuilt
        from a snapshot plus the journal), its pristine snapshots are still good."""
        folders = sorted(
            (p for p in self.root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime
        )
        for folder in folders:
            for leftover in folder.iterdir():
                if leftover.name.startswith((LIVE_NAME, ".")):
                    leftover.unlink(missing_ok=True)
            self._sizes[folder.name] = _folder_bytes(folder)

    def user_dir(self, user_id: str) -> Path:
        path = self.root / check_segment(user_id, "user id")
        path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        return path

    def live_path(self, user_id: str) -> Path:
        return self.user_dir(user_id) / LIVE_NAME

    def pristine_path(self, user_id: str, snapshot_key: str) -> Path:
        return self.user_dir(user_id) / snapshot_key.rsplit("/", 1)[-1]

    def drop_other_pristine(self, user_id: str, *keep: Path) -> None:
        """Older snapshots and deltas of this user will never be loaded again by this instance
        (``keep``: the head's chain, a base and the deltas on it). Files whose name starts with
        a dot belong to work in progress (a bulk write's copy, a snapshot being prepared) and
        stay; a process's start removes those an earlier process left."""
        for path in self.user_dir(user_id).iterdir():
            stale = path not in keep and path.name != LIVE_NAME and not path.name.startswith(".")
            if stale and path.name.endswith((".anki2", ".anki2.zst", ".delta")):
                path.unlink(missing_ok=True)

    def touch(self, user_id: str) -> None:
        """Mark the user's folder most recently used, measuring it only if it never was: for
        uses that wrote nothing (re-measuring walks the folder)."""
        with self._lock:
            if user_id in self._sizes:
                self._sizes.move_to_end(user_id)
                return
        self.record(user_id)

    def record(self, user_id: str) -> None:
        """Re-measure the user's folder and mark it most recently used."""
        size = _folder_bytes(self.user_dir(user_id))
        with self._lock:
            self._sizes[user_id] = size
            self._sizes.move_to_end(user_id)

    @property
    def total_bytes(self) -> int:
        with self._lock:
            return sum(self._sizes.values())

    def eviction_candidates(self, protect: str) -> list[str]:
        """Users to evict, least recently used first, until the cache fits (if all are evicted);
        never ``protect`` (the user being served)."""
        with self._lock:
            excess = sum(self._sizes.values()) - self.max_bytes
            picked: list[str] = []
            for user_id, size in self._sizes.items():
                if excess <= 0:
                    break
                if user_id == protect:
                    continue
                picked.append(user_id)
                excess -= size
            return picked

    def remove_user(self, user_id: str) -> None:
        shutil.rmtree(self.root / check_segment(user_id, "user id"), ignore_errors=True)
        with self._lock:
            self._sizes.pop(user_id, None)


def _folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.iterdir():
        try:
            total += path.stat().st_size
        except FileNotFoundError:
            continue
    return total
