"""The base market a scenario starts from: one geography x date x market's owners, as plain data.

It is read from the same homes frame and with the same rules as the recompute
(market.analytics.inputs.market_homes_frame, market.analytics.market), so the scenario's
"before" is the published snapshot's market: the same homes, the same owner keys (ties between
equal owners break on them), the same units and owner types.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass
from functools import cached_property

import pandas as pd  # type: ignore[import-untyped]
from django.core.cache import cache

from market.analytics import inputs
from market.models import ENGLAND_CODE, MarketBasis, OwnerLevel
from ownership.models import OwnerType

OWNER_TYPES: tuple[str, ...] = tuple(OwnerType.values)
_PLAIN = re.compile(r"^[A-Za-z0-9]{1,40}$")


@dataclass(frozen=True)
class BaseOwner:
    """One owner of the base market: its units (homes or places) by owner type, in OWNER_TYPES order."""

    key: str  # the analytics' owner key ("e:12", "p:34", "r:NAME", "h:URN")
    token: str  # the key as a URL-safe id ("e12", "p34", "r<digest>", "hSC123456")
    name: str
    homes: int
    units: tuple[float, ...]
    # The local authority most of its homes are in (a council's own homes are in its own area).
    authority_code: str

    @property
    def total(self) -> float:
        return sum(self.units)

    @cached_property
    def owner_type(self) -> str:
        """The owner type of most of its units (ties: the first in OWNER_TYPES)."""
        largest = max(self.units)
        return OWNER_TYPES[self.units.index(largest)]


@dataclass(frozen=True)
class BaseMarket:
    as_of: datetime.date
    geography_code: str
    level: str
    basis: str
    include_local_authority: bool
    owners: tuple[BaseOwner, ...]  # by key
    authorities: tuple[tuple[str, str], ...]  # the geography's local authorities with homes: (code, name)
    places_per_home: float  # mean places of the geography's homes with places (0.0 when none)


def owner_token(key: str) -> str:
    """A URL-safe id of an owner key: its prefix and value, or its prefix and a digest of it."""
    prefix, _, value = key.partition(":")
    if _PLAIN.match(value):
        return prefix + value
    return prefix + hashlib.sha256(value.encode()).hexdigest()[:12]


def _in_geography(homes: pd.DataFrame, geography_code: str) -> pd.DataFrame:
    if geography_code == ENGLAND_CODE:
        return homes
    return homes[(homes["region_code"] == geography_code) | (homes["local_authority_code"] == geography_code)]


def _in_market(homes: pd.DataFrame, basis: str, include_local_authority: bool) -> pd.DataFrame:
    if not include_local_authority:
        homes = homes[~homes["is_local_authority"].astype(bool)]
    if basis == MarketBasis.PLACES:
        homes = homes[homes["places"] > 0]
        return homes.assign(units=homes["places"].astype("float64"))
    return homes.assign(units=1.0)


def _owners(homes: pd.DataFrame, level: str) -> tuple[BaseOwner, ...]:
    key, name = f"{level}_key", f"{level}_name"
    units = homes.pivot_table(index=key, columns="owner_type", values="units", aggfunc="sum", fill_value=0.0)
    units = units.reindex(columns=list(OWNER_TYPES), fill_value=0.0).sort_index()
    counts = homes.groupby(key).size()
    names = homes.groupby(key)[name].first()
    # Each owner's commonest authority (ties: the first code), in one sort rather than a loop.
    located = homes.assign(local_authority_code=homes["local_authority_code"].fillna(""))
    counted = located.groupby([key, "local_authority_code"]).size().reset_index(name="homes")
    counted = counted.sort_values([key, "homes", "local_authority_code"], ascending=[True, False, True])
    authority = counted.drop_duplicates(key).set_index(key)["local_authority_code"]
    return tuple(
        BaseOwner(
            key=str(owner_key),
            token=owner_token(str(owner_key)),
            name=str(names[owner_key]),
            homes=int(counts[owner_key]),
            units=tuple(float(value) for value in row),
            authority_code=str(authority[owner_key]),
        )
        for owner_key, row in zip(units.index, units.to_numpy().tolist(), strict=True)
    )


def base_market(
    homes: pd.DataFrame,
    *,
    as_of: datetime.date,
    geography_code: str,
    level: str = OwnerLevel.ULTIMATE,
    basis: str = MarketBasis.PLACES,
    include_local_authority: bool = True,
    authority_names: dict[str, str] | None = None,
) -> BaseMarket:
    """The owners of one market among a date's homes (market_homes_frame's rows)."""
    area = _in_geography(homes, geography_code)
    market = _in_market(area, basis, include_local_authority)
    with_places = area[area["places"] > 0]["places"]
    codes = sorted(area["local_authority_code"].dropna().unique())
    names = authority_names or {}
    return BaseMarket(
        as_of=as_of,
        geography_code=geography_code,
        level=str(level),
        basis=str(basis),
        include_local_authority=include_local_authority,
        owners=_owners(market, str(level)) if not market.empty else (),
        authorities=tuple((str(code), names.get(code, code)) for code in codes),
        places_per_home=float(with_places.mean()) if not with_places.empty else 0.0,
    )


def homes_on(as_of: datetime.date) -> pd.DataFrame:
    """The market's homes of one date with their owners (the recompute's own reading)."""
    return inputs.market_homes_frame(as_of, inputs.provider_names())


def geography_names() -> dict[str, str]:
    return inputs.geography_names()


CACHE_SECONDS = 24 * 60 * 60


def _homes_cached(run_id: int, as_of: datetime.date) -> pd.DataFrame:
    """A date's homes, read once per recompute run (the slow part: every owner resolved)."""
    key = f"scenarios:homes:{run_id}:{as_of.isoformat()}"
    homes = cache.get(key)
    if homes is None:
        homes = homes_on(as_of)
        cache.set(key, homes, timeout=CACHE_SECONDS)
    return homes


def base_market_cached(
    run_id: int, *, as_of: datetime.date, geography_code: str, level: str, basis: str, include_local_authority: bool
) -> BaseMarket:
    """The base market of one recompute run's geography x date x market, computed once per run
    (its id is in the key, so a new run's figures are never mixed with an old run's)."""
    flag = "in" if include_local_authority else "out"
    key = f"scenarios:base:v2:{run_id}:{as_of.isoformat()}:{geography_code}:{level}:{basis}:{flag}"
    found: BaseMarket | None = cache.get(key)
    if found is None:
        found = base_market(
            _homes_cached(run_id, as_of),
            as_of=as_of,
            geography_code=geography_code,
            level=level,
            basis=basis,
            include_local_authority=include_local_authority,
            authority_names=geography_names(),
        )
        cache.set(key, found, timeout=CACHE_SECONDS)
    return found


def scenario_base_warm(run_id: int, as_of: datetime.date) -> None:
    """Read England's default market on a date into the cache, so that the first visitor to the
    scenario planner after a recompute waits milliseconds, not the seconds the read takes."""
    base_market_cached(
        run_id,
        as_of=as_of,
        geography_code=ENGLAND_CODE,
        level=OwnerLevel.ULTIMATE,
        basis=MarketBasis.PLACES,
        include_local_authority=True,
    )
