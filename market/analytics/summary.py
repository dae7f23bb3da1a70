"""Reads for the recompute_market and market_summary commands (the dashboards' reads are in
market.analytics.selectors)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from market.models import MarketSnapshot, RecomputeRun


class NoSnapshotError(LookupError):
    """No current run, or no snapshot of the market asked for; the message says which."""


@dataclass(frozen=True)
class MarketQuery:
    as_of: datetime.date
    geography_code: str
    basis: str
    level: str
    include_local_authority: bool


def market_snapshot_current(query: MarketQuery) -> MarketSnapshot:
    """The current run's snapshot of one market, or NoSnapshotError saying what is missing."""
    run = RecomputeRun.objects.filter(is_current=True).first()
    if run is None:
        raise NoSnapshotError("No market recompute has succeeded yet: run `python manage.py recompute_market`.")
    snapshot = MarketSnapshot.objects.filter(
        run=run,
        as_of=query.as_of,
        geography_code=query.geography_code,
        basis=query.basis,
        level=query.level,
        include_local_authority=query.include_local_authority,
    ).first()
    if snapshot is None:
        dates = sorted(set(MarketSnapshot.objects.filter(run=run).values_list("as_of", flat=True)))
        raise NoSnapshotError(
            f"No snapshot for {query.geography_code} on {query.as_of.isoformat()} ({query.basis}, {query.level}, "
            f"local-authority homes {'in' if query.include_local_authority else 'out'}) in run {run.pk}. "
            f"Dates: {', '.join(day.isoformat() for day in dates) or 'none'}; an area with no homes has no snapshot."
        )
    return snapshot


def market_snapshot_summary(snapshot: MarketSnapshot) -> dict[str, Any]:
    """The snapshot's figures as printed by market_summary --json."""
    return {
        "run": snapshot.run_id,
        "as_of": snapshot.as_of.isoformat(),
        "geography_code": snapshot.geography_code,
        "geography_name": snapshot.geography_name,
        "geography_level": snapshot.geography_level,
        "basis": snapshot.basis,
        "level": snapshot.level,
        "include_local_authority": snapshot.include_local_authority,
        "homes": snapshot.homes,
        "units": snapshot.units,
        "owners": snapshot.owners,
        "hhi": snapshot.hhi,
        "cr4": snapshot.cr4,
        "cr10": snapshot.cr10,
        "coverage_homes": snapshot.coverage_homes,
        "coverage_places": snapshot.coverage_places,
        "links_oldest": snapshot.links_oldest.isoformat() if snapshot.links_oldest else None,
        "links_newest": snapshot.links_newest.isoformat() if snapshot.links_newest else None,
        **snapshot.figures,
    }
