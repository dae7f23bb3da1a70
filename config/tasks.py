"""The one way services hand work to Celery.

Services call `schedule_task` inside their transaction. It writes the work into the outbox in
that same transaction (outbox.services, ADR 22): a rolled-back transaction leaves nothing to
do, and a committed one cannot lose its work to Redis, a worker or a connection failing. The
relay is sent after the commit, with short timeouts and no wait for a result; without REDIS_URL
Celery runs it in-process (eager), still after commit.

Services name the task rather than import it: tasks are thin and call services, so a service
importing its task would be an import cycle (pyproject.toml's import contracts refuse them).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from outbox.services import UnknownTaskError, outbox_message_add, task_named

__all__ = ["UnknownTaskError", "ping_task", "schedule_task", "task_named"]


def schedule_task(name: str, *args: Any, **kwargs: Any) -> None:
    """Do the task called `name` with these JSON-serialisable arguments, exactly once, after the
    current transaction commits."""
    outbox_message_add(task_name=name, args=list(args), kwargs=kwargs)


@shared_task(name="config.ping_task", time_limit=30, soft_time_limit=25)
def ping_task(value: str) -> str:
    """Round trip used by the health check tests and operators to prove a worker answers."""
    return f"pong:{value}"
