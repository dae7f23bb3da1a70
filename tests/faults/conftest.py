"""Fault injection for the `faults` tests (ADR 22): a Redis of the test's own on a spare port
that the test stops and starts, Celery workers against it and the test database that the test
kills, and the test process sending through that Redis. Every test here fails, rather than
skips, when REQUIRE_SERVICES=1 (CI, `make test`) and redis-server or PostgreSQL is missing."""

from __future__ import annotations

import email
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path

import pytest
import redis

from config.celery import app as celery_app
from outbox.services import outbox_broker_forget_failure
from tests.commissioning.conftest import journey  # noqa: F401 - the referral journey, a fixture shared here
from tests.conftest import require_service
from tests.workers import ROOT, database_url_of_tests

REDIS_SERVER = shutil.which("redis-server")


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SpareRedis:
    """A redis-server on a spare port that keeps nothing on disk: stopping it loses its queues,
    as a crashed Redis without persistence does."""

    def __init__(self, directory: Path) -> None:
        self.port = spare_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [*command, "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until(self._answers, timeout=20, what=f"redis-server on port {self.port} to answer")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False


@pytest.fixture
def spare_redis(tmp_path: Path) -> Iterator[SpareRedis]:
    require_service("redis-server", REDIS_SERVER is not None, "install redis-server (Debian's redis-server package)")
    server = SpareRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def queue() -> str:
    return f"faults-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def mail_directory(tmp_path: Path) -> Path:
    directory = tmp_path / "mail"
    directory.mkdir()
    return directory


def wait_until(
    condition: Callable[[], bool], *, timeout: float, what: str, every: Callable[[], object] | None = None
) -> None:
    """Poll until `condition` holds, calling `every` every few seconds meanwhile (as beat would
    call a sweep), or fail saying what was awaited."""
    deadline = time.monotonic() + timeout
    next_call = time.monotonic() + 3
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Waited {timeout}s for {what}")
        if every is not None and time.monotonic() >= next_call:
            every()
            next_call = time.monotonic() + 3
        time.sleep(0.25)


def fallback_cache(url: str) -> dict[str, dict[str, object]]:
    """CACHES as config/settings.py makes them with REDIS_URL set, for this Redis."""
    options = {"FALLBACK_TABLE": "outbox_cache_fallback", "RETRY_AFTER": 30, "SOCKET_TIMEOUT": 0.5}
    return {"default": {"BACKEND": "config.cache.FallbackCache", "LOCATION": url, "OPTIONS": options}}


def _pools_reset() -> None:
    # Celery keeps one broker connection pool per process, made for the URL it first saw.
    celery_app._pool = None  # type: ignore[attr-defined]
    celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]


@contextmanager
def sending_through(url: str, queue: str) -> Iterator[None]:
    """The test process sends tasks through the Redis at `url`, to `queue`, instead of in-process."""
    keys = ("task_always_eager", "broker_url", "result_backend", "task_default_queue")
    previous = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(task_always_eager=False, broker_url=url, result_backend=url, task_default_queue=queue)
    _pools_reset()
    outbox_broker_forget_failure()
    try:
        yield
    finally:
        celery_app.conf.update(previous)
        _pools_reset()
        outbox_broker_forget_failure()


def celery_environment(url: str, queue: str, mail_directory: Path) -> dict[str, str]:
    """A Celery process's environment: the Redis at `url`, `queue`, the test database, and its
    e-mails written into `mail_directory`."""
    return {
        **os.environ,
        "REDIS_URL": url,
        "CELERY_QUEUE": queue,
        "DATABASE_URL": database_url_of_tests(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "TEST_EMAIL_DIR": str(mail_directory),
        "TEST_WORKER_SENDS_THROUGH_BROKER": "1",
    }


class Worker:
    """A Celery worker (or, given `command`, another Celery process such as beat) in its own
    process group, so that SIGKILL takes all of it."""

    def __init__(self, url: str, queue: str, mail_directory: Path, command: list[str] | None = None) -> None:
        worker_command = ["worker", "--pool=solo", "-Q", queue, "--without-mingle", "--without-gossip"]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *(command or worker_command), "--loglevel=WARNING"],
            cwd=ROOT,
            env=celery_environment(url, queue, mail_directory),
            start_new_session=True,
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def worker(url: str, queue: str, mail_directory: Path, command: list[str] | None = None) -> Iterator[Worker]:
    started = Worker(url, queue, mail_directory, command)
    try:
        yield started
    finally:
        started.stop()


def emails_sent(directory: Path) -> list[Message]:
    """Every e-mail the workers wrote (Django's file backend: one file per connection, messages
    separated by a line of 79 dashes)."""
    messages = []
    for path in sorted(directory.iterdir()):
        for chunk in path.read_text(encoding="utf-8").split("-" * 79 + "\n"):
            if chunk.strip():
                messages.append(email.message_from_string(chunk))
    return messages
