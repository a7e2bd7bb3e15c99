"""The settings of accounts and the edge: registration, trusted proxies, CORS origins."""

from __future__ import annotations

import pytest

from javumbo.settings import Settings, SettingsError


def test_defaults_are_open_registration_no_proxy_no_cors() -> None:
    settings = Settings.from_env({})
    assert (settings.registration, settings.trusted_proxies, settings.cors_origins) == (
        "open",
        0,
        (),
    )


def test_the_variables_are_read() -> None:
    settings = Settings.from_env(
        {
            "JAVUMBO_REGISTRATION": " Closed ",
            "JAVUMBO_TRUSTED_PROXIES": "2",
            "JAVUMBO_CORS_ORIGINS": "https://app.example.org/, http://localhost:5173",
        }
    )
    assert settings.registration == "closed"
    assert settings.trusted_proxies == 2
    assert settings.cors_origins == ("https://app.example.org", "http://localhost:5173")


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"JAVUMBO_REGISTRATION": "invite-only"}, "JAVUMBO_REGISTRATION"),
        ({"JAVUMBO_TRUSTED_PROXIES": "-1"}, "JAVUMBO_TRUSTED_PROXIES"),
        ({"JAVUMBO_TRUSTED_PROXIES": "many"}, "JAVUMBO_TRUSTED_PROXIES"),
        ({"JAVUMBO_CORS_ORIGINS": "*"}, "JAVUMBO_CORS_ORIGINS"),
        ({"JAVUMBO_CORS_ORIGINS": "https://a.example/path"}, "JAVUMBO_CORS_ORIGINS"),
        ({"JAVUMBO_CORS_ORIGINS": "ftp://a.example"}, "JAVUMBO_CORS_ORIGINS"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env(env)
