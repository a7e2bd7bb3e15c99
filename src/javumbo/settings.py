"""All configuration, read once from the environment.

Embedded mode needs no variables at all; AWS mode needs bucket and table names. Nothing else in
the package reads ``os.environ`` directly, so tests build a ``Settings`` by hand.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

BACKENDS = ("embedded", "aws", "postgres")
S3_CONDITIONAL_WRITES = ("auto", "on", "off")
REGISTRATION_POLICIES = ("open", "closed")
DIRECT_TRANSFERS = ("auto", "on", "off")


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


def running_on_lambda(env: Mapping[str, str] | None = None) -> bool:
    """Whether this process is an AWS Lambda function (its runtime sets the function's name)."""
    env = os.environ if env is None else env
    return bool(env.get("AWS_LAMBDA_FUNCTION_NAME"))


def lambda_environment(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with Lambda's defaults filled in when running there: the AWS backends, and the
    cache and data folders under ``/tmp`` (its only writable disk). Explicit settings win."""
    merged = dict(env)
    if running_on_lambda(env):
        merged.setdefault("JAVUMBO_BACKEND", "aws")
        merged.setdefault("JAVUMBO_CACHE_DIR", "/tmp/javumbo-cache")
        merged.setdefault("JAVUMBO_DATA_DIR", "/tmp/javumbo-data")
        merged.setdefault("JAVUMBO_INSTANCE_ID", env.get("AWS_LAMBDA_LOG_STREAM_NAME", ""))
    return merged


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc


def _megabytes(env: Mapping[str, str], name: str, default_bytes: int) -> int:
    """A size given in MiB (``JAVUMBO_..._MB``), as bytes; must be positive."""
    mib = _int(env, name, default_bytes // (1024 * 1024))
    if mib <= 0:
        raise SettingsError(f"{name} must be a positive number of MiB, got {mib}")
    return mib * 1024 * 1024


def _registration(env: Mapping[str, str]) -> str:
    value = env.get("JAVUMBO_REGISTRATION", "").strip().lower() or "open"
    if value not in REGISTRATION_POLICIES:
        raise SettingsError(f"JAVUMBO_REGISTRATION must be 'open' or 'closed', got {value!r}")
    return value


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    value = env.get(name, "").strip().lower() or choices[0]
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _trusted_proxies(env: Mapping[str, str]) -> int:
    count = _int(env, "JAVUMBO_TRUSTED_PROXIES", 0)
    if not 0 <= count <= 10:
        raise SettingsError(
            f"JAVUMBO_TRUSTED_PROXIES is the number of reverse proxies in front (0-10), got {count}"
        )
    return count


def _cors_origins(env: Mapping[str, str]) -> tuple[str, ...]:
    """Comma-separated origins (``https://flash.example.org``), each scheme://host[:port]."""
    origins = tuple(o.strip().rstrip("/") for o in env.get("JAVUMBO_CORS_ORIGINS", "").split(","))
    for origin in origins:
        scheme, sep, host = origin.partition("://")
        if origin and (scheme not in ("http", "https") or not sep or not host or "/" in host):
            raise SettingsError(
                f"JAVUMBO_CORS_ORIGINS holds origins like https://app.example.org, got {origin!r}"
            )
    return tuple(o for o in origins if o)


@dataclass(frozen=True)
class Settings:
    backend: str = "embedded"  # "embedded" | "aws" | "postgres"
    data_dir: Path = Path("data")
    jwt_secret_key: str | None = None
    instance_id: str | None = None
    cache_dir: Path | None = None
    cache_max_bytes: int = 400 * 1024 * 1024
    session_ttl: int = 300
    snapshots_kept: int = 3
    s3_bucket: str = "javumbo"
    users_table: str = "javumbo-users"
    locks_table: str = "javumbo-locks"
    sessions_table: str = "javumbo-sessions"
    journal_table: str = "javumbo-journal"
    aws_region: str = "us-east-1"
    aws_endpoint_url: str | None = None
    # "auto": ask an S3-compatible server (AWS_ENDPOINT_URL) whether it honours If-None-Match;
    # "on"/"off" say it. AWS's own S3 does.
    s3_conditional_writes: str = "auto"
    # The "postgres" backend's metastore (its blobs are in the S3 bucket above).
    database_url: str | None = None
    database_pool_size: int = 10
    # One allowance per user for media, shared by package import and media sync.
    media_quota_bytes: int = 2048 * 1024 * 1024
    media_max_file_bytes: int = 100 * 1024 * 1024
    # Imports one user may have queued or running at once, and the temporary bytes (uploaded
    # packages waiting or being imported) all users together may hold.
    imports_per_user: int = 2
    import_temp_bytes: int = 2048 * 1024 * 1024
    # Accounts and the edge: who may register ("open" | "closed": only `javumbo user add`), how
    # many reverse proxies in front are trusted to name the client (X-Forwarded-For), and the
    # web origins allowed to call the API from a browser (CORS).
    registration: str = "open"
    trusted_proxies: int = 0
    cors_origins: tuple[str, ...] = ()
    # Packages moved by the browser straight to and from S3 with presigned requests ("auto":
    # on Lambda, whose API Gateway refuses bodies over 6 MB; "on" needs S3 the browser reaches).
    direct_transfers: str = "auto"

    @property
    def is_embedded(self) -> bool:
        return self.backend == "embedded"

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, require_jwt_secret: bool = True
    ) -> Settings:
        """Read the settings; ``require_jwt_secret=False`` is for commands that never issue
        tokens (creating AWS resources, migrations)."""
        env = os.environ if env is None else env
        backend = env.get("JAVUMBO_BACKEND", "embedded").strip().lower() or "embedded"
        if backend not in BACKENDS:
            raise SettingsError(
                f"JAVUMBO_BACKEND must be one of {', '.join(BACKENDS)}, got {backend!r}"
            )
        secret = env.get("JWT_SECRET_KEY") or None
        if backend != "embedded" and not secret and require_jwt_secret:
            raise SettingsError(f"JWT_SECRET_KEY is required when JAVUMBO_BACKEND={backend}")
        conditional_writes = env.get("S3_CONDITIONAL_WRITES", "").strip().lower() or "auto"
        if conditional_writes not in S3_CONDITIONAL_WRITES:
            raise SettingsError(
                f"S3_CONDITIONAL_WRITES must be one of {', '.join(S3_CONDITIONAL_WRITES)},"
                f" got {conditional_writes!r}"
            )
        database_url = env.get("DATABASE_URL") or None
        if backend == "postgres" and not database_url:
            raise SettingsError(
                "DATABASE_URL (postgresql://user:password@host:5432/db) is required when"
                " JAVUMBO_BACKEND=postgres"
            )
        cache_dir = env.get("JAVUMBO_CACHE_DIR")
        return cls(
            backend=backend,
            data_dir=Path(env.get("JAVUMBO_DATA_DIR", "data")),
            jwt_secret_key=secret,
            instance_id=env.get("JAVUMBO_INSTANCE_ID") or None,
            cache_dir=Path(cache_dir) if cache_dir else None,
            cache_max_bytes=_int(env, "JAVUMBO_CACHE_MAX_BYTES", cls.cache_max_bytes),
            session_ttl=_int(env, "SESSION_TTL", cls.session_ttl),
            snapshots_kept=_int(env, "JAVUMBO_SNAPSHOTS_KEPT", cls.snapshots_kept),
            s3_bucket=env.get("S3_BUCKET", cls.s3_bucket),
            users_table=env.get("DYNAMODB_USERS_TABLE", cls.users_table),
            locks_table=env.get("DYNAMODB_LOCKS_TABLE", cls.locks_table),
            sessions_table=env.get("DYNAMODB_SESSIONS_TABLE", cls.sessions_table),
            journal_table=env.get("DYNAMODB_JOURNAL_TABLE", cls.journal_table),
            aws_region=env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", cls.aws_region)),
            aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
            s3_conditional_writes=conditional_writes,
            database_url=database_url,
            database_pool_size=_int(env, "JAVUMBO_DB_POOL_SIZE", cls.database_pool_size),
            media_quota_bytes=_megabytes(env, "JAVUMBO_MEDIA_QUOTA_MB", cls.media_quota_bytes),
            media_max_file_bytes=_megabytes(
                env, "JAVUMBO_MEDIA_MAX_FILE_MB", cls.media_max_file_bytes
            ),
            imports_per_user=_int(env, "JAVUMBO_IMPORTS_PER_USER", cls.imports_per_user),
            import_temp_bytes=_megabytes(env, "JAVUMBO_IMPORT_TEMP_MB", cls.import_temp_bytes),
            registration=_registration(env),
            trusted_proxies=_trusted_proxies(env),
            cors_origins=_cors_origins(env),
            direct_transfers=_choice(env, "JAVUMBO_DIRECT_TRANSFERS", DIRECT_TRANSFERS),
        )
