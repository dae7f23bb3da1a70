"""Which beat entries are periodic jobs (on a cron schedule), read from CELERY_BEAT_SCHEDULE."""

from __future__ import annotations

from celery.schedules import crontab
from django.conf import settings


def periodic_entries() -> dict[str, dict[str, object]]:
    """The CELERY_BEAT_SCHEDULE entries on a cron schedule (the nightly and daily jobs); the
    sweeps that run every minute or so need no catching up."""
    return {
        name: entry for name, entry in settings.CELERY_BEAT_SCHEDULE.items() if isinstance(entry["schedule"], crontab)
    }


def periodic_task_names() -> set[str]:
    return {str(entry["task"]) for entry in periodic_entries().values()}
