"""The computed frames turned into MarketSnapshot field values (see MarketSnapshot's
docstring for the `figures` layout the dashboards read).

Every number is a plain int or a float rounded to DECIMALS places, so that the same inputs
give byte-identical snapshots (and content digests) run after run.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

import pandas as pd  # type: ignore[import-untyped]

from market.analytics.market import (
    BASES,
    CHANGED,
    DECIMALS,
    LEVELS,
    MARKET,
    SIZE_BANDS,
    DateFigures,
    Edition,
    changes,
    geography_level,
)
from market.models import ENGLAND_CODE
from ownership.models import OwnerType

KEY = ["as_of", *MARKET]
Key = tuple[Any, ...]


def _number(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def _percent(value: Any) -> float:
    return round(float(value), DECIMALS)


def _measured(value: Any) -> float | None:
    """A percent or index, or None where it was not measured (never NaN: JSON has none)."""
    return None if pd.isna(value) else _percent(value)


def _day(value: Any) -> datetime.date | None:
    return None if pd.isna(value) else datetime.date.fromordinal(int(value))


def counts_only_reason(as_of: datetime.date, edition: Edition) -> str:
    """Why a date publishes counts only, in plain words; "" when it does not."""
    if edition.has_owner_names:
        return ""
    return f"The {as_of.year} register names no owners, so no concentration can be measured."


def _owner_type_shares(frame: pd.DataFrame) -> dict[Key, dict[str, float]]:
    names = list(OwnerType.values)
    indexed = frame.set_index(KEY)[names].astype("float64")
    # Column lists, not iterrows: eleven years have some 20,000 markets.
    return {
        key: {name: round(share, DECIMALS) for name, share in zip(names, shares, strict=True)}
        for key, shares in zip(indexed.index, indexed.to_numpy().tolist(), strict=True)
    }


def _size_bands(frame: pd.DataFrame) -> dict[Key, dict[str, dict[str, float | int]]]:
    bands: dict[Key, dict[str, dict[str, float | int]]] = defaultdict(dict)
    for record in frame.to_dict("records"):
        bands[tuple(record[name] for name in KEY)][record["band"]] = {
            "owners": int(record["owners"]),
            "units": int(record["units"]),
            "share": _percent(record["share"]),
        }
    empty = {"owners": 0, "units": 0, "share": 0.0}
    return {key: {band: value.get(band, empty) for band in SIZE_BANDS} for key, value in bands.items()}


_OWNER_FIELDS = ["name", "owner_type", "entity_id", "provider_organisation_id", "units", "share"]


def _top_owners(frame: pd.DataFrame) -> dict[Key, list[dict[str, Any]]]:
    owners: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    # Column lists zipped, not to_dict("records"): some 400,000 rows over eleven years.
    keys = zip(*(frame[name].tolist() for name in KEY), strict=True)
    values = zip(*(frame[name].tolist() for name in _OWNER_FIELDS), strict=True)
    for key, (name, owner_type, entity_id, provider_id, units, share) in zip(keys, values, strict=True):
        owners[key].append(
            {
                "name": name,
                "owner_type": owner_type,
                "entity_id": _number(entity_id),
                "provider_organisation_id": _number(provider_id),
                "units": int(units),
                "share": _percent(share),
            }
        )
    return owners


def _change(record: dict[str, Any], when: str, editions: dict[datetime.date, Edition]) -> dict[str, Any] | None:
    """The change since an earlier date; `edition_break` when the two registers differ in kind
    (then the change is not like with like and pages must not present it as growth)."""
    as_of = record[f"{when}_as_of"]
    if as_of is None or pd.isna(as_of):
        return None
    edition_break = editions.get(as_of, Edition()).key != editions.get(record["as_of"], Edition()).key
    values: dict[str, Any] = {"as_of": as_of.isoformat(), "edition_break": edition_break}
    for name in CHANGED:
        value = record[f"{when}_{name}"]
        values[name] = _number(value) if name in ("units", "owners") else _measured(value)
    return values


def _changes(frame: pd.DataFrame, editions: dict[datetime.date, Edition]) -> dict[Key, dict[str, Any]]:
    return {
        tuple(record[name] for name in KEY): {
            "change_since_previous": _change(record, "previous", editions),
            "change_since_first": _change(record, "first", editions),
        }
        for record in frame.to_dict("records")
    }


def _concat(per_date: list[DateFigures], part: str) -> pd.DataFrame:
    return pd.concat([getattr(figures, part) for figures in per_date], ignore_index=True)


def market_values(
    per_date: list[DateFigures],
    dates: list[datetime.date],
    names: dict[str, str],
    editions: dict[datetime.date, Edition] | None = None,
    official: dict[datetime.date, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """MarketSnapshot field values (run excepted) of every market on every date, in key order.
    England's snapshots with every home counted carry Ofsted's official totals of their date."""
    if not per_date:
        return []
    editions = editions or {}
    headline = _concat(per_date, "headline").sort_values(KEY, ignore_index=True)
    parts: dict[str, dict[Key, Any]] = {
        "owner_type_shares": _owner_type_shares(_concat(per_date, "owner_type_shares")),
        "size_bands": _size_bands(_concat(per_date, "size_bands")),
        "top_owners": _top_owners(_concat(per_date, "top_owners")),
        "changes": _changes(changes(headline, dates), editions),
        "official": {(as_of, ENGLAND_CODE, True): totals for as_of, totals in (official or {}).items()},
    }
    return [
        _market_value(record, names, editions.get(record["as_of"], Edition()), parts)
        for record in headline.to_dict("records")
    ]


def _market_value(
    record: dict[str, Any], names: dict[str, str], edition: Edition, parts: dict[str, dict[Key, Any]]
) -> dict[str, Any]:
    key = tuple(record[name] for name in KEY)
    code = record["geography"]
    official = parts["official"].get((record["as_of"], code, bool(record["include_local_authority"])))
    return {
        "as_of": record["as_of"],
        "geography_level": geography_level(code),
        "geography_code": code,
        "geography_name": names.get(code, code),
        "basis": str(BASES[record["basis"]]),
        "level": str(LEVELS[record["level"]]),
        "include_local_authority": bool(record["include_local_authority"]),
        "homes": int(record["homes"]),
        "units": int(record["units"]),
        "owners": _number(record["owners"]),
        "hhi": _measured(record["hhi"]),
        "cr4": _measured(record["cr4"]),
        "cr10": _measured(record["cr10"]),
        "coverage_homes": _measured(record["coverage_homes"]),
        "coverage_places": _measured(record["coverage_places"]),
        "links_oldest": _day(record["links_oldest"]),
        "links_newest": _day(record["links_newest"]),
        "figures": {
            "owners_for_25_percent": _number(record["owners_for_25_percent"]),
            "owners_for_50_percent": _number(record["owners_for_50_percent"]),
            "owner_type_shares": parts["owner_type_shares"].get(key, {}),
            "size_bands": parts["size_bands"].get(key, {}),
            "top_owners": parts["top_owners"].get(key, []),
            "counts_only_reason": counts_only_reason(record["as_of"], edition),
            "official_totals": official,
            "edition": {
                "has_owner_names": edition.has_owner_names,
                "has_places": edition.has_places,
                "name": edition.name,
            },
            **parts["changes"][key],
        },
    }
