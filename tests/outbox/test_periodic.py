"""Beat catches up: a nightly job missed while beat, Redis or the workers were down runs once
more, and only once (ADR 22)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab

from outbox.models import OutboxMessage, PeriodicJob
from outbox.periodic import periodic_job_sent, periodic_job_succeeded, periodic_jobs_catch_up

LONDON = ZoneInfo("Europe/London")
NIGHTLY = {"nightly-ping": {"task": "config.ping_task", "schedule": crontab(minute="0", hour="2"), "args": ["night"]}}


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def nightly(settings, monkeypatch) -> list[str]:
    """One nightly job whose runs are counted (in-process, as the outbox hands it over)."""
    from config.tasks import ping_task

    settings.CELERY_BEAT_SCHEDULE = NIGHTLY
    runs: list[str] = []
    monkeypatch.setattr(ping_task, "run", lambda value: runs.append(value))
    return runs


def caught_up() -> list[str]:
    return list(OutboxMessage.objects.values_list("task_name", flat=True))


@pytest.mark.django_db
def test_a_job_first_seen_is_recorded_not_run(nightly, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert periodic_jobs_catch_up(now=at(4, 13)) == []
    assert PeriodicJob.objects.get().first_seen_at == at(4, 13)
    assert nightly == []


@pytest.mark.django_db
def test_a_night_beat_missed_is_run_once_at_its_next_look(nightly, django_capture_on_commit_callbacks):
    PeriodicJob.objects.create(name="nightly-ping", first_seen_at=at(1, 12), last_success_at=at(3, 2, 5))
    with django_capture_on_commit_callbacks(execute=True):
        assert periodic_jobs_catch_up(now=at(4, 1, 59)) == []  # tonight's run is not due yet
        assert periodic_jobs_catch_up(now=at(4, 2, 1)) == []  # beat is sending it now
        assert periodic_jobs_catch_up(now=at(4, 6)) == ["nightly-ping"]  # 02:00 came and went unsent
        assert periodic_jobs_catch_up(now=at(4, 6, 10)) == []  # once
    assert caught_up() == ["config.ping_task"]
    assert nightly == ["night"]
    assert PeriodicJob.objects.get().last_caught_up_at == at(4, 6)


@pytest.mark.django_db
def test_a_run_sent_but_never_finished_is_sent_again_after_its_time_limit(nightly, time_machine):
    PeriodicJob.objects.create(name="nightly-ping", first_seen_at=at(1, 12), last_success_at=at(3, 2, 5))
    time_machine.move_to(at(4, 2, 0), tick=False)
    periodic_job_sent(task_name="config.ping_task")  # beat sent it; the worker then died
    assert periodic_jobs_catch_up(now=at(4, 2, 5)) == []  # ping's limit is 30 s, plus ten minutes' grace
    assert periodic_jobs_catch_up(now=at(4, 2, 11)) == ["nightly-ping"]
    assert len(caught_up()) == 1


@pytest.mark.django_db
def test_a_run_that_succeeded_is_not_caught_up(nightly, time_machine):
    PeriodicJob.objects.create(name="nightly-ping", first_seen_at=at(1, 12), last_success_at=at(3, 2, 5))
    time_machine.move_to(at(4, 2, 0), tick=False)
    periodic_job_sent(task_name="config.ping_task")
    time_machine.move_to(at(4, 2, 20), tick=False)
    periodic_job_succeeded(task_name="config.ping_task")
    assert periodic_jobs_catch_up(now=at(4, 23)) == []
    assert caught_up() == []


@pytest.mark.django_db
def test_a_worker_records_each_periodic_job_s_success(time_machine):
    from trust.tasks import commitments_check_task

    time_machine.move_to(at(4, 1, 0), tick=False)
    commitments_check_task.delay()  # through Celery's tracer, as a worker runs it
    assert list(PeriodicJob.objects.values_list("name", "last_success_at")) == [
        ("check-trust-commitments-nightly", at(4, 1, 0))
    ]
