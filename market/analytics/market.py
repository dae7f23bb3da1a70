"""Concentration of one date's market, every geography x basis x owner level x LA flag at once.

The homes of a date (market.analytics.inputs.market_homes_frame) are stacked into one long
frame, a row per home x level x basis x LA flag x geography, and every figure is a pandas
groupby over the market columns: no Python loop runs over areas or homes.

Shares are percent of the market's units (homes, or places on the places basis, where homes
without places are left out). HHI is the sum of squared percent shares (0-10,000); CR4 and
CR10 the share of the four and ten largest owners; "owners for 25%" the fewest owners whose
units reach a quarter of the market (counted on whole units, so no rounding decides it).
Owners of equal size are ordered by their key, so a run gives the same figures every time.

Every market also carries its coverage: the percent of its homes and of its places whose owner
is known from fresh evidence (the home's `owner_known`, market.analytics.inputs), and the
oldest and newest date of the evidence its owner types rest on. A date whose register names
no owners gets counts only (homes, and places where the register has them): no owner can be
counted, so no concentration, owner shares or owner types are computed for it. A date whose
register has no places has no places-basis markets.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from market.models import ENGLAND_CODE, GeographyLevel, MarketBasis, OwnerLevel
from ownership.models import OwnerType

DECIMALS = 4
TOP_OWNERS = 20
SIZE_BANDS = ("1", "2-5", "6-20", "21+")
_SIZE_BAND_EDGES = [0, 1, 5, 20, np.inf]
LEVELS = (OwnerLevel.REGISTERED, OwnerLevel.PROVIDER, OwnerLevel.ULTIMATE)
BASES = (MarketBasis.HOMES, MarketBasis.PLACES)
# The columns that name one market: geography (code index), basis, level, LA homes counted.
REGION_CODE_PREFIX = "E12"
MARKET = ["geography", "basis", "level", "include_local_authority"]


@dataclass(frozen=True)
class Edition:
    """What one date's register holds (registry's register editions, or read off the rows)."""

    has_owner_names: bool = True
    has_places: bool = True
    # Names the edition when it differs in kind (e.g. "inspected homes only"); "" otherwise.
    name: str = ""

    @property
    def key(self) -> str:
        """Two dates compare like with like when their registers list the same homes (the whole
        register, or the same part of it). Names and places missing on one date need no flag:
        a figure not measured on both dates has no change at all (None)."""
        return self.name


@dataclass(frozen=True)
class DateFigures:
    """One date's figures, a row per market in `headline`, the JSON parts keyed alike."""

    headline: pd.DataFrame  # MARKET + homes, units, owners, hhi, cr4, cr10, owners_for_25/50_percent
    owner_type_shares: pd.DataFrame  # MARKET + one column per owner type
    size_bands: pd.DataFrame  # MARKET + band + owners, units, share
    top_owners: pd.DataFrame  # MARKET + rank, owner, name, ids, owner_type, units, share


def geography_level(code: str) -> str:
    """England, a region (ONS RGN codes E12...) or a local authority, by ONS code."""
    if code == ENGLAND_CODE:
        return str(GeographyLevel.ENGLAND)
    return str(GeographyLevel.REGION if code.startswith(REGION_CODE_PREFIX) else GeographyLevel.LOCAL_AUTHORITY)


@dataclass(frozen=True)
class Geographies:
    """ONS codes indexed by small integers, so the long frame groups on numbers."""

    codes: list[str]

    @classmethod
    def of(cls, homes: pd.DataFrame) -> Geographies:
        regions = sorted(homes["region_code"].dropna().unique())
        authorities = sorted(homes["local_authority_code"].dropna().unique())
        return cls([ENGLAND_CODE, *regions, *authorities])

    def index(self, codes: pd.Series) -> pd.Series:
        return codes.map({code: position for position, code in enumerate(self.codes)})


_HOME_COLUMNS = ["places", "is_local_authority", "owner_type", "owner_known", "evidence_day"]


