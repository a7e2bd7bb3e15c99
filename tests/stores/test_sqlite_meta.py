"""What only the SQLite metastore must add: several processes sharing one file (the embedded
server restarted, or the fault tests' second process) keep the journal fence."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from javumbo.stores.sqlite_meta import SqliteMetaStore

REPO = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from javumbo.stores import ConditionFailedError
from javumbo.stores.sqlite_meta import SqliteMetaStore

meta = SqliteMetaStore(sys.argv[1])
name, count = sys.argv[2], int(sys.argv[3])
done = 0
while done < count:
    seq = meta.get_head("shared").seq
    try:
        meta.append_journal("shared", seq, f"{name}:{done}".encode())
    except ConditionFailedError:
        continue
    done += 1
"""


def test_processes_appending_to_one_file_never_lose_or_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "meta.sqlite3"
    SqliteMetaStore(path).close()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"p{i}", "40"], env=env)
        for i in range(3)
    ]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0, 0]
    meta = SqliteMetaStore(path)
    entries = meta.read_journal("shared", 0)
    assert [entry.seq for entry in entries] == list(range(1, 121))
    payloads = sorted(entry.payload.decode() for entry in entries)
    assert payloads == sorted(f"p{i}:{n}" for i in range(3) for n in range(40))
    assert meta.get_head("shared").seq == 120


def test_an_older_file_gets_the_idempotency_result_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE idempotency (user_id TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL,"
        " created_at REAL NOT NULL, PRIMARY KEY (user_id, key)) WITHOUT ROWID"
    )
    old.execute("INSERT INTO idempotency VALUES ('u1', 'k-old', 3, 1.0)")
    old.commit()
    old.close()
    store = SqliteMetaStore(path)
    assert store.find_idempotency_key("u1", "k-old") == 3
    assert store.get_idempotency_result("u1", "k-old") is None
    store.append_journal("u1", 0, b"x", idempotency_key="k-new", idempotency_result=b"{}")
    assert store.get_idempotency_result("u1", "k-new") == b"{}"
    SqliteMetaStore(path)  # opening it again finds the column there
