"""The emulator's moto server behaves like DynamoDB where moto alone does not: a cancelled
transaction undoes exactly its own writes, and other requests' writes made at the same time
survive it (moto alone puts back a copy of the whole table taken before the transaction)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from javumbo_testbed.emulator import start_moto

ROUNDS = 150


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    """A client of a moto server started as the cluster starts it (a child process)."""
    emulator = start_moto()
    try:
        yield boto3.client(
            "dynamodb",
            endpoint_url=emulator.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}),
        )
    finally:
        emulator.stop()


@pytest.fixture
def table(dynamodb: Any) -> str:
    name = f"t-{uuid.uuid4().hex[:12]}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def item(pk: str, sk: int, value: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}, "v": {"S": value}}


def value_of(dynamodb: Any, table: str, pk: str, sk: int) -> str | None:
    found = dynamodb.get_item(
        TableName=table, Key={"pk": {"S": pk}, "sk": {"N": str(sk)}}, ConsistentRead=True
    ).get("Item")
    return None if found is None else str(found["v"]["S"])


def failing_transaction(table: str, new_sk: int) -> list[dict[str, Any]]:
    """A Put of a new item, an Update of ``kept``, then a condition that fails."""
    return [
        {"Put": {"TableName": table, "Item": item("fresh", new_sk, "written")}},
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": {"S": "kept"}, "sk": {"N": "0"}},
                "UpdateExpression": "SET v = :v",
                "ExpressionAttributeValues": {":v": {"S": "changed"}},
            }
        },
        {
            "ConditionCheck": {
                "TableName": table,
                "Key": {"pk": {"S": "absent"}, "sk": {"N": "0"}},
                "ConditionExpression": "attribute_exists(pk)",
            }
        },
    ]


def test_a_cancelled_transaction_undoes_its_own_writes(dynamodb: Any, table: str) -> None:
    dynamodb.put_item(TableName=table, Item=item("kept", 0, "original"))
    dynamodb.put_item(TableName=table, Item=item("other", 0, "untouched"))
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(TransactItems=failing_transaction(table, 1))
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert value_of(dynamodb, table, "fresh", 1) is None
    assert value_of(dynamodb, table, "kept", 0) == "original"
    assert value_of(dynamodb, table, "other", 0) == "untouched"
    # and a transaction that goes through still applies every part
    dynamodb.transact_write_items(TransactItems=failing_transaction(table, 2)[:2])
    assert value_of(dynamodb, table, "fresh", 2) == "written"
    assert value_of(dynamodb, table, "kept", 0) == "changed"


def test_writes_made_while_transactions_are_cancelled_survive(dynamodb: Any, table: str) -> None:
    dynamodb.put_item(TableName=table, Item=item("kept", 0, "original"))
    errors: list[BaseException] = []

    def cancel_transactions() -> None:
        try:
            for n in range(ROUNDS):
                with pytest.raises(ClientError):
                    dynamodb.transact_write_items(
                        TransactItems=failing_transaction(table, 10_000 + n)
                    )
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    canceller = threading.Thread(target=cancel_transactions)
    canceller.start()
    for n in range(ROUNDS):
        dynamodb.transact_write_items(
            TransactItems=[{"Put": {"TableName": table, "Item": item("acked", n, f"answer {n}")}}]
        )
    canceller.join(120)
    assert not errors, errors
    found = dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "acked"}},
        ConsistentRead=True,
    )["Items"]
    assert sorted(int(i["sk"]["N"]) for i in found) == list(range(ROUNDS))
    assert value_of(dynamodb, table, "kept", 0) == "original"
