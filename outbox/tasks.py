"""The outbox's relay and sweeps; thin, and safe to run any number of times."""

from __future__ import annotations

from celery import shared_task

from outbox.periodic import periodic_jobs_catch_up
from outbox.services import outbox_message_deliver, outbox_messages_purge, outbox_sweep


# No result is kept: nothing waits on it, and a request must never wait on Redis. acks_late: a
# message taken by a worker that dies is not acknowledged (the sweep sends it again anyway).
@shared_task(
    name="outbox.message_deliver_task", ignore_result=True, acks_late=True, time_limit=300, soft_time_limit=280
)
def message_deliver_task(message_id: int) -> bool:
    return outbox_message_deliver(message_id=message_id)


@shared_task(name="outbox.sweep_task", ignore_result=True, time_limit=120, soft_time_limit=110)
def outbox_sweep_task() -> dict[str, int]:
    return {"sent": outbox_sweep(), "purged": outbox_messages_purge()}


@shared_task(name="outbox.periodic_jobs_watchdog_task", ignore_result=True, time_limit=120, soft_time_limit=110)
def periodic_jobs_watchdog_task() -> list[str]:
    return periodic_jobs_catch_up()
