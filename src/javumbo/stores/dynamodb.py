"""``MetaStore`` on DynamoDB, in the four tables of the deployment (``javumbo aws init``).

Where each record lives (the tables' keys are fixed by the infrastructure):

- users table (hash ``username``): one item per user; ``attributes`` is a map of JSON strings,
  so ``update_user_attributes`` merges key by key in one conditional update.
- journal table (hash ``username``, range ``seq``), keyed by *user id*:
  - the head at ``seq = 0``: ``head_seq`` (last appended entry), ``snapshot_key``,
    ``snapshot_seq``, ``snapshot_etag``; entries start at seq 1, so no entry collides with it;
  - entry N at ``seq = N``: ``payload`` (binary), ``idempotency_key``, ``created_at``;
  - the user's sync in progress under hash ``<user_id>#sync``, ``seq = 0``: ``data``
    (binary), ``expires_at`` (for the table's TTL);
  - idempotency records under hash ``<user_id>#idem#<key>``, ``seq = 0``: ``entry_seq``. They
    live in the journal table so the append is one ``TransactWriteItems`` over one table, and
    they outlive trimming (a client retry must be recognised after a flush); their
    ``expires_at`` lets the journal table's TTL remove them after
    ``IDEMPOTENCY_RETENTION_SECONDS`` (entries and heads have none, so the TTL leaves them).
- sessions table (hash ``session_id``, GSI ``username-index``): one item per session, plus
  one claim item per user with an active session, ``session_id = "claim#<username>"``, holding
  ``claim_session_id`` and ``expires_at``. A GSI cannot be part of a condition, so "one active
  session per user" is enforced on the claim. Claims have no ``username`` attribute, so they stay
  out of the GSI; their ``expires_at`` lets the table's TTL collect the stale ones.
- locks table (hash ``lock_id``): one item per lease: ``owner``, ``expires_at``.

Expiry is always decided by comparing ``expires_at`` (DynamoDB's TTL deletes only eventually);
``list_expired_sessions`` is a filtered scan, fine for the number of sessions a deployment has.
Every read that decides something is strongly consistent, except the GSI fallback of
``get_user_session`` (GSIs cannot be).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn

from botocore.exceptions import BotoCoreError, ClientError

from javumbo.settings import Settings
from javumbo.stores.metrics import OperationCounters
from javumbo.stores.ports import (
    IDEMPOTENCY_RETENTION_SECONDS,
    ConditionFailedError,
    DuplicateIdempotencyKeyError,
    Head,
    JournalEntry,
    Lease,
    SessionRecord,
    StoreError,
    StoreUnavailableError,
    UserExistsError,
    UserNotFoundError,
    UserRecord,
    check_idempotency_result,
    check_journal_append,
    check_session_changes,
    check_sync_state,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Item = dict[str, Any]

HEAD_SEQ = 0
CLAIM_PREFIX = "claim#"
IDEMPOTENCY_INFIX = "#idem#"
SYNC_STATE_SUFFIX = "#sync"
BATCH_DELETE_LIMIT = 25
UNPROCESSED_RETRIES = 8

_UNAVAILABLE = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
        "ResourceNotFoundException",
        "LimitExceededException",
    }
)


def _s(value: str) -> Item:
    return {"S": value}


def _n(value: float | int) -> Item:
    return {"N": str(Decimal(repr(value)) if isinstance(value, float) else value)}


def _b(value: bytes) -> Item:
    return {"B": value}


def _num(item: Item, name: str, default: float = 0.0) -> float:
    attribute = item.get(name)
    return float(attribute["N"]) if attribute else default


def _int(item: Item, name: str, default: int = 0) -> int:
    attribute = item.get(name)
    return int(Decimal(attribute["N"])) if attribute else default


def _str(item: Item, name: str) -> str | None:
    attribute = item.get(name)
    return attribute["S"] if attribute and "S" in attribute else None


class DynamoMetaStore:
    """Users, heads + journal, sessions and leases in the tables named by ``settings``."""

    def __init__(self, settings: Settings, client: DynamoDBClient) -> None:
        self.settings = settings
        self.client = client
        # The typed stubs want TypedDicts for every request shape; these requests are built
        # from plain dicts, checked by the contract suite against a real DynamoDB API instead.
        self._db: Any = client
        self.users_table = settings.users_table
        self.locks_table = settings.locks_table
        self.sessions_table = settings.sessions_table
        self.journal_table = settings.journal_table
        self.counters = OperationCounters()

    def __repr__(self) -> str:
        return f"DynamoMetaStore(journal={self.journal_table!r})"

    # users

    def create_user(self, user: UserRecord) -> None:
        item = {
            "username": _s(user.username),
            "user_id": _s(user.user_id),
            "password_hash": _s(user.password_hash),
            "created_at": _n(user.created_at),
            "attributes": {"M": _json_map(user.attributes)},
        }
        try:
            self._write(
                "put_item",
                TableName=self.users_table,
                Item=item,
                ConditionExpression="attribute_not_exists(username)",
            )
        except ConditionFailedError as exc:
            raise UserExistsError(user.username) from exc

    def get_user(self, username: str) -> UserRecord | None:
        item = self._get(self.users_table, {"username": _s(username)})
        return None if item is None else _user_from_item(item)

    def list_users(self) -> list[UserRecord]:
        items = self._scan(TableName=self.users_table, ConsistentRead=True)
        return sorted((_user_from_item(item) for item in items), key=lambda u: u.username)

    def purge_user(self, user_id: str, username: str) -> None:
        """Journal entries and head by query; idempotency records by a filtered scan of the
        journal table (their hash key is per record, so no query finds them all: an account
        deletion is rare); sessions through the ``username`` index; the user record last."""
        journal_keys = [
            {"username": item["username"], "seq": item["seq"]}
            for item in self._query(
                TableName=self.journal_table,
                KeyConditionExpression="username = :u",
                ExpressionAttributeValues={":u": _s(user_id)},
                ProjectionExpression="username, seq",
                ConsistentRead=True,
            )
        ]
        journal_keys += [
            {"username": item["username"], "seq": item["seq"]}
            for item in self._scan(
                TableName=self.journal_table,
                FilterExpression="begins_with(username, :p)",
                ExpressionAttributeValues={":p": _s(user_id + IDEMPOTENCY_INFIX)},
                ProjectionExpression="username, seq",
                ConsistentRead=True,
            )
        ]
        journal_keys.append(self._sync_state_key(user_id))
        for start in range(0, len(journal_keys), BATCH_DELETE_LIMIT):
            self._batch_delete(self.journal_table, journal_keys[start : start + BATCH_DELETE_LIMIT])
        session_keys = [
            {"session_id": item["session_id"]}
            for item in self._query(
                TableName=self.sessions_table,
                IndexName="username-index",
                KeyConditionExpression="username = :u",
                ExpressionAttributeValues={":u": _s(username)},
            )
        ]
        session_keys.append({"session_id": _s(CLAIM_PREFIX + username)})
        for start in range(0, len(session_keys), BATCH_DELETE_LIMIT):
            self._batch_delete(
                self.sessions_table, session_keys[start : start + BATCH_DELETE_LIMIT]
            )
        with contextlib.suppress(ConditionFailedError):
            self._write(
                "delete_item",
                TableName=self.users_table,
                Key={"username": _s(username)},
                ConditionExpression="user_id = :id",
                ExpressionAttributeValues={":id": _s(user_id)},
            )

    def update_user_attributes(self, username: str, attributes: dict[str, Any]) -> None:
        encoded = _json_map(attributes)
        if not encoded:
            if self.get_user(username) is None:
                raise UserNotFoundError(username)
            return
        names = {"#attrs": "attributes"}
        values: Item = {}
        assignments = []
        for index, (name, value) in enumerate(encoded.items()):
            names[f"#a{index}"] = name
            values[f":v{index}"] = value
            assignments.append(f"#attrs.#a{index} = :v{index}")
        try:
            self._write(
                "update_item",
                TableName=self.users_table,
                Key={"username": _s(username)},
                UpdateExpression="SET " + ", ".join(assignments),
                ConditionExpression="attribute_exists(username)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ConditionFailedError as exc:
            raise UserNotFoundError(username) from exc

    # heads and journal

    def get_head(self, user_id: str) -> Head:
        item = self._get(self.journal_table, self._head_key(user_id))
        if item is None:
            return Head(user_id=user_id)
        return Head(
            user_id=user_id,
            seq=_int(item, "head_seq"),
            snapshot_key=_str(item, "snapshot_key"),
            snapshot_seq=_int(item, "snapshot_seq"),
            snapshot_etag=_str(item, "snapshot_etag"),
        )

    def append_journal(
        self,
        user_id: str,
        expected_seq: int,
        payload: bytes,
        idempotency_key: str | None = None,
        now: float = 0.0,
        *,
        idempotency_result: bytes | None = None,
    ) -> int:
        check_journal_append(expected_seq, payload)
        check_idempotency_result(idempotency_result)
        created_at = now or time.time()
        new_seq = expected_seq + 1
        if expected_seq == 0:
            head_condition = "attribute_not_exists(head_seq) OR head_seq = :expected"
        else:
            head_condition = "head_seq = :expected"
        entry: Item = {
            "username": _s(user_id),
            "seq": _n(new_seq),
            "payload": _b(bytes(payload)),
            "created_at": _n(created_at),
        }
        if idempotency_key is not None:
            entry["idempotency_key"] = _s(idempotency_key)
        items: list[Item] = []
        if idempotency_key is not None:
            items.append(
                {
                    "Put": {
                        "TableName": self.journal_table,
                        "Item": {
                            **self._idempotency_key(user_id, idempotency_key),
                            "entry_seq": _n(new_seq),
                            "created_at": _n(created_at),
                            # the table's TTL deletes it some time after this (epoch seconds)
                            "expires_at": _n(int(created_at + IDEMPOTENCY_RETENTION_SECONDS)),
                            **(
                                {"result": _b(idempotency_result)}
                                if idempotency_result is not None
                                else {}
                            ),
                        },
                        "ConditionExpression": "attribute_not_exists(username)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                }
            )
        items.append(
            {
                "Update": {
                    "TableName": self.journal_table,
                    "Key": self._head_key(user_id),
                    "UpdateExpression": "SET head_seq = :new",
                    "ConditionExpression": head_condition,
                    "ExpressionAttributeValues": {
                        ":new": _n(new_seq),
                        ":expected": _n(expected_seq),
                    },
                }
            }
        )
        items.append(
            {
                "Put": {
                    "TableName": self.journal_table,
                    "Item": entry,
                    "ConditionExpression": "attribute_not_exists(username)",
                }
            }
        )
        try:
            self._transact(items)
        except _TransactionCanceled as cancel:
            if idempotency_key is not None and cancel.failed(0):
                seq = cancel.old_number(0, "entry_seq")
                if seq is None:
                    seq = self.find_idempotency_key(user_id, idempotency_key)
                raise DuplicateIdempotencyKeyError(user_id, idempotency_key, seq) from None
            raise ConditionFailedError(
                f"journal of {user_id!r} is not at seq {expected_seq} ({cancel.codes})"
            ) from None
        return new_seq

    def read_journal(self, user_id: str, after_seq: int) -> list[JournalEntry]:
        entries = []
        for item in self._query(
            TableName=self.journal_table,
            KeyConditionExpression="username = :u AND seq > :after",
            ExpressionAttributeValues={":u": _s(user_id), ":after": _n(max(after_seq, HEAD_SEQ))},
            ConsistentRead=True,
        ):
            entries.append(
                JournalEntry(
                    user_id=user_id,
                    seq=_int(item, "seq"),
                    payload=bytes(item["payload"]["B"]),
                    idempotency_key=_str(item, "idempotency_key"),
                    created_at=_num(item, "created_at"),
                )
            )
        return entries

    # sync states: an item of the journal table under ``<user_id>#sync`` (its TTL collects
    # the abandoned ones)

    def put_sync_state(self, user_id: str, data: bytes, expires_at: float) -> None:
        check_sync_state(data)
        item = {
            **self._sync_state_key(user_id),
            "data": _b(bytes(data)),
            "expires_at": _n(int(expires_at) + 1),
        }
        self._write("put_item", TableName=self.journal_table, Item=item)

    def get_sync_state(self, user_id: str) -> bytes | None:
        item = self._get(self.journal_table, self._sync_state_key(user_id))
        return None if item is None else bytes(item["data"]["B"])

    def delete_sync_state(self, user_id: str) -> None:
        self._write("delete_item", TableName=self.journal_table, Key=self._sync_state_key(user_id))

    @staticmethod
    def _sync_state_key(user_id: str) -> Item:
        return {"username": _s(f"{user_id}{SYNC_STATE_SUFFIX}"), "seq": _n(HEAD_SEQ)}

    def get_idempotency_result(self, user_id: str, key: str) -> bytes | None:
        item = self._get(self.journal_table, self._idempotency_key(user_id, key))
        if item is None or "result" not in item:
            return None
        return bytes(item["result"]["B"])

    def find_idempotency_key(self, user_id: str, key: str) -> int | None:
        item = self._get(self.journal_table, self._idempotency_key(user_id, key))
        return None if item is None else _int(item, "entry_seq")

    def move_head_snapshot(
        self,
        user_id: str,
        expected_snapshot_key: str | None,
        snapshot_key: str,
        snapshot_seq: int,
        snapshot_etag: str,
    ) -> None:
        if snapshot_seq < 0:
            raise ValueError(f"snapshot_seq must be >= 0, got {snapshot_seq}")
        values: Item = {
            ":key": _s(snapshot_key),
            ":sseq": _n(snapshot_seq),
            ":etag": _s(snapshot_etag),
            ":zero": _n(0),
        }
        if expected_snapshot_key is None:
            condition = "attribute_not_exists(snapshot_key)"
        else:
            condition = "snapshot_key = :expected"
            values[":expected"] = _s(expected_snapshot_key)
        if snapshot_seq > 0:
            condition = f"({condition}) AND head_seq >= :sseq"
        try:
            self._write(
                "update_item",
                TableName=self.journal_table,
                Key=self._head_key(user_id),
                UpdateExpression=(
                    "SET snapshot_key = :key, snapshot_seq = :sseq, snapshot_etag = :etag,"
                    " head_seq = if_not_exists(head_seq, :zero)"
                ),
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        except ConditionFailedError as exc:
            raise ConditionFailedError(
                f"head of {user_id!r} is not at snapshot {expected_snapshot_key!r}"
                f" with seq >= {snapshot_seq}"
            ) from exc

    def trim_journal(self, user_id: str, up_to_seq: int) -> int:
        if up_to_seq <= HEAD_SEQ:
            return 0
        keys = [
            {"username": _s(user_id), "seq": item["seq"]}
            for item in self._query(
                TableName=self.journal_table,
                KeyConditionExpression="username = :u AND seq BETWEEN :first AND :last",
                ExpressionAttributeValues={
                    ":u": _s(user_id),
                    ":first": _n(HEAD_SEQ + 1),
                    ":last": _n(up_to_seq),
                },
                ProjectionExpression="seq",
                ConsistentRead=True,
            )
        ]
        for start in range(0, len(keys), BATCH_DELETE_LIMIT):
            batch = keys[start : start + BATCH_DELETE_LIMIT]
            self._batch_delete(self.journal_table, batch)
        return len(keys)

    # sessions

    def create_session(self, session: SessionRecord, now: float) -> None:
        if session.status != "active":
            raise ValueError(f"a new session must be active, got status {session.status!r}")
        claim = {
            "session_id": _s(CLAIM_PREFIX + session.username),
            "claim_session_id": _s(session.session_id),
            "expires_at": _n(session.expires_at),
        }
        try:
            self._transact(
                [
                    {
                        "Put": {
                            "TableName": self.sessions_table,
                            "Item": claim,
                            "ConditionExpression": (
                                "attribute_not_exists(session_id) OR expires_at <= :now"
                            ),
                            "ExpressionAttributeValues": {":now": _n(now)},
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.sessions_table,
                            "Item": _session_item(session),
                            "ConditionExpression": "attribute_not_exists(session_id)",
                        }
                    },
                ]
            )
        except _TransactionCanceled as cancel:
            reason = "has an active session" if cancel.failed(0) else "session id exists"
            raise ConditionFailedError(
                f"cannot create session {session.session_id!r} for {session.username!r}: {reason}"
            ) from None

    def get_session(self, session_id: str) -> SessionRecord | None:
        item = self._get(self.sessions_table, {"session_id": _s(session_id)})
        if item is None or "username" not in item:  # claims are not sessions
            return None
        return _session_from_item(item)

    def get_user_session(self, username: str) -> SessionRecord | None:
        claim = self._get(self.sessions_table, {"session_id": _s(CLAIM_PREFIX + username)})
        if claim is not None:
            session = self.get_session(claim["claim_session_id"]["S"])
            if session is not None:
                return session
        candidates = [
            _session_from_item(item)
            for item in self._query(
                TableName=self.sessions_table,
                IndexName="username-index",
                KeyConditionExpression="username = :u",
                FilterExpression="#status = :active",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":u": _s(username), ":active": _s("active")},
            )
        ]
        return max(candidates, key=lambda s: s.expires_at, default=None)

    def update_session(self, session_id: str, **changes: Any) -> SessionRecord:
        check_session_changes(changes)
        if not changes:
            current = self.get_session(session_id)
            if current is None:
                raise ConditionFailedError(f"session {session_id!r} is gone")
            return current
        names: dict[str, str] = {}
        values: Item = {}
        sets, removes = [], []
        for index, (name, value) in enumerate(changes.items()):
            names[f"#f{index}"] = name
            if value is None:
                removes.append(f"#f{index}")
                continue
            values[f":v{index}"] = _n(value) if isinstance(value, int | float) else _s(value)
            sets.append(f"#f{index} = :v{index}")
        expression = " ".join(
            part
            for part in (
                "SET " + ", ".join(sets) if sets else "",
                "REMOVE " + ", ".join(removes) if removes else "",
            )
            if part
        )
        session_update: Item = {
            "TableName": self.sessions_table,
            "Key": {"session_id": _s(session_id)},
            "UpdateExpression": expression,
            "ConditionExpression": "attribute_exists(username)",
            "ExpressionAttributeNames": names,
        }
        if values:
            session_update["ExpressionAttributeValues"] = values
        claim_change = self._claim_change(session_id, changes)
        if claim_change is None:
            self._write("update_item", **session_update)
            return self._require_session(session_id)
        try:
            self._transact([{"Update": session_update}, claim_change])
        except _TransactionCanceled as cancel:
            if cancel.failed(0):
                raise ConditionFailedError(f"session {session_id!r} is gone") from None
            # The claim belongs to a newer session: change this one alone.
            self._write("update_item", **session_update)
        return self._require_session(session_id)

    def delete_session(self, session_id: str) -> None:
        session = self.get_session(session_id)
        if session is not None:
            with contextlib.suppress(ConditionFailedError):
                self._write(
                    "delete_item",
                    TableName=self.sessions_table,
                    Key={"session_id": _s(CLAIM_PREFIX + session.username)},
                    ConditionExpression="claim_session_id = :sid",
                    ExpressionAttributeValues={":sid": _s(session_id)},
                )
        self._write(
            "delete_item",
            TableName=self.sessions_table,
            Key={"session_id": _s(session_id)},
            ConditionExpression="attribute_not_exists(session_id) OR attribute_exists(username)",
        )

    def list_expired_sessions(self, now: float) -> list[SessionRecord]:
        sessions = [
            _session_from_item(item)
            for item in self._scan(
                TableName=self.sessions_table,
                FilterExpression=(
                    "attribute_exists(username) AND #status = :active AND expires_at <= :now"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":active": _s("active"), ":now": _n(now)},
                ConsistentRead=True,
            )
        ]
        return sorted(sessions, key=lambda s: s.expires_at)

    # leases

    def acquire_lease(self, name: str, owner: str, ttl: float, now: float) -> bool:
        try:
            self._write(
                "put_item",
                TableName=self.locks_table,
                Item={
                    "lock_id": _s(name),
                    "owner": _s(owner),
                    "expires_at": _n(now + ttl),
                },
                ConditionExpression=(
                    "attribute_not_exists(lock_id) OR expires_at <= :now OR #owner = :owner"
                ),
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":now": _n(now), ":owner": _s(owner)},
            )
        except ConditionFailedError:
            return False
        return True

    def release_lease(self, name: str, owner: str) -> None:
        with contextlib.suppress(ConditionFailedError):
            self._write(
                "delete_item",
                TableName=self.locks_table,
                Key={"lock_id": _s(name)},
                ConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":owner": _s(owner)},
            )

    def get_lease(self, name: str) -> Lease | None:
        item = self._get(self.locks_table, {"lock_id": _s(name)})
        if item is None:
            return None
        return Lease(name=name, owner=item["owner"]["S"], expires_at=_num(item, "expires_at"))

    # internals: keys

    @staticmethod
    def _head_key(user_id: str) -> Item:
        return {"username": _s(user_id), "seq": _n(HEAD_SEQ)}

    @staticmethod
    def _idempotency_key(user_id: str, key: str) -> Item:
        return {"username": _s(f"{user_id}{IDEMPOTENCY_INFIX}{key}"), "seq": _n(HEAD_SEQ)}

    def _claim_change(self, session_id: str, changes: dict[str, Any]) -> Item | None:
        """The claim update that goes with a session update, if it changes the claim."""
        current = self.get_session(session_id)
        if current is None:
            raise ConditionFailedError(f"session {session_id!r} is gone")
        key = {"session_id": _s(CLAIM_PREFIX + current.username)}
        condition = "claim_session_id = :sid"
        if changes.get("status", "active") != "active":
            return {
                "Delete": {
                    "TableName": self.sessions_table,
                    "Key": key,
                    "ConditionExpression": condition,
                    "ExpressionAttributeValues": {":sid": _s(session_id)},
                }
            }
        if "expires_at" in changes:
            return {
                "Update": {
                    "TableName": self.sessions_table,
                    "Key": key,
                    "UpdateExpression": "SET expires_at = :exp",
                    "ConditionExpression": condition,
                    "ExpressionAttributeValues": {
                        ":sid": _s(session_id),
                        ":exp": _n(changes["expires_at"]),
                    },
                }
            }
        return None

    def _require_session(self, session_id: str) -> SessionRecord:
        session = self.get_session(session_id)
        if session is None:
            raise ConditionFailedError(f"session {session_id!r} is gone")
        return session

    # internals: calls

    def _get(self, table: str, key: Item) -> Item | None:
        self.counters.add("meta_read")
        with _mapped_errors(table):
            response = self._db.get_item(TableName=table, Key=key, ConsistentRead=True)
        item: Item | None = response.get("Item")
        return item

    def _write(self, operation: str, **request: Any) -> None:
        self.counters.add("meta_write")
        with _mapped_errors(request["TableName"]):
            getattr(self._db, operation)(**request)

    def _transact(self, items: list[Item]) -> None:
        self.counters.add("meta_write")
        try:
            with _mapped_errors(self.journal_table, transaction=True):
                self._db.transact_write_items(TransactItems=items)
        except ClientError as exc:
            raise _TransactionCanceled(exc) from exc

    def _query(self, **request: Any) -> Iterator[Item]:
        yield from self._paginate("query", request)

    def _scan(self, **request: Any) -> Iterator[Item]:
        yield from self._paginate("scan", request)

    def _paginate(self, operation: str, request: Item) -> Iterator[Item]:
        paginator = self._db.get_paginator(operation)
        with _mapped_errors(request["TableName"]):
            for page in paginator.paginate(**request):
                self.counters.add("meta_read")
                yield from page.get("Items", [])

    def _batch_delete(self, table: str, keys: list[Item]) -> None:
        requests = {table: [{"DeleteRequest": {"Key": key}} for key in keys]}
        for _attempt in range(UNPROCESSED_RETRIES):
            self.counters.add("meta_write")
            with _mapped_errors(table):
                response = self._db.batch_write_item(RequestItems=requests)
            requests = response.get("UnprocessedItems") or {}
            if not requests:
                return
        raise StoreUnavailableError(f"dynamodb {table}: batch delete left unprocessed items")


class _TransactionCanceled(Exception):
    """A ``TransactWriteItems`` was cancelled; which items failed, and why."""

    def __init__(self, error: ClientError) -> None:
        super().__init__(str(error))
        reasons = error.response.get("CancellationReasons") or []
        self.reasons: list[Item] = [dict(reason) for reason in reasons]
        self.codes = [str(reason.get("Code", "None")) for reason in self.reasons]

    def failed(self, index: int) -> bool:
        return index < len(self.codes) and self.codes[index] == "ConditionalCheckFailed"

    def old_number(self, index: int, name: str) -> int | None:
        if index >= len(self.reasons):
            return None
        item = self.reasons[index].get("Item") or {}
        return _int(item, name) if name in item else None


@contextlib.contextmanager
def _mapped_errors(table: str, *, transaction: bool = False) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code == "TransactionCanceledException" and transaction:
            reasons = exc.response.get("CancellationReasons") or []
            codes = {str(reason.get("Code", "None")) for reason in reasons}
            if codes & {"ThrottlingError", "ProvisionedThroughputExceeded"}:
                _raise_unavailable(table, exc)
            raise  # the caller decides what a lost condition means
        _raise_mapped(table, exc, code)
    except BotoCoreError as exc:
        raise StoreUnavailableError(f"dynamodb {table}: {exc}") from exc


def _raise_mapped(table: str, exc: ClientError, code: str) -> NoReturn:
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    if code == "ConditionalCheckFailedException":
        raise ConditionFailedError(f"dynamodb {table}: condition failed") from exc
    if code in _UNAVAILABLE or status >= 500:
        _raise_unavailable(table, exc)
    raise StoreError(f"dynamodb {table}: {code or status}: {exc}") from exc


def _raise_unavailable(table: str, exc: ClientError) -> NoReturn:
    raise StoreUnavailableError(f"dynamodb {table}: {exc}") from exc


def _user_from_item(item: Item) -> UserRecord:
    attributes = item.get("attributes", {}).get("M", {})
    return UserRecord(
        username=item["username"]["S"],
        user_id=item["user_id"]["S"],
        password_hash=item["password_hash"]["S"],
        created_at=_num(item, "created_at"),
        attributes={name: json.loads(value["S"]) for name, value in attributes.items()},
    )


def _json_map(attributes: dict[str, Any]) -> Item:
    return {name: _s(json.dumps(value)) for name, value in attributes.items()}


def _session_item(session: SessionRecord) -> Item:
    item: Item = {
        "session_id": _s(session.session_id),
        "username": _s(session.username),
        "instance_id": _s(session.instance_id),
        "last_access": _n(session.last_access),
        "expires_at": _n(session.expires_at),
        "status": _s(session.status),
    }
    if session.db_etag is not None:
        item["db_etag"] = _s(session.db_etag)
    return item


def _session_from_item(item: Item) -> SessionRecord:
    return SessionRecord(
        session_id=item["session_id"]["S"],
        username=item["username"]["S"],
        instance_id=item["instance_id"]["S"],
        db_etag=_str(item, "db_etag"),
        last_access=_num(item, "last_access"),
        expires_at=_num(item, "expires_at"),
        status=item["status"]["S"],
    )
