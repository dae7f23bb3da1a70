"""Scheduling recomputes when an administrator asks, and again when an administrator's or an
import's run was interrupted. (Imports ask through
ownership.services.market_recompute_after_import, by the same task name.)"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction

from config.tasks import schedule_task
from market.analytics.recompute import INTERRUPTED, market_recompute_interrupted_fail
from market.models import RecomputeRun
from outbox.models import OutboxMessage
from ownership.services import MARKET_RECOMPUTE_TASK


def market_recompute_schedule(*, trigger: str) -> None:
    """Send a recompute to the workers once the current transaction commits."""
    with transaction.atomic():
        schedule_task(MARKET_RECOMPUTE_TASK, trigger=trigger)


# Runs somebody waits for: asked for again when interrupted, up to this many interrupted runs
# of the same trigger since the last run that succeeded (a run that kills its worker each time,
# say for memory, is not asked for forever). The nightly run waits for tomorrow night.
RETRIED_WHEN_INTERRUPTED = {RecomputeRun.Trigger.ADMIN, RecomputeRun.Trigger.IMPORT}
MAX_INTERRUPTED_ATTEMPTS = 3


def market_recompute_interrupted_retry() -> dict[str, int]:
    """Record the runs a dead process left RUNNING as failed, and ask again for those an
    administrator or an import asked for; how many of each."""
    interrupted = market_recompute_interrupted_fail()
    triggers = {run.trigger for run in interrupted if run.trigger in RETRIED_WHEN_INTERRUPTED}
    retried = [trigger for trigger in sorted(triggers) if _interrupted_attempts(trigger) < MAX_INTERRUPTED_ATTEMPTS]
    for trigger in retried:
        market_recompute_schedule(trigger=trigger)
    return {"interrupted": len(interrupted), "retried": len(retried)}


def _interrupted_attempts(trigger: str) -> int:
    last_success = (
        RecomputeRun.objects.filter(status=RecomputeRun.Status.SUCCEEDED)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    runs = RecomputeRun.objects.filter(trigger=trigger, status=RecomputeRun.Status.FAILED, error=INTERRUPTED)
    if last_success is not None:
        runs = runs.filter(started_at__gt=last_success)
    return runs.count()


@dataclass(frozen=True)
class RecomputeProgress:
    """What an administrator who asked for a recompute sees while they wait."""

    asked_at: datetime.datetime | None  # a recompute asked for that no worker has started yet
    running: RecomputeRun | None
    last_finished: RecomputeRun | None

    @property
    def active(self) -> bool:
        return self.asked_at is not None or self.running is not None


def recompute_progress() -> RecomputeProgress:
    """The newest run going (with its progress), a recompute asked for and not yet started by a
    worker (its outbox message is newer than every run), and the last run that ended."""
    runs = RecomputeRun.objects.order_by("-started_at")
    newest_start = runs.values_list("started_at", flat=True).first()
    asked = OutboxMessage.objects.filter(task_name=MARKET_RECOMPUTE_TASK)
    if newest_start is not None:
        asked = asked.filter(created_at__gt=newest_start)
    return RecomputeProgress(
        asked_at=asked.order_by("created_at").values_list("created_at", flat=True).first(),
        running=runs.filter(status=RecomputeRun.Status.RUNNING).first(),
        last_finished=runs.exclude(status=RecomputeRun.Status.RUNNING).first(),
    )
