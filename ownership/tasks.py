"""Thin Celery tasks of the ownership app."""

from __future__ import annotations

from celery import shared_task

from ownership.analytics.recompute import market_recompute
from ownership.models import RecomputeRun


# Idempotent and nightly: a run that fails is recorded and the next night's (or an
# administrator's) run does the work, so no retries. The soft limit lets the run record its
# failure before the hard limit kills it.
@shared_task(name="ownership.recompute_market_task", time_limit=40 * 60, soft_time_limit=35 * 60)
def recompute_market_task(trigger: str = RecomputeRun.Trigger.SCHEDULE) -> dict[str, object]:
    """Recompute every market and cost snapshot (skipped if a run is already going)."""
    run = market_recompute(trigger=trigger)
    return {"run_id": run.pk, "status": run.status, "rows_written": run.rows_written}
