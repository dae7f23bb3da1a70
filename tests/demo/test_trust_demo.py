"""The demo relationship's log: the story of Leeds City Council and the demo provider written
through the trust services, interleaved in time order with the service's entries for the demo
logins' referrals; a chain that verifies; something live for each login; loading again writes
nothing."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Organisation, User
from commissioning.events import journey_events_paused
from commissioning.models import PlacementRequest
from demo.homes import DEMO_PROVIDER_NAME
from demo.journey import demo_journey_load
from demo.services import demo_load
from demo.trust import demo_trust_load
from tests.demo.conftest import PASSWORD, registry_create
from trust.commitments import commitments_check
from trust.indicators import DEFINITIONS, relationship_indicators_recompute_all
from trust.models import CommitmentStatus, Entry, EntryType, Relationship, RestorativeStage
from trust.selectors import chain_verify, restorative_stages

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 26)
# The story's recent fortnight is dated back from today, and its indicators (days since the
# last dialogue, the oldest open concern) are counted to now: both are pinned to this moment.
DEMO_CLOCK = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture(scope="module")
def loaded(module_transaction, clock_at) -> Relationship:
    """The demo and its trust story on a small registry, loaded once for the module."""
    assert clock_at.date() == TODAY
    registry_create()
    demo_load(password=PASSWORD)
    with journey_events_paused():
        demo_journey_load(referrals=48, sample=50, seed=7)
        demo_trust_load(today=TODAY)
    commitments_check(today=TODAY)
    relationship_indicators_recompute_all()
    return Relationship.objects.get(local_authority__name="Leeds City Council", counterpart__name=DEMO_PROVIDER_NAME)


def test_the_story_is_one_verifying_chain_in_time_order(loaded):
    report = chain_verify(loaded)
    entries = list(loaded.entries.order_by("sequence"))
    assert report.ok
    assert report.entries_checked == len(entries)
    assert [entry.created_at for entry in entries] == sorted(entry.created_at for entry in entries)
    assert entries[0].payload["event"] == "relationship_opened"
    written = {entry.entry_type for entry in entries}
    assert written == set(EntryType.values), set(EntryType.values) - written


def test_one_restorative_case_is_closed_and_one_waits_for_its_review(loaded):
    closed, open_case = loaded.restorative_cases.order_by("opened_at")
    assert closed.closed_at is not None
    assert open_case.closed_at is None
    stages = restorative_stages(open_case)
    assert [stage.stage for stage in stages if stage.entry is not None] == [
        RestorativeStage.CONCERN_RAISED,
        RestorativeStage.REPLY,
        RestorativeStage.CONVERSATION_HELD,
        RestorativeStage.AGREEMENT,
    ]
    assert all(stage.entry is not None for stage in restorative_stages(closed))


def test_commitments_are_kept_missed_overdue_and_due(loaded):
    commitments = {commitment.what: commitment for commitment in loaded.commitments.all()}
    assert {what: commitment.status for what, commitment in commitments.items()} == {
        "Share the updated statement of purpose for all eight homes": CommitmentStatus.KEPT,
        "Send the impact risk assessment with every referral": CommitmentStatus.MISSED,
        # Past due with no update: the nightly check recorded it missed, in the log.
        "Book the quarterly visits to the three Leeds homes": CommitmentStatus.MISSED,
        "Publish the weekend on-call rota for emergency enquiries": CommitmentStatus.OPEN,
    }
    assert loaded.entries.filter(structured__event="commitment_missed").count() == 1
    assert commitments["Publish the weekend on-call rota for emergency enquiries"].reminded_for == TODAY + (
        datetime.timedelta(days=2)
    )


def test_the_indicators_are_computed_with_their_pulse_trend(loaded):
    indicators = loaded.indicators
    assert (indicators.commitments_kept, indicators.commitments_missed, indicators.commitments_open) == (1, 2, 1)
    assert (indicators.open_concerns, indicators.oldest_open_concern_days) == (1, 14)
    assert indicators.days_since_dialogue == 6
    assert [point["quarter_start"] for point in indicators.pulse_trend] == [
        "2026-01-01", "2026-01-01", "2026-04-01", "2026-04-01", "2026-07-01", "2026-07-01", "2026-10-01",
    ]  # fmt: skip


def test_only_the_demo_logins_organisations_have_logs(loaded):
    leeds = Organisation.objects.get(name="Leeds City Council")
    provider = Organisation.objects.get(name=DEMO_PROVIDER_NAME)
    assert Relationship.objects.exclude(Q(local_authority=leeds) | Q(counterpart=provider)).count() == 0
    assert Relationship.objects.count() > 1


def test_no_entry_carries_a_referral_summary(loaded):
    summaries = list(PlacementRequest.objects.values_list("summary", flat=True))
    for entry in Entry.objects.all():
        text = f"{entry.body} {entry.payload}"
        assert not any(summary and summary in text for summary in summaries), entry


@pytest.mark.parametrize("email", ["commissioner@example.org", "provider@example.org"])
def test_both_demo_logins_keep_the_log_in_the_browser(loaded, email, settings):
    settings.REQUIRE_MFA = False
    client = Client()
    client.force_login(User.objects.get(email=email))
    page = client.get(reverse("trust:relationship", kwargs={"pk": loaded.pk}))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Harbour House Homes (demo)" in text
    assert "Leeds City Council" in text
    assert escape(DEFINITIONS["days_since_dialogue"]) in text


def test_loading_again_writes_nothing(loaded):
    before = Entry.objects.count()
    with journey_events_paused():
        again = demo_trust_load(today=TODAY)
    assert (again.entries, again.story_written) == (0, False)
    assert Entry.objects.count() == before
