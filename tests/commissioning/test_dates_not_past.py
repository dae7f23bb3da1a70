"""A referral's start-by date and an offer's start date cannot be a day already gone (issue 16:
"Enter a start date in the future"), with the message at the field."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from commissioning.forms import OfferForm, PlacementRequestForm
from providers.models import Home

TODAY = datetime.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC), tick=False):
        yield


def _date(day: datetime.date, prefix: str) -> dict[str, str]:
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


@pytest.mark.parametrize(("day", "error"), [(TODAY - datetime.timedelta(days=1), True), (TODAY, False)])
def test_a_referral_cannot_start_by_a_day_gone(day: datetime.date, error: bool) -> None:
    form = PlacementRequestForm(data=_date(day, "start_by"))
    form.is_valid()

    said = list(form.errors.get("start_by", []))
    assert (said == ["Enter a start-by date that is today or in the future"]) is error


@pytest.mark.django_db
def test_an_offer_cannot_start_on_a_day_gone() -> None:
    form = OfferForm(data=_date(TODAY - datetime.timedelta(days=3), "start_date"), homes=Home.objects.none())
    form.is_valid()

    assert form.errors["start_date"] == ["Enter a start date that is today or in the future"]
