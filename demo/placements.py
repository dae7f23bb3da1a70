"""Synthetic placements for the demo, so the cost dashboards have data. SYNTHETIC: not real.

Placements, offers and fees are not public, so the demo invents them across the real homes
of each year's Ofsted register, calibrated to published figures (DESIGN.md): an average
independent weekly price of about GBP 3,970 in 2018/19 rising to about GBP 6,100 by
2023-24; local-authority homes about 20% dearer on an equivalent basis; about two thirds of
children placed outside their own authority. Every placement is marked `is_synthetic`.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.db import transaction

from commissioning.models import Placement
from geography.models import LocalAuthority
from providers.models import HomeKind, HomeObservation, Sector

# Average independent weekly price by financial year (the year it starts).
INDEPENDENT_PRICE = {2018: 3970, 2019: 4250, 2020: 4600, 2021: 5000, 2022: 5550, 2023: 6100, 2024: 6450, 2025: 6800}
LOCAL_AUTHORITY_PREMIUM = 1.20
OUT_OF_AREA_SHARE = 2 / 3
# A fixed "today", so the demo is the same whichever day it is loaded.
DEMO_TODAY = datetime.date(2026, 11, 1)
# Of the weekly fee: core care, additional support, education, other.
FEE_SPLIT = (Decimal("0.80"), Decimal("0.10"), Decimal("0.08"), Decimal("0.02"))


def _homes_by_year() -> dict[int, list[tuple[int, int | None, str]]]:
    """(home id, local authority id, sector) of each children's home in each year's register.

    A register at 31 March Y describes the homes of the financial year starting in April Y.
    """
    rows = HomeObservation.objects.filter(home__kind=HomeKind.CHILDRENS_HOME).values_list(
        "as_of", "home_id", "local_authority_id", "sector"
    )
    by_year: dict[int, list[tuple[int, int | None, str]]] = defaultdict(list)
    for as_of, home_id, local_authority_id, sector in rows:
        by_year[as_of.year].append((home_id, local_authority_id, sector))
    return by_year


def weekly_fee(rng: random.Random, year: int, sector: str) -> Decimal:
    price = float(INDEPENDENT_PRICE.get(year, INDEPENDENT_PRICE[max(INDEPENDENT_PRICE)]))
    if sector == Sector.LOCAL_AUTHORITY:
        price *= LOCAL_AUTHORITY_PREMIUM
    # Prices vary widely with needs: a log-normal spread around the year's average.
    return Decimal(str(round(price * rng.lognormvariate(-0.03, 0.25), 2)))


def _placing_authority(rng: random.Random, home_authority: int | None, authorities: list[int]) -> int:
    if home_authority is not None and rng.random() >= OUT_OF_AREA_SHARE:
        return home_authority
    return rng.choice([authority for authority in authorities if authority != home_authority])


def _placement(rng: random.Random, year: int, home: tuple[int, int | None, str], authorities: list[int]) -> Placement:
    home_id, home_authority, sector = home
    start = datetime.date(year, 4, 1) + datetime.timedelta(days=rng.randrange(365))
    length = datetime.timedelta(days=int(rng.expovariate(1 / 240)) + 7)
    end = start + length if start + length < DEMO_TODAY else None
    fee = weekly_fee(rng, year, sector)
    core, additional, education = (fee * share for share in FEE_SPLIT[:3])
    parts = [part.quantize(Decimal("0.01")) for part in (core, additional, education)]
    return Placement(
        local_authority_id=_placing_authority(rng, home_authority, authorities),
        home_id=home_id,
        start_date=start,
        end_date=end,
        ended_as_planned=None if end is None else rng.random() < 0.7,
        weekly_fee_core=parts[0],
        weekly_fee_additional_support=parts[1],
        weekly_fee_education=parts[2],
        weekly_fee_other=fee - sum(parts),
        is_synthetic=True,
    )


@transaction.atomic
def synthetic_placements_create(*, per_year: int = 600, seed: int = 2025) -> int:
    """Create the demo's synthetic placements once; returns how many exist afterwards."""
    # Placements made through the synthetic referral journey (demo.journey) do not count here.
    standalone = Placement.objects.filter(is_synthetic=True, placement_request__isnull=True)
    if standalone.exists():
        return standalone.count()
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    authorities = list(LocalAuthority.objects.filter(is_current=True).values_list("pk", flat=True))
    placements = [
        _placement(rng, year, rng.choice(homes), authorities)
        for year, homes in sorted(_homes_by_year().items())
        for _ in range(per_year)
    ]
    Placement.objects.bulk_create(placements, batch_size=2000)
    return len(placements)
