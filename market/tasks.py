"""Thin Celery tasks of the market app."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings

from market.analytics import selectors
from market.analytics.recompute import market_recompute
from market.analytics.scenario_inputs import scenario_base_warm
from market.models import RecomputeRun
from market.scheduling import market_recompute_interrupted_retry

logger = logging.getLogger(__name__)

# A run asked for after an import or by an administrator must not be lost because another
# run was going (that run may have read the data before the import): it waits and tries again.
RETRY_WHEN_SKIPPED = {RecomputeRun.Trigger.IMPORT, RecomputeRun.Trigger.ADMIN}
RETRY_SECONDS = 5 * 60


# Idempotent and nightly: a run that fails is recorded and the next night's (or an
# administrator's) run does the work, so failures are not retried. The soft limit lets the
# run record its failure before the hard limit kills it.
@shared_task(
    bind=True,
    name="market.recompute_market_task",
    time_limit=40 * 60,
    soft_time_limit=35 * 60,
    max_retries=12,
)
def recompute_market_task(self: Any, trigger: str = RecomputeRun.Trigger.SCHEDULE) -> dict[str, object]:
    """Recompute every market and cost snapshot; wait and retry if skipped for an import's sake."""
    run = market_recompute(trigger=trigger)
    if run.status == RecomputeRun.Status.SUCCEEDED and run.is_current:
        _scenario_base_warm(run)
    waiting_matters = trigger in RETRY_WHEN_SKIPPED and not settings.CELERY_TASK_ALWAYS_EAGER
    if run.status == RecomputeRun.Status.SKIPPED and waiting_matters:  # eager: nothing to wait for
        raise self.retry(countdown=RETRY_SECONDS)
    return {"run_id": run.pk, "status": run.status, "rows_written": run.rows_written}


def _scenario_base_warm(run: RecomputeRun) -> None:
    # The run's figures are published either way: a failed warm-up only costs the first visitor.
    try:
        dates = selectors.run_dates(run)
        if dates:
            scenario_base_warm(run.pk, dates[-1])
    except Exception:
        logger.warning("The scenario planner's market for run %s was not read ahead", run.pk, exc_info=True)


@shared_task(name="market.recompute_interrupted_retry_task", time_limit=120, soft_time_limit=110)
def recompute_interrupted_retry_task() -> dict[str, int]:
    """Every few minutes: no run stays "running" after its process died; an administrator's or
    an import's interrupted run is asked for again."""
    return market_recompute_interrupted_retry()
