"""The metastore adapters of the contract suites (``tests/stores``), for the account tests."""

from __future__ import annotations

from tests.stores.conftest import (  # noqa: F401
    dynamo_settings,
    meta_store,
    postgres_server_url,
    postgres_url,
)
