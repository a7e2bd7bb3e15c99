"""``javumbo sync revoke-keys``, run as a real subprocess against the server's data folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from anki.collection import Collection as AnkiCollection
from anki.errors import SyncError

from tests.sync.conftest import PASSWORD, Required, RunningServer, uploaded_client


def _javumbo(server: RunningServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, JAVUMBO_DATA_DIR=str(server.data_dir), JAVUMBO_BACKEND="embedded")
    return subprocess.run(
        [sys.executable, "-m", "javumbo", "sync", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def test_revoke_keys_signs_every_device_out(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col_a, auth_a = uploaded_client(server, anki_col)
    col_b = anki_col("alice-b")
    auth_b = col_b.sync_login("alice", PASSWORD, server.url)

    out = _javumbo(server, "revoke-keys", "--user", "Alice")
    assert out.returncode == 0, out.stderr
    assert "revoked 2 sync host keys of alice" in out.stdout
    for col, auth in ((col_a, auth_a), (col_b, auth_b)):
        with pytest.raises(SyncError):
            col.sync_collection(auth, False)
    fresh = col_a.sync_login("alice", PASSWORD, server.url)
    assert col_a.sync_collection(fresh, False).required == Required.NO_CHANGES


def test_revoke_one_key_keeps_the_others(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col_a, auth_a = uploaded_client(server, anki_col)
    col_b = anki_col("alice-b")
    auth_b = col_b.sync_login("alice", PASSWORD, server.url)
    out = _javumbo(server, "revoke-keys", "--user", "alice", "--key", auth_b.hkey)
    assert out.returncode == 0, out.stderr
    assert "revoked 1 sync host key of alice" in out.stdout
    with pytest.raises(SyncError):
        col_b.sync_collection(auth_b, False)
    assert col_a.sync_collection(auth_a, False).required == Required.NO_CHANGES


def test_revoke_keys_of_an_unknown_user_fails_in_one_line(server: RunningServer) -> None:
    out = _javumbo(server, "revoke-keys", "--user", "nobody")
    assert out.returncode == 1
    assert out.stderr.strip() == "javumbo: error: no user named 'nobody'"
