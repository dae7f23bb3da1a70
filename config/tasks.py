"""The one way services hand work to Celery.

Services call `schedule_task` inside their transaction; the task is sent only after the
transaction commits, so a worker never sees ids of rows that were rolled back. Without
REDIS_URL Celery runs the task in-process (eager), still after commit. Changing how tasks
are delivered later means changing this function alone.

Services name the task rather than import it: tasks are thin and call services, so a service
importing its task would be an import cycle (pyproject.toml's import contracts refuse them).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.app.task import Task
from django.db import transaction

from config.celery import app as celery_app

logger = logging.getLogger(__name__)


class UnknownTaskError(LookupError):
    """No task of that name is registered: a typo in a service, caught when it schedules."""


def task_named(name: str) -> Task:
    """The registered task called `name`, importing every app's tasks.py first, as a worker
    does at start, when the web process has not needed them yet."""
    if name not in celery_app.tasks:
        celery_app.loader.import_default_modules()
    try:
        return celery_app.tasks[name]
    except KeyError:
        raise UnknownTaskError(f"No Celery task is named {name!r}.") from None


def schedule_task(name: str, *args: Any, **kwargs: Any) -> None:
    """Send the task called `name` with the given arguments once the current transaction commits."""
    task = task_named(name)  # before the commit, so a wrong name fails the service, loudly
    transaction.on_commit(lambda: _deliver(task, args, kwargs))


def _deliver(task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    # The writes are committed by now: a task that cannot be sent (or, run in-process, fails)
    # must not turn the person's successful action into an error page. It is logged instead,
    # as a worker would log it.
    try:
        task.delay(*args, **kwargs)
    except Exception:
        logger.exception("Task %s failed after commit", task.name)


@shared_task(name="config.ping_task", time_limit=30, soft_time_limit=25)
def ping_task(value: str) -> str:
    """Round trip used by the health check tests and operators to prove a worker answers."""
    return f"pong:{value}"
