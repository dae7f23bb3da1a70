"""Writing, delivering and sweeping the outbox (ADR 22).

A service's after-commit work is written as an OutboxMessage in the service's own transaction
(`outbox_message_add`, called by config.tasks.schedule_task). After the commit the relay task is
sent to the broker, quickly and without waiting for a result; if Redis is down the message simply
waits for the sweep. The relay runs the message's task inside a transaction that holds the
message's row lock and marks it delivered, so a task whose effect is a database write happens
exactly once, however often the message is sent; a worker killed or a connection cut mid-way
rolls back and leaves the message for the sweep.
"""

from __future__ import annotations

import datetime
import importlib
import logging
import time
from collections.abc import Callable
from typing import Any

from celery.app.task import Task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from config.celery import app as celery_app
from outbox.beat import periodic_task_names
from outbox.models import OutboxMessage
from outbox.sealing import call_open, call_seal

logger = logging.getLogger(__name__)

RELAY_TASK = "outbox.message_deliver_task"
# Long jobs that keep their own run records, locks and transactions (a recompute holds the
# snapshots for minutes), and every periodic job: the relay hands them to the broker instead of
# running them in its transaction; they are idempotent, so a second delivery does no harm.
HANDED_OFF = frozenset({"market.recompute_market_task"})
# The commit's own send normally delivers a message at once; the sweep waits this long first.
FIRST_SWEEP_AFTER = datetime.timedelta(seconds=60)
# A message sent but not yet delivered (the worker busy, or the message lost with a killed
# worker) is sent again this long after; extra sends find it delivered and do nothing.
RESEND_AFTER = datetime.timedelta(minutes=5)
MAX_FAILURE_BACKOFF = datetime.timedelta(hours=1)
# Seconds a process leaves the broker alone after failing to send to it (the sweep catches up).
BROKER_RETRY_AFTER = 15.0
_broker_down_until = [0.0]


class UnknownTaskError(LookupError):
    """No task of that name is registered: a typo in a service, caught when it schedules."""


def task_named(name: str) -> Task:
    """The registered task called `name`, importing every app's tasks.py first, as a worker
    does at start, when the web process has not needed them yet."""
    if name not in celery_app.tasks:
        # Only the tasks modules: Celery's own import_default_modules would also run Django's
        # system checks (its Django fix-up validates the models), seconds of a web request's
        # time the first time each process schedules a task.
        for module in celery_app.conf.include:
            importlib.import_module(module)
        autodiscover_modules("tasks")
    try:
        return celery_app.tasks[name]
    except KeyError:
        raise UnknownTaskError(f"No Celery task is named {name!r}.") from None


def outbox_message_add(*, task_name: str, args: list[Any], kwargs: dict[str, Any]) -> OutboxMessage:
    """Write the work in the current transaction; send it to the relay once that commits."""
    task_named(task_name)  # before the commit, so a wrong name fails the service, loudly
    now = timezone.now()
    message = OutboxMessage.objects.create(
        task_name=task_name,
        sealed_call=call_seal(args, kwargs),
        created_at=now,
        next_attempt_at=now + FIRST_SWEEP_AFTER,
    )
    transaction.on_commit(_publisher(message.pk))
    return message


def _publisher(message_id: int) -> Callable[[], None]:
    # Named, so that Django names the callback if it ever logs one.
    def publish() -> None:
        outbox_message_publish(message_id)

    publish.__qualname__ = f"outbox message {message_id}"
    return publish


