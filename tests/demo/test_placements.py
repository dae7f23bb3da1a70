"""The demo's synthetic placements: calibrated, labelled, no child's data, created once."""

from __future__ import annotations

import datetime
import statistics

import pytest

from commissioning.models import Placement
from demo.placements import INDEPENDENT_PRICE, synthetic_placements_create
from providers.models import HomeObservation, ImportRun, Sector
from tests.factories import HomeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registers(reference_data):
    """40 homes in the 2019 and 2023 registers, a quarter of them run by councils."""
    registers_as_of = [datetime.date(2019, 3, 31), datetime.date(2023, 3, 31)]
    runs = [
        (as_of, ImportRun.objects.create(kind=ImportRun.Kind.OFSTED, source_name=f"{as_of}.csv", as_of=as_of))
        for as_of in registers_as_of
    ]
    for index in range(40):
        sector = Sector.LOCAL_AUTHORITY if index % 4 == 0 else Sector.PRIVATE
        home = HomeFactory(sector=sector)
        for as_of, run in runs:
            HomeObservation.objects.create(
                home=home,
                import_run=run,
                as_of=as_of,
                provision_type="Children's home",
                local_authority=home.local_authority,
                sector=sector,
                places=home.places,
            )


def test_fees_follow_the_published_prices_and_council_homes_cost_more(registers):
    assert synthetic_placements_create(per_year=400) == 800
    placements = list(Placement.objects.select_related("home"))
    assert all(placement.is_synthetic for placement in placements)
    for year in (2019, 2023):
        independent = [
            float(p.weekly_fee)
            for p in placements
            if p.start_date >= datetime.date(year, 4, 1)
            and p.start_date < datetime.date(year + 1, 4, 1)
            and p.home.sector == Sector.PRIVATE
        ]
        assert statistics.mean(independent) == pytest.approx(INDEPENDENT_PRICE[year], rel=0.06)
    council = statistics.median(float(p.weekly_fee) for p in placements if p.home.sector == Sector.LOCAL_AUTHORITY)
    private = statistics.median(float(p.weekly_fee) for p in placements if p.home.sector == Sector.PRIVATE)
    assert council / private == pytest.approx(1.2, rel=0.12)


def test_two_thirds_are_placed_out_of_area_and_fee_parts_add_up(registers):
    synthetic_placements_create(per_year=600)
    placements = list(Placement.objects.select_related("home"))
    out_of_area = sum(p.local_authority_id != p.home.local_authority_id for p in placements) / len(placements)
    assert out_of_area == pytest.approx(2 / 3, abs=0.05)
    for placement in placements[:50]:
        parts = (
            placement.weekly_fee_core,
            placement.weekly_fee_additional_support,
            placement.weekly_fee_education,
            placement.weekly_fee_other,
        )
        assert all(part >= 0 for part in parts)
        assert placement.weekly_fee == sum(parts)


def test_created_once(registers):
    first = synthetic_placements_create(per_year=50)
    assert synthetic_placements_create(per_year=50) == first == Placement.objects.count() == 100
