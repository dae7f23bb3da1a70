"""Children's details leave closed referrals after the retention period (DESIGN: data protection)."""

from __future__ import annotations

import datetime

import pytest

from commissioning import services
from commissioning.models import PlacementRequest
from tests.commissioning.conftest import Journey

pytestmark = pytest.mark.django_db


def _withdrawn(journey: Journey, on: datetime.datetime) -> PlacementRequest:
    journey.send()
    services.placement_request_withdraw(
        placement_request=journey.draft, reason="Staying with family.", withdrawn_by=journey.cast.commissioner_a, now=on
    )
    journey.draft.refresh_from_db()
    return journey.draft


def test_details_are_removed_after_the_retention_period_and_counts_kept(journey: Journey, settings):
    settings.REFERRAL_RETENTION_DAYS = 30
    closed_on = datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC)
    request = _withdrawn(journey, closed_on)
    assert request.needs.count() == 1

    assert services.placement_requests_purge(now=closed_on + datetime.timedelta(days=29)) == 0
    assert services.placement_requests_purge(now=closed_on + datetime.timedelta(days=31)) == 1

    request.refresh_from_db()
    assert request.summary == services.PURGED_SUMMARY
    assert (request.risks_to_child, request.risks_to_others, request.postcode_district) == ([], [], "")
    assert request.needs.count() == 0
    assert request.purged_at is not None
    # What anonymous counts need stays.
    assert (request.status, request.urgency, request.local_authority_id) == (
        PlacementRequest.Status.WITHDRAWN,
        journey.draft.urgency,
        journey.cast.local_authority_a.local_authority_id,
    )
    assert services.placement_requests_purge(now=closed_on + datetime.timedelta(days=400)) == 0  # once


def test_open_referrals_are_never_purged(journey: Journey, settings):
    settings.REFERRAL_RETENTION_DAYS = 1
    journey.send()
    assert services.placement_requests_purge(now=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)) == 0
    journey.draft.refresh_from_db()
    assert journey.draft.purged_at is None


def test_a_retried_email_task_announces_a_referral_once(journey: Journey, mailoutbox):
    from commissioning.tasks import invitation_email_send_task

    invitation = journey.send()[0]
    mailoutbox.clear()
    first = invitation_email_send_task(invitation.pk)
    assert first >= 1
    assert invitation_email_send_task(invitation.pk) == 0  # a retry finds it already announced
    assert len(mailoutbox) == first