def _by_level(homes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows per home x level with an integer owner code; and the owners' names and ids."""
    parts, owners = [], []
    for level_index, level in enumerate(LEVELS):
        part = homes[[*_HOME_COLUMNS, "geo_england", "geo_region", "geo_authority"]]
        parts.append(part.assign(level=level_index, owner_key=homes[f"{level}_key"]))
        owners.append(_owner_identities(homes, level, level_index))
    stacked = pd.concat(parts, ignore_index=True)
    # Codes in key order: ties between equal owners break on the key, run after run.
    stacked["owner"], keys = pd.factorize(stacked["owner_key"], sort=True)
    identities = pd.concat(owners, ignore_index=True).drop_duplicates(["level", "owner_key"])
    identities["owner"] = pd.Index(keys).get_indexer(identities["owner_key"])
    return stacked.drop(columns="owner_key"), identities.drop(columns="owner_key")


def _owner_identities(homes: pd.DataFrame, level: str, level_index: int) -> pd.DataFrame:
    entity_id = homes["entity_id"] if level == OwnerLevel.ULTIMATE else pd.Series(pd.NA, index=homes.index)
    provider_id = {
        str(OwnerLevel.REGISTERED): pd.Series(pd.NA, index=homes.index),
        str(OwnerLevel.PROVIDER): homes["provider_organisation_id"],
        str(OwnerLevel.ULTIMATE): homes["ultimate_provider_organisation_id"],
    }[level]
    return pd.DataFrame(
        {
            "level": level_index,
            "owner_key": homes[f"{level}_key"],
            "name": homes[f"{level}_name"],
            "entity_id": entity_id.astype("Int64"),
            "provider_organisation_id": provider_id.astype("Int64"),
        }
    )


def _long(homes: pd.DataFrame, geographies: Geographies, edition: Edition) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every home counted in every market it belongs to: one row per home x market."""
    homes = homes.assign(
        geo_england=0,
        geo_region=geographies.index(homes["region_code"]),
        geo_authority=geographies.index(homes["local_authority_code"]),
        is_local_authority=homes["is_local_authority"].astype(bool),
    )
    by_level, identities = _by_level(homes)
    bases = [by_level.assign(basis=0, units=1)]
    if edition.has_places:  # a register without places has no places-basis market at all
        with_places = by_level[by_level["places"] > 0]
        bases.append(with_places.assign(basis=1, units=with_places["places"]))
    by_basis = pd.concat(bases, ignore_index=True)
    by_flag = pd.concat(
        [
            by_basis.assign(include_local_authority=True),
            by_basis[~by_basis["is_local_authority"].to_numpy(dtype=bool)].assign(include_local_authority=False),
        ],
        ignore_index=True,
    )
    columns = ["basis", "level", "include_local_authority", "owner", "owner_type", "owner_known", "evidence_day"]
    columns.append("units")
    by_geography = pd.concat(
        [
            by_flag[[*columns, column]].rename(columns={column: "geography"}).dropna(subset="geography")
            for column in ("geo_england", "geo_region", "geo_authority")
        ],
        ignore_index=True,
    )
    by_geography["geography"] = by_geography["geography"].astype("int64")
    return by_geography, identities


def _owners(rows: pd.DataFrame) -> pd.DataFrame:
    """Each owner's units and homes in each market, largest first, with rank and share."""
    owners = rows.groupby([*MARKET, "owner"], sort=False).agg(units=("units", "sum"), homes=("units", "size"))
    owners = owners.reset_index()
    owners["total"] = owners.groupby(MARKET, sort=False)["units"].transform("sum")
    owners = owners.sort_values([*MARKET, "units", "owner"], ascending=[True, True, True, True, False, True])
    grouped = owners.groupby(MARKET, sort=False)
    owners["rank"] = grouped.cumcount()
    owners["units_before"] = grouped["units"].cumsum() - owners["units"]
    owners["share"] = owners["units"] * 100 / owners["total"]
    return owners.reset_index(drop=True)


def _headline(owners: pd.DataFrame) -> pd.DataFrame:
    squared = owners["share"] ** 2
    frame = owners.assign(
        squared=squared,
        top4=owners["share"].where(owners["rank"] < 4, 0.0),
        top10=owners["share"].where(owners["rank"] < 10, 0.0),
        before_quarter=owners["units_before"] * 4 < owners["total"],
        before_half=owners["units_before"] * 2 < owners["total"],
    )
    headline = frame.groupby(MARKET).agg(
        homes=("homes", "sum"),
        units=("units", "sum"),
        owners=("owner", "size"),
        hhi=("squared", "sum"),
        cr4=("top4", "sum"),
        cr10=("top10", "sum"),
        owners_for_25_percent=("before_quarter", "sum"),
        owners_for_50_percent=("before_half", "sum"),
    )
    return headline[headline["units"] > 0].reset_index()


def _owner_type_shares(rows: pd.DataFrame, headline: pd.DataFrame) -> pd.DataFrame:
    units = rows.groupby([*MARKET, "owner_type"])["units"].sum().unstack("owner_type", fill_value=0)
    units = units.reindex(columns=OwnerType.values, fill_value=0)
    totals = headline.set_index(MARKET)["units"]
    return units.div(totals.reindex(units.index), axis=0).mul(100).reset_index()


def _size_bands(owners: pd.DataFrame) -> pd.DataFrame:
    bands = pd.cut(owners["homes"], bins=_SIZE_BAND_EDGES, labels=list(SIZE_BANDS))
    frame = owners.assign(band=bands).groupby([*MARKET, "band"], observed=True)
    result = frame.agg(owners=("owner", "size"), units=("units", "sum"), share=("share", "sum")).reset_index()
    return result.astype({"band": str})


def _dominant_owner_type(rows: pd.DataFrame) -> pd.DataFrame:
    """The owner type of most of an owner's units in a market (ties: the type's name)."""
    units = rows.groupby([*MARKET, "owner", "owner_type"], sort=False)["units"].sum().reset_index()
    units = units.sort_values([*MARKET, "owner", "units", "owner_type"], ascending=[*[True] * 5, False, True])
    return units.drop_duplicates([*MARKET, "owner"]).drop(columns="units")


def _top_owners(rows: pd.DataFrame, owners: pd.DataFrame, identities: pd.DataFrame) -> pd.DataFrame:
    top = owners[owners["rank"] < TOP_OWNERS][[*MARKET, "owner", "rank", "units", "share"]]
    top = top.merge(_dominant_owner_type(rows), on=[*MARKET, "owner"], how="left")
    top = top.merge(identities, on=["level", "owner"], how="left")
    return top.sort_values([*MARKET, "rank"], ignore_index=True)


def _coverage(rows: pd.DataFrame) -> pd.DataFrame:
    """Per market: percent of homes and of places whose owner is known from fresh evidence, and
    the oldest and newest evidence day (proleptic ordinal) its owner types rest on.

    Coverage does not depend on the basis chosen: a places-basis market carries its homes'
    coverage too (from the homes-basis rows of the same geography, level and flag)."""
    known = rows.assign(known_units=rows["units"] * rows["owner_known"].astype("int64"))
    grouped = known.groupby(MARKET, sort=False).agg(
        units=("units", "sum"),
        known_units=("known_units", "sum"),
        links_oldest=("evidence_day", "min"),
        links_newest=("evidence_day", "max"),
    )
    grouped["coverage"] = grouped["known_units"] * 100 / grouped["units"]
    by_basis = grouped["coverage"].unstack("basis")
    same = ["geography", "level", "include_local_authority"]
    wide = pd.DataFrame(
        {
            "coverage_homes": by_basis.get(0, np.nan),
            "coverage_places": by_basis.get(1, np.nan),
        },
        index=by_basis.index,
    ).reset_index()
    result = grouped[["links_oldest", "links_newest"]].reset_index().merge(wide, on=same, how="left")
    return result.astype({"links_oldest": "float64", "links_newest": "float64"})


def _counts_only(rows: pd.DataFrame) -> pd.DataFrame:
    """Homes and units of each market, with no concentration (the register names no owners)."""
    headline = rows.groupby(MARKET).agg(homes=("units", "size"), units=("units", "sum")).reset_index()
    nothing = {name: np.nan for name in ("owners", "hhi", "cr4", "cr10", *_FOR_SHARES)}
    return headline[headline["units"] > 0].assign(**nothing).reset_index(drop=True)


_FOR_SHARES = ("owners_for_25_percent", "owners_for_50_percent")
_IDENTITY_COLUMNS = ["owner_type", "name", "entity_id", "provider_organisation_id"]


def _empty_like(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="float64") for column in columns})


