"""Reads of the market and cost snapshots for the public dashboards.

Dashboards read only the current recompute run's snapshots (never homes or placements), so
every figure on a page comes from one consistent set written in one transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, QuerySet

from geography.models import LocalAuthority, Region
from market.models import (
    ENGLAND_CODE,
    CostSnapshot,
    GeographyLevel,
    MarketBasis,
    MarketSnapshot,
    OwnerLevel,
    RecomputeRun,
)
from ownership.models import HomeOwnershipCorrection, Interest
from providers.models import ImportRun
from registry.models import OfficialTotal


@dataclass(frozen=True)
class MarketOptions:
    """Which market a dashboard shows: whose shares, counted how, with councils' homes or not."""

    level: str = OwnerLevel.ULTIMATE
    basis: str = MarketBasis.PLACES
    include_local_authority: bool = True

    def on_places(self) -> MarketOptions:
        return replace(self, basis=MarketBasis.PLACES)

    def on_homes(self) -> MarketOptions:
        return replace(self, basis=MarketBasis.HOMES)


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: str  # a GeographyLevel


@dataclass(frozen=True)
class GridPosition:
    easting: int
    northing: int


def current_run() -> RecomputeRun | None:
    return RecomputeRun.objects.filter(is_current=True).first()


def _market(run: RecomputeRun, options: MarketOptions) -> QuerySet[MarketSnapshot]:
    return MarketSnapshot.objects.filter(
        run=run, level=options.level, basis=options.basis, include_local_authority=options.include_local_authority
    )


def snapshot_dates(run: RecomputeRun, options: MarketOptions) -> list[datetime.date]:
    """The dates of the England snapshots, oldest first."""
    dates = _market(run, options).filter(geography_code=ENGLAND_CODE).values_list("as_of", flat=True)
    return sorted(dates)


def area_dates(run: RecomputeRun, options: MarketOptions, code: str) -> list[datetime.date]:
    """The dates the run holds one area's market for, oldest first."""
    return sorted(_market(run, options).filter(geography_code=code).values_list("as_of", flat=True))


def area_series(
    run: RecomputeRun, options: MarketOptions, code: str, *, until: datetime.date | None = None
) -> list[MarketSnapshot]:
    """One area's snapshots over time, oldest first (England's code for England), up to and
    including `until` when given (the market as it stood on a chosen date)."""
    snapshots = _market(run, options).filter(geography_code=code)
    if until is not None:
        snapshots = snapshots.filter(as_of__lte=until)
    return list(snapshots.order_by("as_of"))


def areas_on(
    run: RecomputeRun, options: MarketOptions, geography_level: str, as_of: datetime.date
) -> list[MarketSnapshot]:
    """Every region's or local authority's snapshot on one date, by name."""
    return list(_market(run, options).filter(geography_level=geography_level, as_of=as_of).order_by("geography_name"))


def authorities_of_region_on(
    run: RecomputeRun, options: MarketOptions, region_code: str, as_of: datetime.date
) -> list[MarketSnapshot]:
    codes = set(LocalAuthority.objects.filter(region__ons_code=region_code).values_list("ons_code", flat=True))
    authorities = areas_on(run, options, GeographyLevel.LOCAL_AUTHORITY, as_of)
    return [snapshot for snapshot in authorities if snapshot.geography_code in codes]


def area_named(code: str) -> Area | None:
    """England, a region or a local authority (current or historic) by its ONS code."""
    if code == ENGLAND_CODE:
        return Area(code, "England", GeographyLevel.ENGLAND)
    region = Region.objects.filter(ons_code=code).first()
    if region is not None:
        return Area(code, region.name, GeographyLevel.REGION)
    authority = LocalAuthority.objects.filter(ons_code=code).first()
    if authority is not None:
        return Area(code, authority.name, GeographyLevel.LOCAL_AUTHORITY)
    return None


