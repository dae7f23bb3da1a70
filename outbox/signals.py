"""Celery signals of the outbox: a starting worker sends every undelivered message, a starting
beat catches up missed jobs and records what it sends, and every periodic job's success is
recorded. Connected once, from OutboxConfig.ready()."""

from __future__ import annotations

import logging
from typing import Any

from celery import signals
from celery.app.task import Task
from django.db import close_old_connections

logger = logging.getLogger(__name__)

_in_beat: list[bool] = []


def connect() -> None:
    signals.worker_ready.connect(_worker_ready, weak=False, dispatch_uid="outbox.worker_ready")
    signals.beat_init.connect(_beat_init, weak=False, dispatch_uid="outbox.beat_init")
    signals.after_task_publish.connect(_after_publish, weak=False, dispatch_uid="outbox.after_task_publish")
    signals.task_success.connect(_task_success, weak=False, dispatch_uid="outbox.task_success")


def _worker_ready(**_: Any) -> None:
    # The worker that ran a message may have been killed: every undelivered message is sent
    # again (a message still queued or running is then found done, or locked, and skipped).
    from outbox.services import outbox_sweep

    try:
        logger.info("Outbox: %s undelivered messages sent at worker start", outbox_sweep(everything=True))
    except Exception:
        logger.exception("Outbox sweep at worker start failed")


def _beat_init(**_: Any) -> None:
    from outbox.periodic import periodic_jobs_catch_up

    _in_beat.append(True)
    close_old_connections()
    try:
        periodic_jobs_catch_up()
    except Exception:
        logger.exception("Catching up periodic jobs at beat start failed")


def _after_publish(sender: str | None = None, **_: Any) -> None:
    if not _in_beat or sender is None:
        return
    # Beat runs for weeks and serves no requests: a connection PostgreSQL dropped (a restart) is
    # not closed for it, so it is checked before each use.
    close_old_connections()
    from outbox.beat import periodic_task_names
    from outbox.periodic import periodic_job_sent

    if sender in periodic_task_names():
        periodic_job_sent(task_name=sender)


def _task_success(sender: Task | None = None, **_: Any) -> None:
    from outbox.beat import periodic_task_names
    from outbox.periodic import periodic_job_succeeded

    if sender is not None and sender.name in periodic_task_names():
        periodic_job_succeeded(task_name=sender.name)
