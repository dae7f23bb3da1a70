"""The one way services hand work to Celery.

Services call `schedule_task` inside their transaction; the task is sent only after the
transaction commits, so a worker never sees ids of rows that were rolled back. Without
REDIS_URL Celery runs the task in-process (eager), still after commit. Changing how tasks
are delivered later means changing this function alone.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.app.task import Task
from django.db import transaction


def schedule_task(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send `task` with the given arguments once the current transaction commits."""
    transaction.on_commit(lambda: task.delay(*args, **kwargs))


@shared_task(name="config.ping_task", time_limit=30, soft_time_limit=25)
def ping_task(value: str) -> str:
    """Round trip used by the health check tests and operators to prove a worker answers."""
    return f"pong:{value}"
