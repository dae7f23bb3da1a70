"""The retention schedule: people's entries kept past TRUST_LOG_RETENTION_DAYS are put forward
for redaction, once; the sides still decide."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.conf import settings

from tests.trust.conftest import note_add
from trust.models import Entry, RedactionRequest, RedactionStatus
from trust.redaction import redaction_request_approve, redaction_request_decline, redaction_requests_by_retention
from trust.selectors import chain_verify
from trust.services import system_entry_record
from trust.tasks import redaction_requests_by_retention_task

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2033, 6, 1, 3, 0, tzinfo=datetime.UTC)


def written_days_ago(relationship, cast, days: int, text: str) -> Entry:
    with time_machine.travel(NOW - datetime.timedelta(days=days), tick=False):
        return note_add(relationship, cast, text)


@pytest.fixture
def old_and_new(relationship, cast, settings) -> tuple[Entry, Entry, Entry]:
    settings.TRUST_LOG_RETENTION_DAYS = 100
    older = written_days_ago(relationship, cast, 400, "First meeting booked.")  # a log is written in time order
    old = written_days_ago(relationship, cast, 101, "We met to agree the plan.")
    recent = written_days_ago(relationship, cast, 99, "Thank you for the quick reply.")
    return older, old, recent


def test_entries_past_retention_are_put_forward_oldest_first_and_once(relationship, old_and_new):
    older, old, recent = old_and_new

    assert redaction_requests_by_retention(now=NOW) == 2
    assert redaction_requests_by_retention(now=NOW) == 0  # a waiting request is not asked again

    requests = list(RedactionRequest.objects.order_by("pk"))
    assert [request.entry for request in requests] == [older, old]
    assert all(request.by_retention and request.status == RedactionStatus.PENDING for request in requests)
    assert requests[0].reason == "Entries are kept for 100 days (TRUST_LOG_RETENTION_DAYS); this one is older."
    assert not RedactionRequest.objects.filter(entry=recent).exists()
    assert chain_verify(relationship).ok  # asking changes no entry


def test_a_declined_request_is_not_asked_again_and_a_redacted_entry_is_left_alone(relationship, cast, old_and_new):
    older, old, _recent = old_and_new
    redaction_requests_by_retention(now=NOW)
    first, second = RedactionRequest.objects.order_by("pk")
    assert (first.entry, second.entry) == (older, old)
    redaction_request_decline(
        redaction=first, decided_by=cast.provider_p, organisation=cast.provider_organisation_p,
        reason="We still need this record of the first meeting.",
    )  # fmt: skip
    redaction_request_approve(
        redaction=second, decided_by=cast.provider_p, organisation=cast.provider_organisation_p,
        reason="Agreed: the plan is long superseded.", now=NOW,
    )  # fmt: skip

    assert redaction_requests_by_retention(now=NOW + datetime.timedelta(days=1)) == 0
    assert RedactionRequest.objects.count() == 2
    old.refresh_from_db()
    assert old.redacted
    assert chain_verify(relationship).ok


def test_the_services_own_entries_are_not_put_forward(relationship, cast, settings):
    settings.TRUST_LOG_RETENTION_DAYS = 1
    with time_machine.travel(NOW - datetime.timedelta(days=30), tick=False):
        system_entry_record(
            relationship=relationship, event="offer_made", body="Provider P offered a home.",
            author_organisation=cast.provider_organisation_p, event_key="offer_made:1",
        )  # fmt: skip

    assert redaction_requests_by_retention(now=NOW) == 0


def test_one_night_asks_about_a_batch_at_most(relationship, cast, settings):
    settings.TRUST_LOG_RETENTION_DAYS = 10
    settings.TRUST_LOG_RETENTION_BATCH = 2
    for days in (50, 40, 30):
        written_days_ago(relationship, cast, days, "A note from the visit.")

    assert redaction_requests_by_retention(now=NOW) == 2
    assert redaction_requests_by_retention(now=NOW) == 1


def test_the_nightly_task_asks_as_of_now(relationship, cast):
    days = settings.TRUST_LOG_RETENTION_DAYS
    written_days_ago(relationship, cast, days + 1, "A note from long ago.")
    with time_machine.travel(NOW, tick=False):
        assert redaction_requests_by_retention_task.delay().get(timeout=30) == {"requested": 1}
