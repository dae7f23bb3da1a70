"""Market and cost snapshots made directly, so dashboard tests need no recompute.

`market_over_time` writes a small but complete market: England, one region and two of its
authorities on two dates, for both bases, in the layout `MarketSnapshot.figures` documents.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from market.models import (
    ENGLAND_CODE,
    CostSnapshot,
    GeographyLevel,
    MarketBasis,
    MarketSnapshot,
    OwnerLevel,
    RecomputeRun,
)

FIRST = datetime.date(2023, 3, 31)
LATEST = datetime.date(2024, 3, 31)
NORTH_EAST = "E12000001"
NEWCASTLE = "E08000021"
SUNDERLAND = "E08000024"


class RecomputeRunFactory(factory.django.DjangoModelFactory[RecomputeRun]):
    class Meta:
        model = RecomputeRun

    status = RecomputeRun.Status.SUCCEEDED
    started_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(minutes=5))
    finished_at = factory.LazyFunction(timezone.now)
    is_current = True


def top_owners(count: int, units: int) -> list[dict[str, Any]]:
    """Owners with 10, 9, 8... units (at least 1), and their share of `units`."""
    kinds = ["private_investment", "private_corporate", "voluntary", "local_authority", "private_individual"]
    return [
        {
            "name": f"Owner {rank} Limited",
            "owner_type": kinds[rank % len(kinds)],
            "entity_id": None,
            "provider_organisation_id": None,
            "units": max(1, 11 - rank),
            "share": round(100 * max(1, 11 - rank) / units, 2),
        }
        for rank in range(1, count + 1)
    ]


def market_figures(units: int, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "owners_for_25_percent": 3,
        "owners_for_50_percent": 9,
        "owner_type_shares": {
            "private_investment": 36.5,
            "private_corporate": 30.25,
            "private_individual": 12.0,
            "voluntary": 6.25,
            "local_authority": 15.0,
        },
        "size_bands": {
            "1": {"owners": 40, "units": 160, "share": 16.0},
            "2-5": {"owners": 30, "units": 240, "share": 24.0},
            "6-20": {"owners": 12, "units": 300, "share": 30.0},
            "21+": {"owners": 3, "units": 300, "share": 30.0},
        },
        "top_owners": top_owners(20, units),
        "change_since_previous": previous,
        "change_since_first": previous,
    }


class MarketSnapshotFactory(factory.django.DjangoModelFactory[MarketSnapshot]):
    class Meta:
        model = MarketSnapshot

    run = factory.SubFactory(RecomputeRunFactory)
    as_of = LATEST
    geography_level = GeographyLevel.ENGLAND
    geography_code = ENGLAND_CODE
    geography_name = "England"
    basis = MarketBasis.PLACES
    level = OwnerLevel.ULTIMATE
    include_local_authority = True
    homes = 250
    units = 1000
    owners = 85
    hhi = 412.5
    cr4 = 21.75
    cr10 = 38.5
    coverage_homes = 96.5
    coverage_places = 97.25
    links_oldest = datetime.date(2022, 6, 30)
    links_newest = datetime.date(2023, 3, 31)
    figures = factory.LazyAttribute(lambda snapshot: market_figures(snapshot.units))


AREAS = [
    # code, level, name, homes, places, hhi, cr4
    (ENGLAND_CODE, GeographyLevel.ENGLAND, "England", 250, 1000, 412.5, 21.75),
    (NORTH_EAST, GeographyLevel.REGION, "North East", 40, 160, 980.0, 44.0),
    (NEWCASTLE, GeographyLevel.LOCAL_AUTHORITY, "Newcastle upon Tyne", 12, 50, 2210.0, 71.0),
    (SUNDERLAND, GeographyLevel.LOCAL_AUTHORITY, "Sunderland", 9, 30, 1530.0, 62.5),
]


def market_over_time(run: RecomputeRun | None = None, level: str = OwnerLevel.ULTIMATE) -> RecomputeRun:
    """Every area of AREAS on FIRST and LATEST, both bases, with local-authority homes."""
    run = run or RecomputeRunFactory()
    for code, geography_level, name, homes, places, hhi, cr4 in AREAS:
        for basis, units in [(MarketBasis.PLACES, places), (MarketBasis.HOMES, homes)]:
            common = {
                "run": run,
                "geography_code": code,
                "geography_level": geography_level,
                "geography_name": name,
                "basis": basis,
                "level": level,
            }
            earlier_homes = homes * 24 // 25  # a year ago: 4% fewer homes, 20 fewer places
            earlier = units - 20 if basis == MarketBasis.PLACES else earlier_homes
            MarketSnapshotFactory(
                **common, as_of=FIRST, homes=earlier_homes, units=earlier, hhi=hhi - 12.5, cr4=cr4 - 1
            )
            change = {"as_of": FIRST.isoformat(), "units": units - earlier, "owners": -2, "hhi": 12.5, "cr4": 1.0}
            MarketSnapshotFactory(
                **common,
                as_of=LATEST,
                homes=homes,
                units=units,
                hhi=hhi,
                cr4=cr4,
                figures=market_figures(units, change),
            )
    return run


class CostSnapshotFactory(factory.django.DjangoModelFactory[CostSnapshot]):
    class Meta:
        model = CostSnapshot

    run = factory.SubFactory(RecomputeRunFactory)
    financial_year = 2024
    group_kind = "owner_type"
    group_value = "private_investment"
    placements = 42
    suppressed = False
    median_weekly_fee: Decimal | None = Decimal("6120.00")
    lower_quartile: Decimal | None = Decimal("5200.50")
    upper_quartile: Decimal | None = Decimal("7350.00")
    synthetic = True


class SuppressedCostSnapshotFactory(CostSnapshotFactory):
    """A group of fewer than 5 placements: the figures are never stored."""

    placements = 3
    suppressed = True
    median_weekly_fee = None
    lower_quartile = None
    upper_quartile = None
