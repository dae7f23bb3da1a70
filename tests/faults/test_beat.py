"""Beat catches up: a daily job whose run fell in an outage runs once when beat starts again,
through a real beat and a real worker, and its success is recorded (issue 13 part 3)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import IdempotencyKey
from outbox.models import PeriodicJob
from tests.faults.conftest import SpareRedis, wait_until, worker

JOB = "purge-idempotency-keys-daily"

pytestmark = [pytest.mark.faults, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_daily_job_missed_in_an_outage_runs_once_when_beat_starts(
    cast, spare_redis: SpareRedis, queue: str, mail_directory: Path, tmp_path: Path
):
    now = timezone.now()
    two_days_ago = now - datetime.timedelta(days=2)
    # The idempotency keys' purge last succeeded two days ago: yesterday's run was missed.
    PeriodicJob.objects.create(name=JOB, first_seen_at=two_days_ago, last_success_at=two_days_ago)
    old = two_days_ago - datetime.timedelta(days=30)
    stale = IdempotencyKey.objects.create(
        user=cast.commissioner_a, key="k" * 32, scope="t", fingerprint="f", created_at=old
    )
    beat = ["beat", "--schedule", str(tmp_path / "celerybeat-schedule")]
    with worker(spare_redis.url, queue, mail_directory), worker(spare_redis.url, queue, mail_directory, beat):
        wait_until(
            lambda: PeriodicJob.objects.get(name=JOB).last_success_at != two_days_ago,
            timeout=120,
            what="the missed purge to run",
        )
    job = PeriodicJob.objects.get(name=JOB)
    assert job.last_caught_up_at is not None
    assert job.last_success_at is not None
    assert job.last_success_at > job.last_caught_up_at >= now
    assert not IdempotencyKey.objects.filter(pk=stale.pk).exists()
    # Every other job was first seen now: recorded, not run at once.
    others = PeriodicJob.objects.exclude(name=JOB)
    assert others.exists()
    assert list(others.filter(last_caught_up_at__isnull=False)) == []
