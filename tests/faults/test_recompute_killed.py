"""A worker killed in the middle of an administrator's recompute: the run does not stay
"running", and the administrator's recompute is done by the next worker (issue 13 part 4)."""

from __future__ import annotations

from pathlib import Path

import psycopg2
import pytest

from market.analytics.recompute import INTERRUPTED
from market.models import RecomputeRun
from market.scheduling import market_recompute_interrupted_retry, market_recompute_schedule
from tests.faults.conftest import SpareRedis, sending_through, wait_until, worker
from tests.faults.test_faults import waiting_on_the_lock
from tests.workers import database_url_of_tests

pytestmark = [pytest.mark.faults, pytest.mark.services, pytest.mark.django_db(transaction=True)]

Status = RecomputeRun.Status
Trigger = RecomputeRun.Trigger


def administrators_runs() -> list[tuple[str, str]]:
    return list(RecomputeRun.objects.filter(trigger=Trigger.ADMIN).order_by("pk").values_list("status", "error"))


def test_a_recompute_killed_mid_way_is_recorded_failed_and_done_again_by_the_next_worker(
    reference_data, spare_redis: SpareRedis, queue: str, mail_directory: Path
):
    current = RecomputeRun.objects.create(trigger=Trigger.SCHEDULE, status=Status.SUCCEEDED, is_current=True)
    # The run computes, then waits to take over from the current run, whose row the test holds.
    holder = psycopg2.connect(database_url_of_tests())
    with holder.cursor() as cursor:
        cursor.execute("SELECT id FROM ownership_recomputerun WHERE id = %s FOR UPDATE", [current.pk])
    with sending_through(spare_redis.url, queue):
        market_recompute_schedule(trigger=Trigger.ADMIN)
    with worker(spare_redis.url, queue, mail_directory) as first:
        wait_until(
            lambda: administrators_runs() == [(Status.RUNNING, "")] and len(waiting_on_the_lock()) == 1,
            timeout=180,
            what="the administrator's run to be writing its snapshots",
        )
        first.kill()
    holder.rollback()
    holder.close()
    assert administrators_runs() == [(Status.RUNNING, "")]  # what a killed worker leaves

    with worker(spare_redis.url, queue, mail_directory), sending_through(spare_redis.url, queue):
        wait_until(
            lambda: market_recompute_interrupted_retry()["interrupted"] == 1,
            timeout=60,
            what="the killed run's lock to go",
        )
        wait_until(lambda: (Status.SUCCEEDED, "") in administrators_runs(), timeout=180, what="the administrator's run")
    assert administrators_runs() == [(Status.FAILED, INTERRUPTED), (Status.SUCCEEDED, "")]
    assert RecomputeRun.objects.get(is_current=True).trigger == Trigger.ADMIN
