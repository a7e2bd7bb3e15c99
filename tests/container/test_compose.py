"""The compose files (no compose runtime or registry here, so read, not run): the embedded
default is one service and one volume at the image's /data; the TLS variant trusts its one proxy;
the cluster variant's environment is settings the app accepts, for the postgres backend."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from javumbo.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def compose(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / name).read_text())
    return loaded


def substituted(env: dict[str, str]) -> dict[str, str]:
    """``${NAME:?…}`` and ``${NAME}`` filled in as compose would, with a stand-in value."""

    def stand_in(match: re.Match[str]) -> str:
        return f"{match.group(1).lower()}-" + "x" * 32

    def fill(value: str) -> str:
        return re.sub(r"\$\{(\w+)(?::\?[^}]*)?\}", stand_in, value)

    return {key: fill(str(value)) for key, value in env.items()}


def test_the_default_is_one_service_and_one_volume_at_data() -> None:
    default = compose("compose.yaml")
    assert list(default["services"]) == ["javumbo"]
    service = default["services"]["javumbo"]
    assert service["volumes"] == ["javumbo-data:/data"] and list(default["volumes"]) == [
        "javumbo-data"
    ]
    assert service["read_only"] is True and service["ports"] == ["8000:8000"]
    containerfile = (ROOT / "Containerfile").read_text()
    assert "JAVUMBO_DATA_DIR=/data" in containerfile and "VOLUME /data" in containerfile
    assert 'ENTRYPOINT ["javumbo", "serve", "--host", "0.0.0.0"]' in containerfile


def test_the_tls_variant_trusts_exactly_its_proxy() -> None:
    variant = compose("compose.caddy.yaml")
    app, caddy = variant["services"]["javumbo"], variant["services"]["caddy"]
    assert "ports" not in app  # reached only through Caddy
    assert Settings.from_env(substituted(app["environment"])).trusted_proxies == 1
    caddyfile = caddy["volumes"][0].split(":")[0]
    assert (ROOT / caddyfile).is_file()
    assert "reverse_proxy" in (ROOT / caddyfile).read_text()


def test_the_cluster_variant_is_the_postgres_backend_over_s3() -> None:
    cluster = compose("compose.cluster.yaml")
    services = cluster["services"]
    assert {"postgres", "s3", "init", "javumbo", "caddy"} <= set(services)
    env = substituted(services["javumbo"]["environment"])
    settings = Settings.from_env(env)
    assert settings.backend == "postgres" and settings.database_url is not None
    assert settings.database_url.startswith("postgresql://javumbo:")
    assert settings.aws_endpoint_url == "http://s3:8333" and settings.trusted_proxies == 1
    assert services["init"]["entrypoint"] == ["javumbo", "db", "init"]
    assert services["init"]["environment"] == services["javumbo"]["environment"]
    assert services["javumbo"]["deploy"]["replicas"] > 1
    assert not services["javumbo"].get("volumes")  # no cache folder shared by replicas
    assert any(t.startswith("/data:") for t in services["javumbo"]["tmpfs"])
