"""Tasks are sent only after the transaction commits, eagerly without Redis and through a
real Celery worker with it."""

from __future__ import annotations

import contextlib

import pytest
from django.db import transaction
from django.utils import timezone

from config.celery import app as celery_app
from config.tasks import UnknownTaskError, ping_task, schedule_task
from outbox.models import OutboxMessage
from outbox.services import outbox_message_deliver
from tests.workers import real_worker


@pytest.mark.django_db(transaction=True)
def test_schedule_task_runs_after_commit_and_not_after_rollback(monkeypatch):
    sent: list[tuple[object, ...]] = []
    monkeypatch.setattr(ping_task, "run", lambda *args: sent.append(args))
    with transaction.atomic():
        schedule_task("config.ping_task", "kept")
        assert sent == []  # nothing leaves before the commit
        assert OutboxMessage.objects.get().delivered_at is None  # the work is a row of the transaction
    assert sent == [("kept",)]
    assert OutboxMessage.objects.get().delivered_at is not None
    with contextlib.suppress(RuntimeError), transaction.atomic():
        schedule_task("config.ping_task", "rolled back")
        raise RuntimeError("abort")
    assert sent == [("kept",)]
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_task_name_nobody_registered_fails_the_service_before_its_commit():
    with pytest.raises(UnknownTaskError, match=r"No Celery task is named 'config.pign_task'"), transaction.atomic():
        schedule_task("config.pign_task", "typo")


def test_without_redis_tasks_run_in_process():
    assert ping_task.delay("here").get(timeout=5) == "pong:here"


@pytest.mark.services
def test_a_real_worker_answers_through_redis():
    with real_worker("test", with_database=False) as queue:
        result = ping_task.apply_async(args=("through-redis",), queue=queue)
        assert result.get(timeout=60) == "pong:through-redis"


def test_every_task_can_be_sent():
    # Celery refuses to send a task whose soft limit exceeds its hard limit; this once
    # stopped every invitation e-mail.
    # Every app's tasks.py, as a worker imports them at start (a test run alone may not have).
    celery_app.loader.import_default_modules()
    ours = {name: task for name, task in celery_app.tasks.items() if not name.startswith("celery.")}
    assert {"config.ping_task", "accounts.invitation_email_send_task"} <= set(ours)
    for name, task in ours.items():
        hard = task.time_limit or celery_app.conf.task_time_limit
        soft = task.soft_time_limit or celery_app.conf.task_soft_time_limit
        assert soft is None or hard is None or soft <= hard, name


@pytest.mark.django_db(transaction=True)
def test_a_task_failing_after_commit_is_recorded_not_raised_and_tried_again(monkeypatch, caplog):
    def broken(*args):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(ping_task, "run", broken)
    with transaction.atomic():
        schedule_task("config.ping_task", "fails")  # the commit succeeds; the person sees no error

    message = OutboxMessage.objects.get()
    assert (message.delivered_at, message.failures, message.last_error) == (None, 1, "ConnectionRefusedError")
    assert message.next_attempt_at > timezone.now()  # backs off before the sweep tries again
    assert f"Outbox message {message.pk} (config.ping_task) failed" in caplog.text
    monkeypatch.undo()
    assert outbox_message_deliver(message_id=message.pk) is True
    assert outbox_message_deliver(message_id=message.pk) is False  # done once, never again
