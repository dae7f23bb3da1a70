"""The trust log's tasks: registered with their limits, scheduled nightly, doing their work in
process and through a real Celery worker."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from commissioning import services
from config.celery import app as celery_app
from config.tasks import task_named
from outbox.models import OutboxMessage
from tests.commissioning.conftest import provider_of, referral_details
from tests.conftest import Cast
from tests.factories import HomeFactory
from tests.workers import real_worker
from trust import tasks as trust_tasks
from trust.models import Commitment, CommitmentStatus, Entry, EntryType, Relationship, RelationshipIndicators
from trust.selectors import chain_verify
from trust.services import trust_entry_add
from trust.tasks import (
    commitments_check_task,
    journey_event_record_task,
    relationship_indicators_recompute_task,
)


def _fire_times(schedule: Any, day: datetime.date) -> list[datetime.time]:
    """When beat sends a crontab's task on the day (in CELERY_TIMEZONE, London)."""
    if day.isoweekday() % 7 not in schedule.day_of_week or day.day not in schedule.day_of_month:
        return []
    if day.month not in schedule.month_of_year:
        return []
    return [datetime.time(hour, minute) for hour in sorted(schedule.hour) for minute in sorted(schedule.minute)]


def test_every_night_the_trust_log_is_brought_up_to_date_after_the_referrals():
    # A week that crosses a month and a year: Monday 28 December 2026 to Sunday 3 January 2027.
    # The nightly and daily jobs (the outbox's sweeps run every few minutes, on intervals).
    entries = {
        name: entry for name, entry in settings.CELERY_BEAT_SCHEDULE.items() if isinstance(entry["schedule"], crontab)
    }
    for offset in range(7):
        day = datetime.date(2026, 12, 28) + datetime.timedelta(days=offset)
        night = {name: _fire_times(entry["schedule"], day) for name, entry in entries.items()}
        assert all(len(times) == 1 for times in night.values()), (day, night)  # once a night, every night
        at = {name: times[0] for name, times in night.items()}
        # Expiry writes "deadline missed" journey events; the nightly sweep must see them.
        assert at["expire-placement-requests-daily"] < at["recompute-relationship-indicators-nightly"]
        # Commitments found missed tonight are counted in tonight's indicators.
        assert at["check-trust-commitments-nightly"] < at["recompute-relationship-indicators-nightly"]


def test_every_scheduled_task_exists():
    # A misspelt name in the schedule would be sent nightly and never run.
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert task_named(str(entry["task"])).name == entry["task"], name


def test_recording_a_journey_event_is_retried_three_times_on_a_lost_connection_then_fails(monkeypatch):
    calls: list[tuple[str, int]] = []

    def lost(*, kind: str, object_id: int) -> None:
        calls.append((kind, object_id))
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(trust_tasks, "journey_event_record", lost)
    # As a worker does: a retry is a new delivery, not an exception for the caller.
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)
    result = journey_event_record_task.apply(args=("invitation_sent", 7))

    assert calls == [("invitation_sent", 7)] * 4  # the first try and three retries
    assert result.state == "FAILURE"
    assert isinstance(result.result, OperationalError)


def test_a_fault_that_a_retry_cannot_mend_is_not_retried(monkeypatch):
    calls: list[int] = []

    def broken(*, kind: str, object_id: int) -> None:
        calls.append(object_id)
        raise ValueError("Unknown journey event")

    monkeypatch.setattr(trust_tasks, "journey_event_record", broken)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)
    result = journey_event_record_task.apply(args=("no_such_event", 7))

    assert calls == [7]
    assert result.state == "FAILURE"
    assert isinstance(result.result, ValueError)


def send_now(cast: Cast) -> None:
    """A referral from authority A to providers P and Q, sent now; its journey events are lost
    (a test's transaction never commits, so no subscriber hears of them)."""
    draft = services.placement_request_create(
        organisation=cast.local_authority_a, details=referral_details(cast), created_by=cast.commissioner_a
    )
    homes = [HomeFactory(provider_organisation=provider_of(organisation)) for organisation in (
        cast.provider_organisation_p, cast.provider_organisation_q
    )]  # fmt: skip
    services.placement_request_send(placement_request=draft, homes=homes, sent_by=cast.commissioner_a)


def test_the_indicators_task_first_records_lost_journey_events(cast: Cast):
    send_now(cast)
    assert not Relationship.objects.exists()

    result = relationship_indicators_recompute_task.delay().get(timeout=30)

    assert result == {"journey_events_recorded": 2, "relationships": 2}
    assert Entry.objects.count() == 4  # each log opened, each invitation recorded
    assert RelationshipIndicators.objects.count() == 2
    assert set(RelationshipIndicators.objects.values_list("provider_responses", flat=True)) == {0}


def test_the_commitments_task_checks_as_of_today(cast: Cast):
    relationship = Relationship.objects.create(
        local_authority=cast.local_authority_a, counterpart=cast.provider_organisation_p, created_via="local_authority"
    )
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for due in (yesterday, timezone.localdate() + datetime.timedelta(days=2)):
        trust_entry_add(
            relationship=relationship,
            entry_type=EntryType.COMMITMENT,
            author_organisation=cast.provider_organisation_p,
            author_user=cast.provider_p,
            body="We will send the updated statement of purpose.",
            payload={
                "what": f"Statement due {due}",
                "by_whom": "Registered manager",
                "owner_organisation": cast.provider_organisation_p.pk,
                "due_date": due.isoformat(),
            },
        )

    assert commitments_check_task.delay().get(timeout=30) == {"missed": 1, "reminded": 1}
    assert commitments_check_task.delay().get(timeout=30) == {"missed": 0, "reminded": 0}
    assert Commitment.objects.get(due_date=yesterday).status == CommitmentStatus.MISSED


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_records_a_journey_event_in_the_test_database(cast: Cast, monkeypatch):
    # The journey commits for real; its outbox messages are dropped undelivered, so that the
    # worker (whose start sends every pending message) does only the work asked of it here.
    monkeypatch.setattr("outbox.tasks.outbox_message_deliver", lambda **kwargs: False)
    send_now(cast)
    OutboxMessage.objects.all().delete()
    invitation = cast.provider_organisation_p.provider_organisation.referral_invitations.get()
    assert not Entry.objects.exists()
    with real_worker("test-trust") as queue:
        first = journey_event_record_task.apply_async(args=("invitation_sent", invitation.pk), queue=queue)
        entry_id = first.get(timeout=120)
        again = journey_event_record_task.apply_async(args=("invitation_sent", invitation.pk), queue=queue)
        assert again.get(timeout=60) is None  # idempotent across deliveries

    relationship = Relationship.objects.get()
    assert (relationship.local_authority, relationship.counterpart) == (
        cast.local_authority_a,
        cast.provider_organisation_p,
    )
    entries = list(Entry.objects.filter(relationship=relationship))
    assert [entry.payload["event"] for entry in entries] == ["relationship_opened", "invitation_sent"]
    assert entries[1].pk == entry_id
    assert chain_verify(relationship).ok
