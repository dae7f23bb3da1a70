"""Nothing lost, nothing duplicated, nothing blocked: Redis stopped and restarted, a worker
SIGKILLed mid-task and database connections terminated mid-task (issue 13, ADR 22).

Each test sends a referral (two e-mails to the providers' people and two trust-log journey
events, four outbox messages), injects its fault, lets workers and the sweep recover, and then
asserts every e-mail went out once and every journey event was recorded once."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg2
import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from commissioning import views
from commissioning.matching import Candidate
from commissioning.models import Invitation
from outbox.models import OutboxMessage
from outbox.services import outbox_sweep
from tests.commissioning.conftest import Journey
from tests.commissioning.sending import confirmation
from tests.faults.conftest import SpareRedis, emails_sent, fallback_cache, sending_through, wait_until, worker
from tests.workers import database_url_of_tests
from trust.models import Entry

pytestmark = [pytest.mark.faults, pytest.mark.services, pytest.mark.django_db(transaction=True)]

SENT = ["commissioning.invitation_email_send_task"] * 2 + ["trust.journey_event_record_task"] * 2


def pending() -> list[str]:
    return sorted(OutboxMessage.objects.filter(delivered_at__isnull=True).values_list("task_name", flat=True))


def assert_everything_happened_once(journey: Journey, mail_directory: Path) -> None:
    cast = journey.cast
    assert pending() == []
    assert sorted(message["To"] for message in emails_sent(mail_directory)) == sorted(
        [cast.provider_p.email, cast.provider_q.email]
    )
    assert Invitation.objects.filter(email_sent_at__isnull=True).count() == 0
    events = [
        entry.payload["event_key"] for entry in Entry.objects.all() if entry.payload.get("event") == "invitation_sent"
    ]
    assert sorted(events) == sorted(f"invitation_sent:{invitation.pk}" for invitation in Invitation.objects.all())


def sweeping(url: str, queue: str) -> None:
    """What beat's minute-by-minute sweep does, asked for now."""
    with sending_through(url, queue):
        outbox_sweep(everything=True)


def test_with_redis_stopped_sending_answers_at_once_and_the_e_mails_go_out_once_after_it(
    journey: Journey, client, spare_redis: SpareRedis, queue: str, mail_directory: Path, monkeypatch
):
    homes = [journey.home_p1, journey.home_q]
    candidates = [Candidate(home, home.provider_organisation, 5.0, 3, []) for home in homes]
    monkeypatch.setattr(views, "_candidates", lambda referral: candidates)
    spare_redis.stop()
    with sending_through(spare_redis.url, queue), override_settings(CACHES=fallback_cache(spare_redis.url)):
        client.force_login(journey.cast.commissioner_a)
        url = reverse("commissioning:referral_preview", args=[journey.draft.pk])
        page = client.get(url).content.decode()  # check your answers, then send
        started = time.monotonic()
        response = client.post(url, confirmation(page, {"homes": [str(home.pk) for home in homes]}))
        elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 5, f"sending took {elapsed:.1f}s with Redis stopped"
    assert pending() == SENT  # kept for the sweep

    # Redis returns and beat's sweep sends the messages, but Redis stops again before any worker
    # takes them: its queue is lost with it. Then it returns, and a worker starts.
    spare_redis.start()
    sweeping(spare_redis.url, queue)
    spare_redis.stop()
    spare_redis.start()
    with worker(spare_redis.url, queue, mail_directory):
        wait_until(lambda: pending() == [], timeout=120, what="the outage's messages to be delivered")
        sweeping(spare_redis.url, queue)  # a later sweep finds nothing to do
        time.sleep(2)
    assert_everything_happened_once(journey, mail_directory)


def hold(invitation: Invitation) -> psycopg2.extensions.connection:
    """Lock the invitation's row from another connection, so that the e-mail task, which locks
    it, waits mid-way: inside its outbox transaction, before the e-mail is sent."""
    holder = psycopg2.connect(database_url_of_tests())
    with holder.cursor() as cursor:
        cursor.execute("SELECT id FROM commissioning_invitation WHERE id = %s FOR UPDATE", [invitation.pk])
    return holder


def waiting_on_the_lock() -> list[int]:
    """The process ids of the database sessions waiting on a row lock (the worker's task)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_worker_killed_mid_task_leaves_the_e_mail_to_the_next_worker_which_sends_it_once(
    journey: Journey, spare_redis: SpareRedis, queue: str, mail_directory: Path
):
    with sending_through(spare_redis.url, queue):
        journey.send()
    holder = hold(journey.invitation("p"))
    with worker(spare_redis.url, queue, mail_directory) as first:
        wait_until(lambda: len(waiting_on_the_lock()) == 1, timeout=120, what="the e-mail task to wait on the row")
        first.kill()
    holder.rollback()
    holder.close()
    assert "commissioning.invitation_email_send_task" in pending()
    assert all(message["To"] != journey.cast.provider_p.email for message in emails_sent(mail_directory))

    with worker(spare_redis.url, queue, mail_directory):
        wait_until(
            lambda: pending() == [],
            timeout=120,
            what="the killed worker's message to be delivered",
            every=lambda: sweeping(spare_redis.url, queue),
        )
    assert_everything_happened_once(journey, mail_directory)


def test_connections_terminated_mid_task_lose_and_duplicate_nothing(
    journey: Journey, spare_redis: SpareRedis, queue: str, mail_directory: Path
):
    with sending_through(spare_redis.url, queue):
        journey.send()
    holder = hold(journey.invitation("p"))
    with worker(spare_redis.url, queue, mail_directory):
        wait_until(lambda: len(waiting_on_the_lock()) == 1, timeout=120, what="the e-mail task to wait on the row")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [waiting_on_the_lock()[0]])
        holder.rollback()
        holder.close()
        wait_until(
            lambda: pending() == [],
            timeout=120,
            what="the cut-off message to be delivered",
            every=lambda: sweeping(spare_redis.url, queue),
        )
    assert_everything_happened_once(journey, mail_directory)