def outbox_message_publish(message_id: int) -> bool:
    """Send the relay task for one message; False when the broker did not take it. Never raises
    and never waits for a result: the person's action has committed, and the sweep sends again.
    After a failure the broker is not asked for BROKER_RETRY_AFTER seconds, so that while Redis
    hangs one request in that time pays the timeout, not every one."""
    through_broker = not celery_app.conf.task_always_eager  # in-process, no broker to leave alone
    if through_broker and time.monotonic() < _broker_down_until[0]:
        return False
    try:
        task_named(RELAY_TASK).apply_async((message_id,), ignore_result=True, retry=False)
    except Exception:  # any broker failure (or, in-process, the task's own) waits for the sweep
        logger.warning("Outbox message %s was not sent now; the sweep will send it", message_id, exc_info=True)
        if through_broker:
            _broker_down_until[0] = time.monotonic() + BROKER_RETRY_AFTER
        return False
    return True


def outbox_broker_forget_failure() -> None:
    """Ask the broker again at the next send (for a process that knows it is back: tests)."""
    _broker_down_until[0] = 0.0


def outbox_message_deliver(*, message_id: int) -> bool:
    """Do the message's work once: True when this call did it; False when it was already done,
    another worker is doing it, or it failed (recorded, and tried again later)."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, delivered_at__isnull=True)
            .first()
        )
        if message is None:
            return False
        try:
            with transaction.atomic():
                _effect(message)
        except (OperationalError, InterfaceError):
            # The connection is gone (terminated, or the server restarted): nothing can be
            # recorded, and the rollback leaves the message for the sweep.
            raise
        except Exception as error:  # noqa: BLE001 - the task's own failure, recorded on the message
            _failure_record(message, error)
            return False
        # A delivered message keeps its task's name and times, not its arguments.
        message.delivered_at = timezone.now()
        message.sealed_call = ""
        message.save(update_fields=["delivered_at", "sealed_call"])
    return True


def _effect(message: OutboxMessage) -> None:
    task = task_named(message.task_name)
    args, kwargs = call_open(message.sealed_call)
    if message.task_name not in HANDED_OFF | periodic_task_names():
        task(*args, **kwargs)
        return

    def hand_off() -> None:
        task.delay(*args, **kwargs)

    if celery_app.conf.task_always_eager:
        # In-process, sending runs the whole job: after our commit, never inside our transaction.
        transaction.on_commit(hand_off)
    else:
        hand_off()


def _failure_record(message: OutboxMessage, error: Exception) -> None:
    # The exception's type only: a message may carry a database error's detail, which can quote
    # a row, and children's data never goes into a log or an admin page.
    logger.exception("Outbox message %s (%s) failed", message.pk, message.task_name)
    message.failures += 1
    message.last_error = type(error).__qualname__
    backoff = min(datetime.timedelta(minutes=2**message.failures), MAX_FAILURE_BACKOFF)
    message.next_attempt_at = timezone.now() + backoff
    message.save(update_fields=["failures", "last_error", "next_attempt_at"])


def outbox_sweep(*, everything: bool = False, limit: int = 1000) -> int:
    """Send again the undelivered messages whose next attempt is due (every one with
    `everything`, as at a worker's start); how many the broker took. Stops at the first refusal:
    the broker is down and the next sweep tries again."""
    now = timezone.now()
    pending = OutboxMessage.objects.filter(delivered_at__isnull=True)
    if not everything:
        pending = pending.filter(next_attempt_at__lte=now)
    message_ids = list(pending.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    sent: list[int] = []
    for message_id in message_ids:
        if not outbox_message_publish(message_id):
            break
        sent.append(message_id)
    OutboxMessage.objects.filter(pk__in=sent, delivered_at__isnull=True).update(
        sends=F("sends") + 1, next_attempt_at=now + RESEND_AFTER
    )
    return len(sent)


def outbox_messages_purge(*, limit: int = 5000) -> int:
    """Forget delivered messages older than OUTBOX_RETENTION_DAYS; how many."""
    cutoff = timezone.now() - datetime.timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    old = OutboxMessage.objects.filter(delivered_at__lt=cutoff).order_by("pk").values_list("pk", flat=True)[:limit]
    deleted, _ = OutboxMessage.objects.filter(pk__in=list(old)).delete()
    return deleted
