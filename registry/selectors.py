"""Reads behind the public registry's home and provider pages and the homes API.

The data is public (Ofsted's register), so these reads are not scoped to a user; they still
start here so that every query the registry pages can trigger is in one place. Who owns a
home comes from the ownership app (ownership.pages caches the resolutions).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q, QuerySet

from ownership import selectors as ownership_selectors
from ownership.models import Entity
from ownership.pages import Resolution, today
from providers.models import Home, ImportRun, ProviderOrganisation
from registry.models import OfficialTotal

SIZE_BANDS: dict[str, tuple[int, int | None]] = {
    "1": (1, 1),
    "2-3": (2, 3),
    "4-5": (4, 5),
    "6-10": (6, 10),
    "11+": (11, None),
}


def providers_with_spellings() -> QuerySet[ProviderOrganisation]:
    return ProviderOrganisation.objects.prefetch_related("names")


def entity_of_provider(provider_organisation: ProviderOrganisation | None) -> Entity | None:
    """The ownership-graph entity of a registered provider, if the graph has one."""
    if provider_organisation is None:
        return None
    return Entity.objects.filter(provider_organisation=provider_organisation).first()


def home_resolution(home: Home) -> Resolution:
    """Who owns a home now, or, for a closed home, on its last day open (interests that ended
    on the closing day are no longer current on it)."""
    on = home.closed_on - datetime.timedelta(days=1) if home.closed_on else today()
    return ownership_selectors.ultimate_owner_of_home(home, on)


def all_homes() -> QuerySet[Home]:
    return Home.objects.select_related("local_authority", "local_authority__region", "provider_organisation")


def open_homes() -> QuerySet[Home]:
    return all_homes().filter(closed_on__isnull=True)


@dataclass(frozen=True)
class HomeFilters:
    query: str = ""
    local_authority: str = ""  # ONS code
    region: str = ""  # ONS code
    sector: str = ""
    kind: str = ""
    rating: str = ""
    size: str = ""  # a key of SIZE_BANDS
    owner_type: str = ""


def homes_matching(filters: HomeFilters, resolutions: dict[int, Resolution]) -> QuerySet[Home]:
    homes = open_homes()
    if filters.query:
        homes = homes.filter(
            Q(urn__iexact=filters.query)
            | Q(registered_owner_name__icontains=filters.query)
            | Q(provider_organisation__name__icontains=filters.query)
        )
    exact = {
        "local_authority__ons_code": filters.local_authority,
        "local_authority__region__ons_code": filters.region,
        "sector": filters.sector,
        "kind": filters.kind,
        "overall_judgement": filters.rating,
    }
    homes = homes.filter(**{lookup: value for lookup, value in exact.items() if value})
    if filters.size:
        lowest, highest = SIZE_BANDS[filters.size]
        homes = homes.filter(places__gte=lowest, **({"places__lte": highest} if highest else {}))
    if filters.owner_type:
        ids = [home_id for home_id, resolution in resolutions.items() if resolution.owner_type == filters.owner_type]
        homes = homes.filter(pk__in=ids)
    return homes.order_by("local_authority__name", "urn")


@dataclass(frozen=True)
class Edition:
    """One register edition: what it holds and lists, and Ofsted's official totals for its date.

    `register_homes` and `register_places` are the file's own "Children's home" rows and their
    places (None when the edition gives no places); `official_homes` and `official_places` are
    Ofsted's totals for the same date, when known, with their source. They differ when the
    file is not the whole register (`is_complete_register` False: e.g. 2023 lists the
    inspected homes only), so a change between dates compares like with like only when both
    editions list the same thing.
    """

    as_of: datetime.date
    source_file: str
    lists: str
    lists_source: str
    has_owner_names: bool
    has_places: bool
    is_complete_register: bool
    register_homes: int
    register_places: int | None
    official_homes: int | None
    official_places: int | None
    official_source: str
    official_source_date: datetime.date | None


def official_totals() -> dict[datetime.date, OfficialTotal]:
    """Ofsted's totals by date: the newest release's statement of each date wins, curated last."""
    chosen: dict[datetime.date, OfficialTotal] = {}
    for total in OfficialTotal.objects.order_by("as_of", F("source_date").desc(nulls_last=True), "source"):
        chosen.setdefault(total.as_of, total)
    return chosen


def official_totals_version() -> str:
    """Changes when Ofsted's totals are added or removed: pages built from them are kept until then
    (an import of a register changes the registry's state itself)."""
    found = OfficialTotal.objects.aggregate(latest=Max("pk"), count=Count("pk"))
    return f"{found['latest']}-{found['count']}"


def register_editions() -> dict[datetime.date, Edition]:
    """Every imported register date's edition (its latest successful import), oldest first."""
    runs = ImportRun.objects.filter(
        kind=ImportRun.Kind.OFSTED, status=ImportRun.Status.SUCCEEDED, as_of__isnull=False
    ).order_by("as_of", "-finished_at", "-pk")
    totals = official_totals()
    editions: dict[datetime.date, Edition] = {}
    for run in runs:
        if run.as_of is None or run.as_of in editions:
            continue
        official = totals.get(run.as_of)
        editions[run.as_of] = Edition(
            as_of=run.as_of,
            source_file=run.source_name,
            lists=run.lists,
            lists_source=run.lists_source,
            has_owner_names=bool(run.has_owner_names),
            has_places=bool(run.has_places),
            is_complete_register=run.is_complete_register is not False,
            register_homes=int(run.summary.get("children_homes", 0)),
            register_places=run.summary.get("places") if run.has_places else None,
            official_homes=official.homes if official else None,
            official_places=official.places if official else None,
            official_source=official.source if official else "",
            official_source_date=official.source_date if official else None,
        )
    return editions