def date_figures(homes: pd.DataFrame, geographies: Geographies, edition: Edition | None = None) -> DateFigures:
    """Every market's figures for one date's homes (counts only when its register names no owners)."""
    edition = edition or Edition()
    rows, identities = _long(homes, geographies, edition)
    coverage = _coverage(rows)
    if not edition.has_owner_names:
        return DateFigures(
            headline=_counts_only(rows).merge(coverage, on=MARKET, how="left"),
            owner_type_shares=_empty_like([*MARKET, *OwnerType.values]),
            size_bands=_empty_like([*MARKET, "band", "owners", "units", "share"]),
            top_owners=_empty_like([*MARKET, "owner", "rank", "units", "share", *_IDENTITY_COLUMNS]),
        )
    owners = _owners(rows)
    headline = _headline(owners).merge(coverage, on=MARKET, how="left")
    return DateFigures(
        headline=headline,
        owner_type_shares=_owner_type_shares(rows, headline),
        size_bands=_size_bands(owners),
        top_owners=_top_owners(rows, owners, identities),
    )


# ---------------------------------------------------------------- change over time

CHANGED = ["units", "owners", "hhi", "cr4", "cr10"]


def changes(headlines: pd.DataFrame, dates: list[Any]) -> pd.DataFrame:
    """For every market and date (MARKET + as_of), the change since the previous snapshot
    date and since the first, in `previous_*` and `first_*` columns (NaN where the same
    market has no snapshot on that date, or a figure was not measured on either)."""
    later = dict(itertools.pairwise(dates))
    values = headlines[[*MARKET, "as_of", *CHANGED]]
    previous = values.assign(as_of=values["as_of"].map(later), previous_as_of=values["as_of"]).dropna(subset="as_of")
    # Each market's own first date: a places market starts with the first register that has places.
    firsts = values.sort_values("as_of").drop_duplicates(MARKET)
    first = firsts.rename(columns={"as_of": "first_as_of"})
    frame = values.merge(previous, on=[*MARKET, "as_of"], how="left", suffixes=("", "_previous"))
    frame = frame.merge(first, on=MARKET, how="left", suffixes=("", "_first"))
    for name in CHANGED:
        frame[f"previous_{name}"] = frame[name] - frame[f"{name}_previous"]
        frame[f"first_{name}"] = frame[name] - frame[f"{name}_first"]
    frame.loc[frame["as_of"] == frame["first_as_of"], "first_as_of"] = None
    keep = [f"{when}_{name}" for when in ("previous", "first") for name in ["as_of", *CHANGED]]
    return frame[[*MARKET, "as_of", *keep]]
