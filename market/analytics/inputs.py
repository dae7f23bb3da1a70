"""What the market and cost analytics read, as pandas frames.

The market is England's children's homes of the provision type "Children's home" only, as
each Ofsted register says on its date: an observation counts when its provision type,
normalised (case, apostrophes, spacing), is "children's home". Secure children's homes and
residential special schools registered as children's homes are left out: they are commissioned
differently and published research leaves them out of market shares too.

Owners of a home on a date, at three levels:

- registered: the owner's name exactly as that register gives it, upper-cased and trimmed
  (two spellings of one company are two owners; a blank name is one owner, "no name given",
  as a researcher grouping the file by that column would count it);
- provider: the provider organisation the importer matched that name to (all spellings one
  organisation); a home without one is keyed by its name, or by its URN when unnamed;
- ultimate: the ultimate owner entity, on that date, of the provider organisation the
  register names (ownership.selectors.ultimate_owners_of_providers); a home whose ultimate
  owner is unknown (no entity, or a control cycle) counts as its own owner, keyed as at the
  provider level.

The owner type of a home, at every level, is its ultimate owner resolution's on that date.

A home's owner is *known* on a date (it counts toward coverage) when its resolution's owner type
is established (Resolution.is_known) by evidence dated no more than
settings.OWNERSHIP_LINKS_MAX_AGE_DAYS before the date (evidence dated after it is not older,
so it counts). `evidence_day` is that evidence's date as a proleptic ordinal (NaN when none).
"""

from __future__ import annotations

import bisect
import datetime
from dataclasses import replace
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
from django.conf import settings
from django.db.models import Count, Q

from commissioning.models import Placement
from geography.models import LocalAuthority, Region
from market.analytics.market import Edition
from market.models import ENGLAND_CODE
from ownership.models import Interest, OwnerType
from ownership.selectors import Resolution, corrected_resolutions, ultimate_owners_of_providers
from providers.models import HomeKind, HomeObservation, ProviderOrganisation, Sector
from registry import selectors as registry_selectors
from registry.importers.ofsted_rows import home_kind

NO_NAME = "(no name given)"

_OBSERVATION_FIELDS = {
    "home_id": "home_id",
    "home__urn": "urn",
    "provision_type": "provision_type",
    "sector": "sector",
    "places": "places",
    "registered_owner_name": "registered_owner_name",
    "provider_organisation_id": "provider_organisation_id",
    "local_authority__ons_code": "local_authority_code",
    "local_authority__region__ons_code": "region_code",
}
_PLACEMENT_FIELDS = {
    "pk": "placement_id",
    "start_date": "start_date",
    "weekly_fee_core": "core",
    "weekly_fee_additional_support": "additional_support",
    "weekly_fee_education": "education",
    "weekly_fee_other": "other",
    "is_synthetic": "is_synthetic",
    "home__urn": "urn",
    "home__sector": "sector",
    "home__provider_organisation_id": "provider_organisation_id",
    "home__local_authority__region__ons_code": "region_code",
}


def snapshot_dates() -> list[datetime.date]:
    """Every date a register was imported for, oldest first."""
    return list(HomeObservation.objects.order_by("as_of").values_list("as_of", flat=True).distinct())


def geography_names() -> dict[str, str]:
    """ONS code -> name for England, the regions and every local authority (current or not)."""
    names = {ENGLAND_CODE: "England"}
    names.update(Region.objects.values_list("ons_code", "name"))
    names.update(LocalAuthority.objects.values_list("ons_code", "name"))
    return names


def provider_names() -> dict[int, str]:
    return dict(ProviderOrganisation.objects.values_list("pk", "name"))


def _is_childrens_home(provision_types: pd.Series) -> pd.Series:
    kinds = {value: home_kind(value) for value in provision_types.unique()}
    return provision_types.map(kinds) == HomeKind.CHILDRENS_HOME


def observations_frame(as_of: datetime.date) -> pd.DataFrame:
    """The market's homes as the register of `as_of` describes them, by URN."""
    rows = HomeObservation.objects.filter(as_of=as_of).values_list(*_OBSERVATION_FIELDS)
    frame = pd.DataFrame.from_records(list(rows), columns=list(_OBSERVATION_FIELDS.values()))
    frame = frame[_is_childrens_home(frame["provision_type"])].drop(columns="provision_type")
    frame["provider_organisation_id"] = frame["provider_organisation_id"].astype("Int64")
    frame["places"] = frame["places"].astype("Int64").fillna(0).astype("int64")
    frame["is_local_authority"] = frame["sector"] == Sector.LOCAL_AUTHORITY
    return frame.drop(columns="sector").sort_values("urn", ignore_index=True)


