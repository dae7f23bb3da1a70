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
"""

from __future__ import annotations

import bisect
import datetime

import pandas as pd  # type: ignore[import-untyped]

from commissioning.models import Placement
from geography.models import LocalAuthority, Region
from market.models import ENGLAND_CODE
from ownership.models import Interest, OwnerType
from ownership.selectors import Resolution, ultimate_owners_of_providers
from providers.models import HomeKind, HomeObservation, ProviderOrganisation, Sector
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


def _resolutions_frame(resolutions: dict[int, Resolution]) -> pd.DataFrame:
    records = [
        (
            provider_id,
            resolution.owner.pk if resolution.owner is not None else None,
            resolution.owner.name if resolution.owner is not None else None,
            resolution.owner_type,
        )
        for provider_id, resolution in resolutions.items()
    ]
    frame = pd.DataFrame.from_records(
        records, columns=["provider_organisation_id", "entity_id", "entity_name", "owner_type"]
    )
    frame["provider_organisation_id"] = frame["provider_organisation_id"].astype("Int64")
    frame["entity_id"] = frame["entity_id"].astype("Int64")
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
    frame["provider_name"] = provider_ids.map(names_of_providers).where(has_provider, fallback_name)
    frame["ultimate_key"] = ("e:" + frame["entity_id"].astype("string")).where(has_entity, frame["provider_key"])
    frame["ultimate_name"] = frame["entity_name"].where(has_entity, frame["provider_name"])
    frame["ultimate_provider_organisation_id"] = provider_ids.where(~has_entity)
    return frame.drop(columns=["registered_owner_name", "entity_name"])


def market_homes_frame(as_of: datetime.date, names_of_providers: dict[int, str]) -> pd.DataFrame:
    """One row per home in the market on `as_of`, with its owners at every level and owner type."""
    frame = observations_frame(as_of)
    provider_ids = [int(value) for value in frame["provider_organisation_id"].dropna().unique()]
    owners = _resolutions_frame(ultimate_owners_of_providers(as_of, provider_ids))
    frame = frame.merge(owners, on="provider_organisation_id", how="left")
    frame["owner_type"] = frame["owner_type"].fillna(OwnerType.UNKNOWN).astype(str)
    return _owner_keys(frame, names_of_providers)


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