def authority_positions() -> dict[str, GridPosition]:
    """Map positions (British National Grid metres) of every authority that has one."""
    rows = LocalAuthority.objects.filter(easting__isnull=False, northing__isnull=False).values_list(
        "ons_code", "easting", "northing"
    )
    return {code: GridPosition(easting, northing) for code, easting, northing in rows if easting and northing}


def cost_snapshots(run: RecomputeRun, *, until: datetime.date | None = None) -> list[CostSnapshot]:
    """The run's fees by group and financial year; with `until`, only the financial years that
    had begun by then (a year starts on 1 April)."""
    costs = CostSnapshot.objects.filter(run=run)
    if until is not None:
        costs = costs.filter(financial_year__lte=until.year if until.month >= 4 else until.year - 1)
    return list(costs.order_by("group_kind", "group_value", "financial_year"))


def run_dates(run: RecomputeRun) -> list[datetime.date]:
    """Every date the run holds a market snapshot for, in any market, oldest first."""
    dates = MarketSnapshot.objects.filter(run=run).order_by("as_of").values_list("as_of", flat=True).distinct()
    return list(dates)


def run_geography_codes(run: RecomputeRun) -> set[str]:
    """The code of every area (England, a region, an authority) the run holds a snapshot of."""
    codes = MarketSnapshot.objects.filter(run=run).order_by().values_list("geography_code", flat=True).distinct()
    return set(codes)


# ---------------------------------------------------------------- the method page


@dataclass(frozen=True)
class LinkSource:
    """One source of ownership links: how many, and the dates it stated them."""

    source: str
    links: int
    oldest: datetime.date | None
    newest: datetime.date | None


@dataclass(frozen=True)
class ImportedFile:
    kind: str  # ImportRun.Kind's label
    name: str
    as_of: datetime.date | None


@dataclass(frozen=True)
class MethodFacts:
    """What the method page says that the data decides, read from the data and the settings."""

    registers: list[tuple[datetime.date, Any]]  # date, its Edition (has_owner_names, has_places, name)
    link_sources: list[LinkSource]
    imports: list[ImportedFile]
    psc_snapshot_on: datetime.date | None
    official_sources: list[str]  # Ofsted's official totals: each source, with its release date
    corrections: int
    links_max_age_days: int
    coverage_threshold: float
    run: RecomputeRun | None


def _link_sources() -> list[LinkSource]:
    rows = (
        Interest.objects.values("source")
        .annotate(links=Count("pk"), oldest=Min("observed_on"), newest=Max("observed_on"))
        .order_by("source")
    )
    return [
        LinkSource(row["source"] or "(no source named)", row["links"], row["oldest"], row["newest"]) for row in rows
    ]


def _imports() -> list[ImportedFile]:
    runs = ImportRun.objects.filter(status=ImportRun.Status.SUCCEEDED).order_by("kind", "as_of", "source_name")
    latest: dict[tuple[str, str], ImportedFile] = {}
    for run in runs:  # each file once, at its latest import
        latest[(run.kind, run.source_name)] = ImportedFile(run.get_kind_display(), run.source_name, run.as_of)
    return list(latest.values())


def _official_sources() -> list[str]:
    sources = {
        f"{total.source} (released {total.source_date.day} {total.source_date:%B %Y})"
        if total.source_date
        else total.source
        for total in OfficialTotal.objects.all()
    }
    return sorted(sources)


def method_facts() -> MethodFacts:
    from market.analytics.inputs import register_editions  # the recompute's own reading of editions

    psc = ImportRun.objects.filter(kind=ImportRun.Kind.PSC, status=ImportRun.Status.SUCCEEDED).aggregate(
        newest=Max("as_of")
    )
    return MethodFacts(
        registers=sorted(register_editions().items()),
        link_sources=_link_sources(),
        imports=_imports(),
        psc_snapshot_on=psc["newest"],
        official_sources=_official_sources(),
        corrections=HomeOwnershipCorrection.objects.count(),
        links_max_age_days=settings.OWNERSHIP_LINKS_MAX_AGE_DAYS,
        coverage_threshold=MarketSnapshot.COVERAGE_THRESHOLD,
        run=current_run(),
    )