def is_fresh(evidence_on: datetime.date | None, as_of: datetime.date) -> bool:
    """Whether evidence of `evidence_on` is recent enough to count toward coverage on `as_of`."""
    if evidence_on is None:
        return False
    return (as_of - evidence_on).days <= settings.OWNERSHIP_LINKS_MAX_AGE_DAYS


def _evidence_day(resolution: Resolution) -> float:
    return float(resolution.evidence_on.toordinal()) if resolution.evidence_on is not None else float("nan")


def _resolutions_by(key: str, resolutions: dict[Any, Resolution], as_of: datetime.date) -> pd.DataFrame:
    """One row per resolution, keyed by `key` (a provider organisation id, or a home's URN)."""
    records = [
        (
            key_value,
            resolution.owner.pk if resolution.owner is not None else None,
            resolution.owner.name if resolution.owner is not None else None,
            resolution.owner_type,
            resolution.is_known and is_fresh(resolution.evidence_on, as_of),
            _evidence_day(resolution),
        )
        for key_value, resolution in resolutions.items()
    ]
    columns = [key, "entity_id", "entity_name", "owner_type", "owner_known", "evidence_day"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["entity_id"] = frame["entity_id"].astype("Int64")
    return frame


def _resolutions_frame(resolutions: dict[int, Resolution], as_of: datetime.date) -> pd.DataFrame:
    frame = _resolutions_by("provider_organisation_id", resolutions, as_of)
    frame["provider_organisation_id"] = frame["provider_organisation_id"].astype("Int64")
    return frame


def _owner_keys(frame: pd.DataFrame, names_of_providers: dict[int, str]) -> pd.DataFrame:
    """The registered, provider and ultimate owner key and name of every home (see module doc)."""
    named = frame["registered_owner_name"].fillna("").str.strip().str.upper()
    has_provider = frame["provider_organisation_id"].notna()
    has_entity = frame["entity_id"].notna()
    fallback_key = ("r:" + named).where(named != "", "h:" + frame["urn"])
    fallback_name = named.where(named != "", "Children's home " + frame["urn"] + " (owner not named)")
    provider_ids = frame["provider_organisation_id"]
    frame["registered_key"] = "r:" + named
    frame["registered_name"] = named.where(named != "", NO_NAME)
    frame["provider_key"] = ("p:" + provider_ids.astype("string")).where(has_provider, fallback_key)
    # As objects: on a register naming no owners every id is missing, and an all-missing Int64
    # map would stay Int64 and refuse the names put in its place.
    frame["provider_name"] = provider_ids.astype(object).map(names_of_providers).where(has_provider, fallback_name)
    frame["ultimate_key"] = ("e:" + frame["entity_id"].astype("string")).where(has_entity, frame["provider_key"])
    frame["ultimate_name"] = frame["entity_name"].where(has_entity, frame["provider_name"])
    frame["ultimate_provider_organisation_id"] = provider_ids.where(~has_entity)
    return frame.drop(columns=["registered_owner_name", "entity_name"])


def _corrections_apply(frame: pd.DataFrame, as_of: datetime.date) -> pd.DataFrame:
    """The researcher's corrections of single homes (ownership.selectors.corrected_resolutions)
    over the provider-level owners: a home's owner type, and its owner where the company match
    was wrong."""
    providers = frame["provider_organisation_id"].astype(object).where(frame["provider_organisation_id"].notna(), None)
    corrected = corrected_resolutions(as_of, zip(frame["urn"], providers, strict=True))
    if not corrected:
        return frame
    # One assignment per column for every corrected home at once (a loop over some 600 URNs
    # with a mask each was a tenth of an eleven-year recompute).
    fixes = _resolutions_by("urn", corrected, as_of).set_index("urn")
    rows = frame["urn"].isin(fixes.index)
    urns = frame.loc[rows, "urn"]
    for column in ("entity_id", "entity_name", "owner_type", "owner_known", "evidence_day"):
        if column in frame:
            frame.loc[rows, column] = urns.map(fixes[column]).to_numpy()
    return frame


def market_homes_frame(as_of: datetime.date, names_of_providers: dict[int, str]) -> pd.DataFrame:
    """One row per home in the market on `as_of`, with its owners at every level and owner type."""
    frame = observations_frame(as_of)
    provider_ids = [int(value) for value in frame["provider_organisation_id"].dropna().unique()]
    owners = _resolutions_frame(ultimate_owners_of_providers(as_of, provider_ids), as_of)
    frame = frame.merge(owners, on="provider_organisation_id", how="left")
    frame = _corrections_apply(frame, as_of)
    frame["owner_type"] = frame["owner_type"].fillna(OwnerType.UNKNOWN).astype(str)
    # A council-owned children's trust is the council's own provision whatever sector Ofsted
    # lists it under (ADR 25): its homes are local authorities' own homes too.
    frame["is_local_authority"] = frame["is_local_authority"] | (frame["owner_type"] == OwnerType.LOCAL_AUTHORITY)
    frame["owner_known"] = frame["owner_known"].astype("boolean").fillna(False).astype(bool)
    frame["evidence_day"] = frame["evidence_day"].astype("float64")
    return _owner_keys(frame, names_of_providers)


def _editions_read_off_rows() -> dict[datetime.date, Edition]:
    """Each date's edition as its observations show it: owner names given, places given."""
    rows = (
        HomeObservation.objects.values("as_of")
        .annotate(
            named=Count("pk", filter=~Q(registered_owner_name="")),
            with_places=Count("pk", filter=Q(places__isnull=False)),
        )
        .values_list("as_of", "named", "with_places")
    )
    return {as_of: Edition(has_owner_names=named > 0, has_places=with_places > 0) for as_of, named, with_places in rows}


def register_editions() -> dict[datetime.date, Edition]:
    """What each imported date's register holds. Owner names and places: as the observations
    show them (what can be counted; an import recorded before editions were reads as having
    neither in registry's editions). What it lists: registry.selectors.register_editions, so an
    edition listing only some homes (2023: the inspected ones) is named by what it lists."""
    editions = _editions_read_off_rows()
    for as_of, edition in registry_selectors.register_editions().items():
        if as_of in editions and not edition.is_complete_register:
            editions[as_of] = replace(editions[as_of], name=edition.lists or "part of the register")
    return editions


def official_totals() -> dict[datetime.date, dict[str, Any]]:
    """Ofsted's own totals of homes and places by date (registry's OfficialTotal), to show
    beside the counts drawn from each register."""
    return {
        as_of: {
            "homes": total.homes,
            "places": total.places,
            "source": total.source,
            "source_date": total.source_date.isoformat() if total.source_date else None,
        }
        for as_of, total in registry_selectors.official_totals().items()
    }


# ---------------------------------------------------------------- placements


def _control_change_dates() -> list[datetime.date]:
    """The dates on which an interest starts or ends: ownership resolves the same between two."""
    starts = Interest.objects.filter(start_date__isnull=False).values_list("start_date", flat=True)
    ends = Interest.objects.filter(end_date__isnull=False).values_list("end_date", flat=True)
    return sorted({day for day in [*starts, *ends] if day is not None})


def _resolution_date(start: datetime.date, change_dates: list[datetime.date]) -> datetime.date:
    position = bisect.bisect_right(change_dates, start)
    return change_dates[position - 1] if position else datetime.date.min


def _owner_types_on_start(frame: pd.DataFrame) -> pd.Series:
    """The owner type of each placement's home on its start date (by its provider today)."""
    change_dates = _control_change_dates()
    on = frame["start_date"].map(lambda start: _resolution_date(start, change_dates))
    owner_types = pd.Series(OwnerType.UNKNOWN.value, index=frame.index, dtype=object)
    for resolution_date, rows in frame.groupby(on).groups.items():
        providers = frame.loc[rows, "provider_organisation_id"]
        resolved = ultimate_owners_of_providers(resolution_date, [int(p) for p in providers.dropna().unique()])
        types = {provider_id: resolution.owner_type for provider_id, resolution in resolved.items()}
        owner_types.loc[rows] = providers.map(types).fillna(OwnerType.UNKNOWN).to_numpy()
    return owner_types


def placements_frame() -> pd.DataFrame:
    """Every placement with its weekly fee in pence, financial year and its home's groups."""
    rows = Placement.objects.order_by("pk").values_list(*_PLACEMENT_FIELDS)
    frame = pd.DataFrame.from_records(list(rows), columns=list(_PLACEMENT_FIELDS.values()))
    if frame.empty:
        return frame
    fees = frame[["core", "additional_support", "education", "other"]].map(lambda amount: int(amount * 100))
    frame["fee_pence"] = fees.sum(axis=1).astype("int64")
    starts = pd.to_datetime(frame["start_date"])
    frame["financial_year"] = starts.dt.year - (starts.dt.month < 4).astype("int64")
    frame["provider_organisation_id"] = frame["provider_organisation_id"].astype("Int64")
    frame["owner_type"] = _owner_types_on_start(frame)
    frame["is_local_authority"] = frame["sector"] == Sector.LOCAL_AUTHORITY
    return frame.drop(columns=["core", "additional_support", "education", "other", "sector"])
