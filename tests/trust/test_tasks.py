"""The trust log's tasks: registered with their limits, scheduled nightly, doing their work in
process and through a real Celery worker."""

from __future__ import annotations

import datetime

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from commissioning import services
from config.celery import app as celery_app
from tests.commissioning.conftest import provider_of, referral_details
from tests.conftest import Cast
from tests.factories import HomeFactory
from tests.workers import real_worker
from trust.models import Commitment, CommitmentStatus, Entry, EntryType, Relationship, RelationshipIndicators
from trust.selectors import chain_verify
from trust.services import trust_entry_add
from trust.tasks import (
    commitments_check_task,
    journey_event_record_task,
    relationship_indicators_recompute_task,
)


def test_the_nightly_schedules_run_after_the_referral_tasks():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["check-trust-commitments-nightly"] == {
        "task": "trust.commitments_check_task",
        "schedule": crontab(minute="0", hour="1", day_of_month="*", month_of_year="*", day_of_week="*"),
    }
    assert schedule["recompute-relationship-indicators-nightly"] == {
        "task": "trust.relationship_indicators_recompute_task",
        "schedule": crontab(minute="30", hour="1", day_of_month="*", month_of_year="*", day_of_week="*"),
    }
    assert settings.TRUST_COMMITMENT_REMINDER_DAYS == 3


def test_the_tasks_are_registered_with_bounded_retries_and_time_limits():
    for task in (journey_event_record_task, commitments_check_task, relationship_indicators_recompute_task):
        assert task.name in celery_app.tasks
        assert task.soft_time_limit is not None
        assert task.time_limit is not None
        assert task.soft_time_limit < task.time_limit
    assert journey_event_record_task.max_retries == 3


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
    # The journey commits for real; its in-process delivery is dropped so the worker does the work.
    monkeypatch.setattr(journey_event_record_task, "delay", lambda *args: None)
    send_now(cast)
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
