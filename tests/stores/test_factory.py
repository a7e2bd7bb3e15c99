"""``open_stores`` builds what the settings name, and the AWS pair works end to end."""

from __future__ import annotations

from pathlib import Path

from javumbo.settings import Settings
from javumbo.stores.aws_setup import ensure_aws_resources
from javumbo.stores.dynamodb import DynamoMetaStore
from javumbo.stores.factory import open_stores
from javumbo.stores.local import LocalBlobStore
from javumbo.stores.s3 import S3BlobStore
from javumbo.stores.sqlite_meta import SqliteMetaStore
from tests.support import aws_settings, unique_names


def test_embedded_stores_live_in_the_data_dir(tmp_path: Path) -> None:
    blobs, meta = open_stores(Settings(data_dir=tmp_path / "data"))
    assert isinstance(blobs, LocalBlobStore) and isinstance(meta, SqliteMetaStore)
    blobs.put("users/u/snapshots/0", b"x")
    meta.append_journal("u", 0, b"e")
    assert (tmp_path / "data" / "blobs" / "objects" / "users/u/snapshots/0").read_bytes() == b"x"
    assert (tmp_path / "data" / "meta.sqlite3").is_file()
    _blobs, reopened = open_stores(Settings(data_dir=tmp_path / "data"))
    assert reopened.get_head("u").seq == 1


def test_aws_stores_from_env_reach_the_emulator(moto_url: str, aws_env: dict[str, str]) -> None:
    names = unique_names("factory")
    settings = Settings.from_env(
        {
            **aws_env,
            "JAVUMBO_BACKEND": "aws",
            "JWT_SECRET_KEY": "test-secret-" + "x" * 24,
            "AWS_ENDPOINT_URL": moto_url,
            "S3_BUCKET": names["s3_bucket"],
            "DYNAMODB_USERS_TABLE": names["users_table"],
            "DYNAMODB_LOCKS_TABLE": names["locks_table"],
            "DYNAMODB_SESSIONS_TABLE": names["sessions_table"],
            "DYNAMODB_JOURNAL_TABLE": names["journal_table"],
        }
    )
    assert settings == aws_settings(moto_url, **names)
    report = ensure_aws_resources(settings)
    assert len(report.created) == 5
    blobs, meta = open_stores(settings)
    assert isinstance(blobs, S3BlobStore) and isinstance(meta, DynamoMetaStore)
    etag = blobs.put("users/u/snapshots/0", b"x")
    assert blobs.get("users/u/snapshots/0").etag == etag
    assert meta.append_journal("u", 0, b"e") == 1
    assert meta.get_head("u").seq == 1
