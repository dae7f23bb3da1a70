"""Beat catches up (ADR 22): every periodic job records when beat sent it and when it last
succeeded, and a run that was due while beat, Redis or the workers were down is sent once more,
when beat starts and by a watchdog beat runs every few minutes. The jobs are idempotent, so a
catch-up that overlaps a slow run costs time, never correctness."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import Any, cast

from celery.schedules import crontab
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from outbox.beat import periodic_entries
from outbox.models import PeriodicJob
from outbox.services import UnknownTaskError, outbox_message_add, task_named

logger = logging.getLogger(__name__)

# Beat sends a job at its due time; give it this long before a job never sent counts as missed.
SEND_GRACE = datetime.timedelta(minutes=2)
# A job beat did send but that has not succeeded after its time limit and this much more was
# lost (a killed worker, a message lost with Redis) or failed: it is sent once more.
RUN_GRACE = datetime.timedelta(minutes=10)


def _entries_of_task(task_name: str) -> list[str]:
    return [name for name, entry in periodic_entries().items() if entry["task"] == task_name]


def periodic_job_sent(*, task_name: str) -> None:
    """Beat sent the job (recorded after the broker took it)."""
    _stamp(_entries_of_task(task_name), "last_sent_at")


def periodic_job_succeeded(*, task_name: str) -> None:
    _stamp(_entries_of_task(task_name), "last_success_at")


def _stamp(names: Iterable[str], field: str) -> None:
    now = timezone.now()
    for name in names:
        PeriodicJob.objects.update_or_create(name=name, defaults={field: now}, create_defaults={field: now})


def _first_due_after(schedule: crontab, since: datetime.datetime) -> datetime.datetime:
    """The first time the job was due after `since` (in CELERY_TIMEZONE, aware)."""
    start, delta, _ = schedule.remaining_delta(since)
    return start + delta


def _missed(job: PeriodicJob, schedule: crontab, time_limit: int | None, now: datetime.datetime) -> bool:
    since = max(moment for moment in (job.first_seen_at, job.last_success_at, job.last_caught_up_at) if moment)
    due = _first_due_after(schedule, since)
    if due > now:
        return False
    if job.last_sent_at is not None and job.last_sent_at >= due:
        run_limit = datetime.timedelta(seconds=time_limit or settings.CELERY_TASK_TIME_LIMIT)
        return now - job.last_sent_at > run_limit + RUN_GRACE
    return now - due > SEND_GRACE


def _time_limit(task_name: str) -> int | None:
    try:
        return task_named(task_name).time_limit
    except UnknownTaskError:
        return None


def periodic_jobs_catch_up(*, now: datetime.datetime | None = None) -> list[str]:
    """Send once more, through the outbox, every job whose run was missed; their names. A job
    first seen now is only recorded: its next due time runs it."""
    now = now or timezone.now()
    caught_up = [name for name, entry in periodic_entries().items() if _catch_up(name, entry, now)]
    for name in caught_up:
        logger.warning("Periodic job %s missed its run; caught up now", name)
    return caught_up


def _catch_up(name: str, entry: dict[str, object], now: datetime.datetime) -> bool:
    task_name = str(entry["task"])
    schedule = cast(crontab, entry["schedule"])
    with transaction.atomic():
        job, created = PeriodicJob.objects.select_for_update().get_or_create(name=name, defaults={"first_seen_at": now})
        if created or not _missed(job, schedule, _time_limit(task_name), now):
            return False
        args = list(cast(Iterable[Any], entry.get("args", ())))
        kwargs = dict(cast(dict[str, Any], entry.get("kwargs", {})))
        outbox_message_add(task_name=task_name, args=args, kwargs=kwargs)
        job.last_caught_up_at = now
        job.save(update_fields=["last_caught_up_at"])
    return True
