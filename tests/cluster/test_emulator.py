"""The counting proxy in front of a real moto server: every S3 and DynamoDB call the app makes
is counted by kind, and an outage really cuts the app off."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest
from botocore.exceptions import BotoCoreError

from javumbo.settings import Settings
from javumbo.stores.aws_setup import ensure_aws_resources
from javumbo.stores.factory import dynamodb_client, s3_client
from javumbo_testbed.emulator import CountingProxy, Emulator, classify, start_moto
from javumbo_testbed.relay import Request


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }.items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        patch.delenv("AWS_SESSION_TOKEN", raising=False)
        moto = start_moto()
        yield moto
        moto.stop()
    assert moto.process.poll() is not None


@pytest.fixture
def proxy(emulator: Emulator) -> Iterator[CountingProxy]:
    counting = CountingProxy(emulator.url)
    counting.start()
    yield counting
    counting.stop()


def settings_via(url: str) -> Settings:
    name = f"t-{uuid.uuid4().hex[:8]}"
    return Settings(
        backend="aws",
        jwt_secret_key="x",
        s3_bucket=name,
        users_table=f"{name}-users",
        locks_table=f"{name}-locks",
        sessions_table=f"{name}-sessions",
        journal_table=f"{name}-journal",
        aws_endpoint_url=url,
    )


def test_counts_s3_by_method_and_dynamodb_by_target(
    emulator: Emulator, proxy: CountingProxy
) -> None:
    settings = settings_via(proxy.url)
    ensure_aws_resources(replace(settings, aws_endpoint_url=emulator.url))
    before = proxy.counts()
    s3 = s3_client(settings)
    dynamodb = dynamodb_client(settings)
    payload = bytes(range(256)) * 1000
    s3.put_object(Bucket=settings.s3_bucket, Key="users/u/snapshots/1.anki2", Body=payload)
    s3.put_object(Bucket=settings.s3_bucket, Key="users/u/snapshots/2.anki2", Body=b"x")
    body = s3.get_object(Bucket=settings.s3_bucket, Key="users/u/snapshots/1.anki2")["Body"]
    assert body.read() == payload
    s3.list_objects_v2(Bucket=settings.s3_bucket, Prefix="users/u/")
    s3.delete_object(Bucket=settings.s3_bucket, Key="users/u/snapshots/2.anki2")
    item = {"username": {"S": "alice"}, "user_id": {"S": "u1"}}
    dynamodb.put_item(TableName=settings.users_table, Item=item)
    got = dynamodb.get_item(TableName=settings.users_table, Key={"username": {"S": "alice"}})
    assert got["Item"] == item
    dynamodb.query(
        TableName=settings.users_table,
        KeyConditionExpression="username = :u",
        ExpressionAttributeValues={":u": {"S": "alice"}},
    )
    counts = proxy.counts() - before
    assert counts == {
        "s3.put": 2,
        "s3.get": 1,
        "s3.list": 1,
        "s3.delete": 1,
        "dynamodb.write": 1,
        "dynamodb.read": 2,
    }


def test_unreachable_cuts_clients_off_until_restored(
    emulator: Emulator, proxy: CountingProxy
) -> None:
    direct = settings_via(emulator.url)
    ensure_aws_resources(direct)
    via_proxy = replace(direct, aws_endpoint_url=proxy.url)
    dynamodb = dynamodb_client(via_proxy)
    key = {"username": {"S": "bob"}}
    with proxy.unreachable(), pytest.raises(BotoCoreError):
        dynamodb.get_item(TableName=via_proxy.users_table, Key=key)
    assert "Item" not in dynamodb.get_item(TableName=via_proxy.users_table, Key=key)


@pytest.mark.parametrize(
    ("method", "path", "target", "kind"),
    [
        ("GET", "/bucket/users/1/snapshots/3.anki2", None, "s3.get"),
        ("HEAD", "/bucket/key", None, "s3.head"),
        ("PUT", "/bucket/key?partNumber=1&uploadId=x", None, "s3.put"),
        ("GET", "/bucket?list-type=2&prefix=users/", None, "s3.list"),
        ("GET", "/bucket/", None, "s3.list"),
        ("POST", "/", "DynamoDB_20120810.TransactWriteItems", "dynamodb.write"),
        ("POST", "/", "DynamoDB_20120810.Query", "dynamodb.read"),
        ("POST", "/", "DynamoDB_20120810.DescribeTable", "dynamodb.other.DescribeTable"),
    ],
)
def test_classify(method: str, path: str, target: str | None, kind: str) -> None:
    headers = [("X-Amz-Target", target)] if target else []
    assert classify(Request(method, path, headers, b"")) == kind
