"""What one running API process holds: its settings, the stores, the storage engine over them,
the login limiter and the import jobs. Built once per app; views reach it with ``services()``."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from javumbo.api.rate_limit import SlidingWindowLimiter
from javumbo.collection.clock import Clock, SystemClock
from javumbo.settings import Settings
from javumbo.stores.factory import open_stores
from javumbo.stores.ports import BlobStore, MetaStore
from javumbo.userdb import UserDatabases

EXTENSION_KEY = "javumbo"
LOGIN_ATTEMPTS_PER_WINDOW = 5
LOGIN_WINDOW_SECONDS = 300.0


@dataclass
class Services:
    settings: Settings
    blobs: BlobStore
    meta: MetaStore
    dbs: UserDatabases
    clock: Clock
    login_limiter: SlidingWindowLimiter
    in_lambda: bool

    def close(self) -> None:
        """Best-effort flush of every warm collection (durability never depends on it)."""
        self.dbs.close()


def running_in_lambda() -> bool:
    from javumbo.lambda_handler import running_on_lambda

    return running_on_lambda()


def default_instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def default_cache_dir(settings: Settings, in_lambda: bool) -> Path:
    if settings.cache_dir is not None:
        return settings.cache_dir
    if in_lambda:
        return Path("/tmp/javumbo-cache")  # the only writable disk in Lambda
    return settings.data_dir / "cache"


def build_services(
    settings: Settings,
    *,
    stores: tuple[BlobStore, MetaStore] | None = None,
    clock: Clock | None = None,
    in_lambda: bool | None = None,
) -> Services:
    in_lambda = running_in_lambda() if in_lambda is None else in_lambda
    clock = clock or SystemClock()
    blobs, meta = stores if stores is not None else open_stores(settings)
    dbs = UserDatabases(
        settings,
        blobs,
        meta,
        instance_id=settings.instance_id or default_instance_id(),
        cache_dir=default_cache_dir(settings, in_lambda),
        clock=clock,
    )
    return Services(
        settings=settings,
        blobs=blobs,
        meta=meta,
        dbs=dbs,
        clock=clock,
        login_limiter=SlidingWindowLimiter(
            LOGIN_ATTEMPTS_PER_WINDOW, LOGIN_WINDOW_SECONDS, clock=clock
        ),
        in_lambda=in_lambda,
    )


def services() -> Services:
    found: Services = current_app.extensions[EXTENSION_KEY]
    return found
