"""A real Celery worker for the tests that are about tasks: its own process, its own queue on
the Redis at REDIS_URL, and (for tasks that touch rows) the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

from config.celery import app as celery_app
from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[1]


def redis_url() -> str | None:
    """REDIS_URL when a Redis answers there, else None."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return None
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return None
    return url


def database_url_of_tests() -> str:
    """The URL of the database this test process uses, for a worker to use too."""
    parameters = connection.settings_dict
    user = quote(parameters["USER"] or "", safe="")
    password = quote(parameters["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = parameters["HOST"] or ""
    if host.startswith("/"):
        return f"postgresql://{credentials}/{parameters['NAME']}?host={host}"
    port = f":{parameters['PORT']}" if parameters["PORT"] else ""
    return f"postgresql://{credentials}{host}{port}/{parameters['NAME']}"


@contextmanager
def real_worker(prefix: str, *, with_database: bool = True) -> Iterator[str]:
    """Start a worker on a queue of its own (no other worker takes the message) and send
    through Redis while the block runs; yields the queue's name. Fails, or skips without
    REQUIRE_SERVICES, when no Redis answers."""
    url = redis_url()
    require_service("Redis", url is not None, "set REDIS_URL to a running Redis")
    assert url is not None
    queue = f"{prefix}-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "REDIS_URL": url, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    if with_database:
        env["DATABASE_URL"] = database_url_of_tests()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue, "--loglevel=WARNING"],
        cwd=ROOT,
        env=env,
    )
    previous = dict(celery_app.conf)
    celery_app.conf.update(task_always_eager=False, broker_url=url, result_backend=url)
    try:
        yield queue
    finally:
        celery_app.conf.update(
            task_always_eager=previous["task_always_eager"],
            broker_url=previous["broker_url"],
            result_backend=previous["result_backend"],
        )
        worker.terminate()
        worker.wait(timeout=30)
