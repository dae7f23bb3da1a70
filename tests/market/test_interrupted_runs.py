"""A recompute whose process died never stays "running": whoever next holds the lock records
it failed as interrupted, and an administrator's or an import's run is asked for again, a few
times at most (issue 13 part 4, ADR 22)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg2
import pytest

from market.analytics.recompute import INTERRUPTED, LOCK_KEY, market_recompute
from market.models import RecomputeRun
from market.scheduling import MAX_INTERRUPTED_ATTEMPTS, market_recompute_interrupted_retry
from tests.workers import database_url_of_tests

pytestmark = pytest.mark.django_db(transaction=True)

Status = RecomputeRun.Status
Trigger = RecomputeRun.Trigger


def left_running(trigger: str) -> RecomputeRun:
    """What a worker killed mid-run leaves: a RUNNING run, and no lock (it went with the worker)."""
    return RecomputeRun.objects.create(trigger=trigger, status=Status.RUNNING, progress="dates 3/7")


@pytest.fixture
def run_going() -> Iterator[None]:
    """Another session holds the recompute lock, as a run that is going does."""
    holder = psycopg2.connect(database_url_of_tests())
    holder.autocommit = True
    with holder.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
    yield
    holder.close()


def test_an_administrator_s_interrupted_run_is_recorded_failed_and_asked_for_again(reference_data):
    killed = left_running(Trigger.ADMIN)

    assert market_recompute_interrupted_retry() == {"interrupted": 1, "retried": 1}

    killed.refresh_from_db()
    assert (killed.status, killed.error) == (Status.FAILED, INTERRUPTED)
    assert killed.finished_at is not None
    again = RecomputeRun.objects.exclude(pk=killed.pk).get()
    assert (again.trigger, again.status) == (Trigger.ADMIN, Status.SUCCEEDED)
    assert not RecomputeRun.objects.filter(status=Status.RUNNING).exists()


def test_an_interrupted_nightly_run_is_recorded_failed_and_left_for_tomorrow_night():
    killed = left_running(Trigger.SCHEDULE)
    assert market_recompute_interrupted_retry() == {"interrupted": 1, "retried": 0}
    assert list(RecomputeRun.objects.values_list("pk", "status")) == [(killed.pk, Status.FAILED)]


def test_a_run_that_is_going_is_left_alone(run_going):
    going = left_running(Trigger.ADMIN)
    assert market_recompute_interrupted_retry() == {"interrupted": 0, "retried": 0}
    going.refresh_from_db()
    assert (going.status, going.error) == (Status.RUNNING, "")


def test_a_run_interrupted_again_and_again_is_not_asked_for_forever():
    for _ in range(MAX_INTERRUPTED_ATTEMPTS - 1):
        RecomputeRun.objects.create(trigger=Trigger.ADMIN, status=Status.FAILED, error=INTERRUPTED)
    left_running(Trigger.ADMIN)
    assert market_recompute_interrupted_retry() == {"interrupted": 1, "retried": 0}
    assert RecomputeRun.objects.count() == MAX_INTERRUPTED_ATTEMPTS


def test_the_next_run_records_what_a_dead_process_left_running(reference_data):
    killed = left_running(Trigger.SCHEDULE)
    run = market_recompute(trigger=Trigger.COMMAND)
    killed.refresh_from_db()
    assert (killed.status, killed.error, run.status) == (Status.FAILED, INTERRUPTED, Status.SUCCEEDED)
