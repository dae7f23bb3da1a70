"""The outbox: work written with the write, delivered once, sent again by the sweep, and a
request that never waits on a broker that does not answer (ADR 22)."""

from __future__ import annotations

import datetime
import socket
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from config.tasks import ping_task, schedule_task
from outbox import services
from outbox.models import OutboxMessage
from outbox.sealing import call_open, call_seal
from outbox.services import outbox_message_deliver, outbox_messages_purge, outbox_sweep
from tests.faults.conftest import sending_through


@pytest.fixture
def pings(monkeypatch) -> list[str]:
    done: list[str] = []
    monkeypatch.setattr(ping_task, "run", lambda value: done.append(value))
    return done


def closed_port() -> int:
    """A local port nothing listens on: a broker that refuses at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.django_db(transaction=True)
def test_a_message_is_done_once_however_often_it_is_delivered(pings):
    with transaction.atomic():
        schedule_task("config.ping_task", "once")
    message = OutboxMessage.objects.get()
    assert pings == ["once"]
    assert outbox_message_deliver(message_id=message.pk) is False
    assert outbox_message_deliver(message_id=message.pk) is False
    assert pings == ["once"]


@pytest.mark.django_db(transaction=True)
def test_sending_to_a_broker_that_refuses_neither_raises_nor_waits(pings):
    dead = f"redis://127.0.0.1:{closed_port()}/0"
    with sending_through(dead, "celery"):
        started = time.monotonic()
        with transaction.atomic():
            schedule_task("config.ping_task", "during the outage")
        elapsed = time.monotonic() - started
    assert elapsed < 3, elapsed
    message = OutboxMessage.objects.get()
    assert message.delivered_at is None  # kept for the sweep
    assert pings == []


@pytest.mark.django_db(transaction=True)
def test_the_sweep_sends_what_is_due_and_stops_when_the_broker_refuses(pings, monkeypatch):
    with monkeypatch.context() as outage:
        outage.setattr(services, "outbox_message_publish", lambda message_id: False)
        with transaction.atomic():
            schedule_task("config.ping_task", "a")
            schedule_task("config.ping_task", "b")
        assert outbox_sweep() == 0  # not yet due: the commit's own send may still be on its way
        assert outbox_sweep(everything=True) == 0  # the broker refuses
    assert OutboxMessage.objects.filter(sends=0).count() == 2

    assert outbox_sweep(everything=True) == 2
    assert pings == ["a", "b"]
    assert list(OutboxMessage.objects.filter(delivered_at__isnull=True)) == []
    assert outbox_sweep(everything=True) == 0
    assert pings == ["a", "b"]


@pytest.mark.django_db(transaction=True)
def test_a_sent_message_not_yet_delivered_is_sent_again_later_not_at_once(monkeypatch):
    monkeypatch.setattr(services, "outbox_message_deliver", lambda message_id: False)  # a worker that died
    monkeypatch.setattr("outbox.tasks.outbox_message_deliver", lambda message_id: False)
    with transaction.atomic():
        schedule_task("config.ping_task", "slow")
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert outbox_sweep() == 1
    message = OutboxMessage.objects.get()
    assert message.sends == 1
    assert message.next_attempt_at > timezone.now() + datetime.timedelta(minutes=4)
    assert outbox_sweep() == 0


@pytest.mark.django_db
def test_delivered_messages_are_forgotten_after_their_retention(settings):
    now = timezone.now()
    old = OutboxMessage.objects.create(task_name="config.ping_task", delivered_at=now - datetime.timedelta(days=8))
    recent = OutboxMessage.objects.create(task_name="config.ping_task", delivered_at=now - datetime.timedelta(days=6))
    pending = OutboxMessage.objects.create(task_name="config.ping_task", created_at=now - datetime.timedelta(days=30))
    settings.OUTBOX_RETENTION_DAYS = 7
    assert outbox_messages_purge() == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}
    assert not OutboxMessage.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_delivered_invitation_e_mail_leaves_no_link_in_the_database(cast, mailoutbox):
    from accounts.models import MembershipRole
    from accounts.services import invitation_create

    with transaction.atomic():
        _, token = invitation_create(
            organisation=cast.local_authority_a,
            email="new.person@example.org",
            role=MembershipRole.MEMBER,
            invited_by=cast.commissioner_a,
        )
    assert token in mailoutbox[0].body  # the e-mail carries the link
    message = OutboxMessage.objects.get(task_name="accounts.invitation_email_send_task")
    assert message.delivered_at is not None
    assert message.sealed_call == ""


@pytest.mark.django_db(transaction=True)
def test_an_invitation_e_mail_waiting_for_the_broker_keeps_its_link_sealed(cast, monkeypatch):
    from accounts.models import MembershipRole
    from accounts.services import invitation_create

    monkeypatch.setattr(services, "outbox_message_publish", lambda message_id: False)  # Redis is down
    with transaction.atomic():
        _, token = invitation_create(
            organisation=cast.local_authority_a,
            email="new.person@example.org",
            role=MembershipRole.MEMBER,
            invited_by=cast.commissioner_a,
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM outbox_outboxmessage")
        stored = repr(cursor.fetchall())
    assert token not in stored  # a reader of the database cannot use the link
    message = OutboxMessage.objects.get()
    args, _ = call_open(message.sealed_call)
    assert token in args[1]  # the relay can


def test_arguments_sealed_under_a_previous_key_still_open(settings):
    sealed = call_seal([1, "two"], {"three": 3})
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-rotated-key-" + "r" * 50
    assert call_open(sealed) == ([1, "two"], {"three": 3})
    assert call_seal([1], {}) != call_seal([1], {})  # each sealing is fresh
