"""Settings come from the environment, once, with clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from javumbo.settings import Settings, SettingsError


def test_embedded_needs_no_variables() -> None:
    settings = Settings.from_env({})
    assert settings.is_embedded
    assert settings.data_dir == Path("data")
    assert settings.session_ttl == 300


def test_aws_mode_refuses_to_start_without_a_jwt_secret() -> None:
    with pytest.raises(SettingsError, match="JWT_SECRET_KEY"):
        Settings.from_env({"JAVUMBO_BACKEND": "aws"})


def test_commands_that_issue_no_tokens_may_skip_the_secret() -> None:
    settings = Settings.from_env(
        {"JAVUMBO_BACKEND": "aws", "S3_BUCKET": "b"}, require_jwt_secret=False
    )
    assert settings.backend == "aws"
    assert settings.s3_bucket == "b"


def test_the_documented_variable_names_are_honoured() -> None:
    settings = Settings.from_env(
        {
            "JAVUMBO_BACKEND": "aws",
            "JWT_SECRET_KEY": "x" * 32,
            "DYNAMODB_USERS_TABLE": "u",
            "DYNAMODB_LOCKS_TABLE": "l",
            "DYNAMODB_SESSIONS_TABLE": "s",
            "DYNAMODB_JOURNAL_TABLE": "j",
            "SESSION_TTL": "60",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
        }
    )
    assert (settings.users_table, settings.locks_table) == ("u", "l")
    assert (settings.sessions_table, settings.journal_table) == ("s", "j")
    assert settings.session_ttl == 60
    assert settings.aws_endpoint_url == "http://127.0.0.1:5000"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"JAVUMBO_BACKEND": "mainframe"}, "JAVUMBO_BACKEND"),
        ({"SESSION_TTL": "five minutes"}, "SESSION_TTL"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)
