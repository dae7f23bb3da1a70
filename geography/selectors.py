"""Reads of geography reference data (public facts, visible to every signed-in user)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Min, Q, QuerySet

from geography.models import LocalAuthority, Region


def regions() -> QuerySet[Region]:
    return Region.objects.order_by("ons_code")


def current_local_authorities() -> QuerySet[LocalAuthority]:
    return LocalAuthority.objects.filter(is_current=True).select_related("region").order_by("name")


def local_authorities_all() -> QuerySet[LocalAuthority]:
    """Every authority, current and historic: importers match the names of either."""
    return LocalAuthority.objects.order_by("ons_code")


@dataclass(frozen=True)
class PlacedAuthority:
    """An authority with its map position (British National Grid metres) and its region."""

    ons_code: str
    name: str
    region: str
    easting: int
    northing: int


def authorities_in_being_on(day: datetime.date) -> list[PlacedAuthority]:
    """The authorities that existed on a day, with a position: those not yet ended, less those
    formed later (an authority formed by a reorganisation begins when its predecessors end)."""
    authorities = (
        LocalAuthority.objects.filter(easting__isnull=False, northing__isnull=False)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        .annotate(formed_on=Min("predecessors__ended_on"))
        .filter(Q(formed_on__isnull=True) | Q(formed_on__lte=day))
        .select_related("region")
        .order_by("ons_code")
    )
    return [
        PlacedAuthority(a.ons_code, a.name, a.region.name, a.easting, a.northing)
        for a in authorities
        if a.easting is not None and a.northing is not None
    ]
