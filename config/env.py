"""Typed readers for environment variables.

Every setting comes from the environment. A bad value stops start-up with a message
that names the variable, rather than surfacing later as a confusing runtime error.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlparse

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str:
    value = _raw(name)
    if value:
        return value
    if required or default is None:
        raise ImproperlyConfigured(f"Environment variable {name} must be set.")
    return default


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"Environment variable {name} must be true or false (1/0, yes/no), not {value!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"Environment variable {name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"Environment variable {name} must be at least {minimum}, not {number}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = _raw(name) or default
    if value not in choices:
        raise ImproperlyConfigured(f"Environment variable {name} must be one of {sorted(choices)}, not {value!r}.")
    return value


CRON_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")


def env_cron(name: str, default: str) -> crontab:
    """A five-field cron string ("0 2 * * *": minute hour day-of-month month day-of-week) as
    a Celery beat schedule, in CELERY_TIMEZONE."""
    value = _raw(name) or default
    fields = value.split()
    if len(fields) != len(CRON_FIELDS):
        raise ImproperlyConfigured(
            f"Environment variable {name} must be a cron string of 5 fields "
            f"(minute hour day-of-month month day-of-week), not {value!r}."
        )
    try:
        return crontab(**dict(zip(CRON_FIELDS, fields, strict=True)))
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            f"Environment variable {name} is not a valid cron string {value!r}: {error}"
        ) from None


def database_from_url(name: str, url: str) -> dict[str, object]:
    """Parse a postgres:// URL (including ?host=/socket/dir) into Django's DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(f"Environment variable {name} must be a postgresql:// URL, not {url!r}.")
    query = parse_qs(parsed.query)
    database_name = unquote(parsed.path.lstrip("/"))
    if not database_name:
        raise ImproperlyConfigured(f"Environment variable {name} must name a database: {url!r}.")
    try:
        port = parsed.port
    except ValueError:
        raise ImproperlyConfigured(f"Environment variable {name} has an invalid port: {url!r}.") from None
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": database_name,
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": query.get("host", [parsed.hostname or ""])[0],
        "PORT": str(port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def redis_url(name: str) -> str | None:
    value = _raw(name)
    if not value:
        return None
    if urlparse(value).scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(f"Environment variable {name} must be a redis:// URL, not {value!r}.")
    return value
