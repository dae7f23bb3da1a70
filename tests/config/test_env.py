"""Invalid environment values stop start-up with a message naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import database_from_url, env_bool, env_int, env_list, env_str, redis_url

ROOT = Path(__file__).resolve().parents[2]


def test_env_bool_reads_the_usual_spellings(monkeypatch):
    for text, expected in [("1", True), ("yes", True), ("TRUE", True), ("0", False), ("off", False)]:
        monkeypatch.setenv("FLAG", text)
        assert env_bool("FLAG", not expected) is expected


def test_env_bool_refuses_nonsense_naming_the_variable(monkeypatch):
    monkeypatch.setenv("REQUIRE_MFA", "sometimes")
    with pytest.raises(ImproperlyConfigured, match="REQUIRE_MFA must be true or false"):
        env_bool("REQUIRE_MFA", True)


def test_env_int_refuses_words_and_values_below_minimum(monkeypatch):
    monkeypatch.setenv("INVITATION_EXPIRY_DAYS", "seven")
    with pytest.raises(ImproperlyConfigured, match="INVITATION_EXPIRY_DAYS must be a whole number"):
        env_int("INVITATION_EXPIRY_DAYS", 7, minimum=1)
    monkeypatch.setenv("INVITATION_EXPIRY_DAYS", "0")
    with pytest.raises(ImproperlyConfigured, match="INVITATION_EXPIRY_DAYS must be at least 1"):
        env_int("INVITATION_EXPIRY_DAYS", 7, minimum=1)


def test_required_string_must_be_present(monkeypatch):
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY must be set"):
        env_str("DJANGO_SECRET_KEY", required=True)


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", " a.example , b.example,,")
    assert env_list("DJANGO_ALLOWED_HOSTS", []) == ["a.example", "b.example"]


def test_database_url_forms():
    tcp = database_from_url("DATABASE_URL", "postgresql://rc:s%40cret@db.internal:5433/rc")
    assert (tcp["NAME"], tcp["USER"], tcp["PASSWORD"], tcp["HOST"], tcp["PORT"]) == (
        "rc",
        "rc",
        "s@cret",
        "db.internal",
        "5433",
    )
    socket = database_from_url("DATABASE_URL", "postgresql://postgres:@/rc?host=/tmp/pg")
    assert (socket["NAME"], socket["HOST"], socket["PORT"]) == ("rc", "/tmp/pg", "")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///db.sqlite3", "must be a postgresql:// URL"),
        ("postgresql://host:5432/", "must name a database"),
        ("postgresql://host:port/rc", "has an invalid port"),
    ],
)
def test_bad_database_urls_are_refused(url, message):
    with pytest.raises(ImproperlyConfigured, match=f"DATABASE_URL {message}"):
        database_from_url("DATABASE_URL", url)


def test_redis_url_must_be_redis(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "http://127.0.0.1:6379")
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL must be a redis:// URL"):
        redis_url("REDIS_URL")
    monkeypatch.setenv("REDIS_URL", "")
    assert redis_url("REDIS_URL") is None


def _check(**overrides: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **overrides}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_start_up_stops_on_a_bad_value_naming_the_variable():
    result = _check(DJANGO_SECRET_KEY="x" * 60, LOG_LEVEL="LOUD")
    assert result.returncode != 0
    assert "LOG_LEVEL must be one of" in result.stderr


def test_start_up_stops_without_a_secret_key():
    env_without_key = {key: value for key, value in os.environ.items() if key != "DJANGO_SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**env_without_key, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
