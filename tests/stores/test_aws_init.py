"""``javumbo aws init`` against moto, as an operator runs it: a subprocess with env variables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3

from tests.support import unique_names

REPO = Path(__file__).resolve().parents[2]


def run_init(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "javumbo", "aws", "init"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_aws_init_creates_everything_once(moto_url: str, aws_env: dict[str, str]) -> None:
    names = unique_names("init")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "src"),
        "AWS_ENDPOINT_URL": moto_url,
        "JAVUMBO_BACKEND": "aws",  # no JWT secret: not needed to create resources
        "S3_BUCKET": names["s3_bucket"],
        "DYNAMODB_USERS_TABLE": names["users_table"],
        "DYNAMODB_LOCKS_TABLE": names["locks_table"],
        "DYNAMODB_SESSIONS_TABLE": names["sessions_table"],
        "DYNAMODB_JOURNAL_TABLE": names["journal_table"],
    }
    first = run_init(env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("created") == 5
    second = run_init(env)
    assert second.returncode == 0, second.stderr
    assert "created" not in second.stdout and second.stdout.count("exists") == 5

    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
    assert names["s3_bucket"] in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    dynamodb = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    sessions = dynamodb.describe_table(TableName=names["sessions_table"])["Table"]
    assert sessions["KeySchema"] == [{"AttributeName": "session_id", "KeyType": "HASH"}]
    index = sessions["GlobalSecondaryIndexes"][0]
    assert index["IndexName"] == "username-index"
    assert index["KeySchema"] == [{"AttributeName": "username", "KeyType": "HASH"}]
    journal = dynamodb.describe_table(TableName=names["journal_table"])["Table"]
    assert journal["KeySchema"] == [
        {"AttributeName": "username", "KeyType": "HASH"},
        {"AttributeName": "seq", "KeyType": "RANGE"},
    ]
    locks = dynamodb.describe_table(TableName=names["locks_table"])["Table"]
    assert locks["KeySchema"] == [{"AttributeName": "lock_id", "KeyType": "HASH"}]
    for table in (names["sessions_table"], names["locks_table"]):
        ttl = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        assert ttl["TimeToLiveStatus"] == "ENABLED" and ttl["AttributeName"] == "expires_at"


def test_aws_init_reports_an_unreachable_endpoint(aws_env: dict[str, str]) -> None:
    from tests.support import closed_port_url

    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "AWS_ENDPOINT_URL": closed_port_url()}
    result = run_init(env)
    assert result.returncode == 1
    assert "javumbo: error:" in result.stderr and "Traceback" not in result.stderr
