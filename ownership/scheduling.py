"""Scheduling recomputes: after imports, and when an administrator asks."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from config.tasks import schedule_task
from ownership.models import RecomputeRun


def market_recompute_schedule(*, trigger: str) -> None:
    """Send a recompute to the workers once the current transaction commits."""
    with transaction.atomic():
        schedule_task("ownership.recompute_market_task", trigger=trigger)


def market_recompute_after_import() -> None:
    """An import changed the registry or the graph: recompute the snapshots tonight's way,
    now (unless MARKET_RECOMPUTE_AFTER_IMPORT is off)."""
    if settings.MARKET_RECOMPUTE_AFTER_IMPORT:
        market_recompute_schedule(trigger=RecomputeRun.Trigger.IMPORT)
