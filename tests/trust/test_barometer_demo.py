"""The demo's sector barometer (ADR 28): `make run`'s seed gives Yorkshire and The Humber a line
over the past quarters, every synthetic pair involves a demo login's organisation, and loading
again writes no check-in twice."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q

from accounts.models import Organisation
from commissioning.events import journey_events_paused
from demo.homes import DEMO_PROVIDER_NAME
from demo.journey import demo_journey_load
from demo.services import demo_load
from demo.trust import demo_trust_load
from tests.demo.conftest import PASSWORD, clock_at, module_transaction, registry_create
from trust.barometer import TOO_FEW, Barometer, barometer_build
from trust.models import PulseCheckIn, Relationship

__all__ = ["clock_at", "module_transaction"]  # the demo modules' fixtures, loading once per module

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 26)
DEMO_CLOCK = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=ZoneInfo("Europe/London"))
YORKSHIRE = "E12000003"


@pytest.fixture(scope="module")
def loaded(module_transaction: None, clock_at: datetime.datetime) -> Barometer:
    registry_create()
    demo_load(password=PASSWORD)
    with journey_events_paused():
        demo_journey_load(referrals=48, sample=50, seed=7)
        demo_trust_load(today=TODAY)
    return barometer_build()


def test_yorkshire_has_a_line_over_the_past_five_quarters(loaded: Barometer):
    by_start = {quarter.start: quarter for quarter in loaded.quarters}
    past = [datetime.date(2025, 7, 1), datetime.date(2025, 10, 1)] + [
        datetime.date(2026, month, 1) for month in (1, 4, 7)
    ]

    assert [by_start[start].regions[YORKSHIRE].shown for start in past] == [True] * 5
    assert all(by_start[start].england.shown for start in past)
    averages = [average for start in past if (average := by_start[start].regions[YORKSHIRE].average) is not None]
    assert len(averages) == 5
    assert all(Decimal("1.0") <= average <= Decimal("5.0") for average in averages)
    assert min(averages) == averages[2] < averages[4]  # the dip, then the recovery
    # This quarter only the story's pair has answered: too few to show.
    assert by_start[datetime.date(2026, 10, 1)].england.hidden_because == TOO_FEW


def test_every_pair_with_check_ins_involves_a_demo_login_organisation(loaded: Barometer):
    leeds = Organisation.objects.get(name="Leeds City Council")
    provider = Organisation.objects.get(name=DEMO_PROVIDER_NAME)

    answered = Relationship.objects.filter(pulse_check_ins__isnull=False).distinct()

    assert answered.count() >= 10
    assert not answered.exclude(Q(local_authority=leeds) | Q(counterpart=provider)).exists()


def test_loading_again_writes_no_check_in_twice(loaded: Barometer):
    before = PulseCheckIn.objects.count()

    with journey_events_paused():
        demo_trust_load(today=TODAY)

    assert PulseCheckIn.objects.count() == before
