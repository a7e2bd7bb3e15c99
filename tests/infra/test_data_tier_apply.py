"""The data tier Terraform, applied for real to the moto server: the app works on what it made.

One test walks the whole life cycle in order (apply, the stores' contract suites and a userdb
round trip on the tables and bucket Terraform created, ``plan`` without drift, destroy), because
each step needs the state the one before left behind.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import textwrap
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from botocore.exceptions import ClientError

from javumbo.collection.clock import FixedClock
from javumbo.collection.decks import add_deck
from javumbo.collection.notes import add_note
from javumbo.collection.notetypes import notetype_by_name
from javumbo.settings import Settings
from javumbo.stores.aws_setup import TTL_TABLES, table_definitions
from javumbo.stores.dynamodb import DynamoMetaStore
from javumbo.stores.factory import dynamodb_client, s3_client
from javumbo.stores.s3 import S3BlobStore
from javumbo.userdb import StorageEngine
from tests.infra.conftest import INFRA, PLUGIN_DIR, Terraform
from tests.stores import (
    test_blob_contract,
    test_idempotency_store_contract,
    test_journal_store_contract,
    test_lease_store_contract,
    test_session_store_contract,
    test_sync_state_store_contract,
    test_user_store_contract,
)
from tests.support import aws_settings, unique_names

# Each narrow port's contract suite with the fixture name its cases take.
META_CONTRACTS: list[tuple[ModuleType, str]] = [
    (test_user_store_contract, "users"),
    (test_journal_store_contract, "journal"),
    (test_idempotency_store_contract, "keyed_journal"),
    (test_sync_state_store_contract, "sync_states"),
    (test_session_store_contract, "sessions"),
    (test_lease_store_contract, "leases"),
]

MODULE = INFRA / "modules" / "data_tier"
TF_TIMEOUT = 400


def root_module(endpoint: str, settings: Settings) -> str:
    """A root that points the provider at the emulator and instantiates the data tier."""
    return textwrap.dedent(
        f"""
        terraform {{
          required_providers {{
            aws = {{
              source  = "hashicorp/aws"
              version = "~> 5.0"
            }}
          }}
        }}

        provider "aws" {{
          region                      = "us-east-1"
          access_key                  = "testing"
          secret_key                  = "testing"
          skip_credentials_validation = true
          skip_requesting_account_id  = true
          skip_metadata_api_check     = true
          s3_use_path_style           = true
          endpoints {{
            s3       = "{endpoint}"
            dynamodb = "{endpoint}"
            sts      = "{endpoint}"
          }}
        }}

        module "data_tier" {{
          source         = "{MODULE}"
          bucket_name    = "{settings.s3_bucket}"
          users_table    = "{settings.users_table}"
          locks_table    = "{settings.locks_table}"
          sessions_table = "{settings.sessions_table}"
          journal_table  = "{settings.journal_table}"
          force_destroy  = true
        }}
        """
    )


def contract_cases(module: ModuleType, fixture: str) -> list[Callable[[Any], None]]:
    """The contract suite's tests that need nothing but the store (not the parametrized ones).

    The racing tests are left to the stores suite: they measure the emulator's atomicity under
    threads, not the shape of the tables, and moto loses races while Terraform is busy."""
    return [
        fn
        for name, fn in vars(module).items()
        if name.startswith("test_")
        and "racing" not in name
        and callable(fn)
        and list(inspect.signature(fn).parameters) == [fixture]
    ]


def run_cases(
    cases: Iterable[Callable[[Any], None]],
    store: object,
    before_each: Callable[[], None] = lambda: None,
) -> list[str]:
    ran = []
    for case in cases:
        before_each()
        case(store)
        ran.append(case.__name__)
    return ran


def key_shape(description: dict[str, Any]) -> dict[str, Any]:
    """What must agree between Terraform and the code: keys, their types, the GSIs."""
    types = {a["AttributeName"]: a["AttributeType"] for a in description["AttributeDefinitions"]}
    return {
        "keys": [(k["AttributeName"], k["KeyType"]) for k in description["KeySchema"]],
        "attributes": types,
        "billing": description.get("BillingModeSummary", {}).get("BillingMode")
        or description.get("BillingMode"),
        "indexes": sorted(
            (
                index["IndexName"],
                tuple((k["AttributeName"], k["KeyType"]) for k in index["KeySchema"]),
                index["Projection"]["ProjectionType"],
            )
            for index in description.get("GlobalSecondaryIndexes", [])
        ),
    }


def check_tables_match_the_code(settings: Settings) -> None:
    client = dynamodb_client(settings)
    for wanted in table_definitions(settings):
        made = client.describe_table(TableName=wanted["TableName"])["Table"]
        assert key_shape(dict(made)) == key_shape(wanted), wanted["TableName"]
    for attribute in TTL_TABLES:
        table = getattr(settings, attribute)
        ttl = client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        assert ttl.get("TimeToLiveStatus") == "ENABLED", table
        assert ttl.get("AttributeName") == "expires_at", table
    assert "journal_table" in TTL_TABLES  # idempotency records expire; entries carry no expiry


def check_userdb_round_trip(settings: Settings, tmp_path: Path) -> None:
    """Write through one instance, read it back from a fresh one: head, journal, snapshot."""
    blobs = S3BlobStore(settings.s3_bucket, s3_client(settings))
    meta = DynamoMetaStore(settings, dynamodb_client(settings))
    clock = FixedClock(1_700_000_000.0)
    user_id = f"u-{uuid.uuid4().hex[:8]}"

    def add_card(col: Any) -> int:
        basic = notetype_by_name(col, "Basic")
        assert basic is not None
        return add_note(col, basic["id"], ["front", "back"], add_deck(col, "Terraformed")).id

    first = StorageEngine(
        settings, blobs, meta, instance_id="tf-a", cache_dir=tmp_path / "a", clock=clock
    )
    note_id = first.write(user_id, add_card)
    session = first.sessions.create_session(user_id)
    assert first.sessions.get_user_session(user_id) == session
    clock.advance(settings.session_ttl + 1)
    assert first.sessions.cleanup_expired_sessions() == 1  # the journal is durable already
    assert first.flush(user_id).status == "flushed"  # an explicit compaction writes a base
    first.close()
    head = meta.get_head(user_id)
    assert head.snapshot_key is not None and head.snapshot_seq == head.seq >= 1

    second = StorageEngine(
        settings, blobs, meta, instance_id="tf-b", cache_dir=tmp_path / "b", clock=clock
    )
    with second.read(user_id) as col:
        assert col.db.execute("select id from notes").fetchall() == [(note_id,)]
    assert second.counters["blob_get"] == 1
    second.close()


def empty_versioned_bucket(settings: Settings) -> None:
    """Delete every version and delete marker one by one. ``force_destroy`` would do it with
    ``DeleteObjects``, which moto fails on delete markers (``FakeDeleteMarker.dispose``)."""
    s3 = s3_client(settings)
    with contextlib.suppress(ClientError):
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=settings.s3_bucket):
            for version in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                s3.delete_object(
                    Bucket=settings.s3_bucket, Key=version["Key"], VersionId=version["VersionId"]
                )


@pytest.mark.slow
@pytest.mark.timeout(900)  # apply waits ~1 min for S3 lifecycle rules to settle
def test_data_tier_applies_serves_the_app_shows_no_drift_and_destroys(
    terraform_available: None,
    moto_url: str,
    terraform: Terraform,
    tmp_path: Path,
) -> None:
    names = unique_names("tf")
    settings = aws_settings(moto_url, **names)
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text(root_module(moto_url, settings))
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "",
        "AWS_PROFILE": "",
    }

    init = terraform(root, ["init", "-input=false", f"-plugin-dir={PLUGIN_DIR}"], env)
    assert init.returncode == 0, init.stdout + init.stderr
    apply = terraform(root, ["apply", "-auto-approve", "-input=false"], env, TF_TIMEOUT)
    try:
        assert apply.returncode == 0, apply.stdout[-4000:] + apply.stderr
        check_tables_match_the_code(settings)
        check_userdb_round_trip(settings, tmp_path)  # first: it expects no other sessions

        meta = DynamoMetaStore(settings, dynamodb_client(settings))
        ran = []
        for module, fixture in META_CONTRACTS:
            ran += run_cases(contract_cases(module, fixture), meta)
        blobs = S3BlobStore(settings.s3_bucket, s3_client(settings))
        # The blob cases use fixed keys and expect an empty bucket.
        blob_cases = contract_cases(test_blob_contract, "blob_store")
        ran += run_cases(blob_cases, blobs, lambda: empty_versioned_bucket(settings))
        assert {
            "test_append_with_stale_seq_fails_and_writes_nothing",
            "test_one_active_session_per_user",
            "test_list_expired_sessions_compares_expires_at",
            "test_put_if_absent_creates_once",
        } <= set(ran)

        plan = terraform(
            root, ["plan", "-detailed-exitcode", "-input=false", "-no-color"], env, TF_TIMEOUT
        )
        assert plan.returncode == 0, plan.stdout[-4000:] + plan.stderr
    finally:
        empty_versioned_bucket(settings)
        destroy = terraform(root, ["destroy", "-auto-approve", "-input=false"], env, TF_TIMEOUT)
    assert destroy.returncode == 0, destroy.stdout[-4000:] + destroy.stderr
    state = json.loads((root / "terraform.tfstate").read_text())
    assert state["resources"] == []
    tables = dynamodb_client(settings).list_tables()["TableNames"]
    assert settings.users_table not in tables
