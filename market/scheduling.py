"""Scheduling recomputes when an administrator asks. (Imports ask through
ownership.services.market_recompute_after_import, by the same task name.)"""

from __future__ import annotations

from django.db import transaction

from config.tasks import schedule_task
from ownership.services import MARKET_RECOMPUTE_TASK


def market_recompute_schedule(*, trigger: str) -> None:
    """Send a recompute to the workers once the current transaction commits."""
    with transaction.atomic():
        schedule_task(MARKET_RECOMPUTE_TASK, trigger=trigger)
