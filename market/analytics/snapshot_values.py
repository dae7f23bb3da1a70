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
    changes,
    geography_level,
)
from ownership.models import OwnerType

KEY = ["as_of", *MARKET]
Key = tuple[Any, ...]


def _number(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def _percent(value: Any) -> float:
    return round(float(value), DECIMALS)


def _owner_type_shares(frame: pd.DataFrame) -> dict[Key, dict[str, float]]:
    indexed = frame.set_index(KEY)[list(OwnerType.values)]
    return {key: {name: _percent(share) for name, share in row.items()} for key, row in indexed.iterrows()}


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


def _top_owners(frame: pd.DataFrame) -> dict[Key, list[dict[str, Any]]]:
    owners: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    for record in frame.to_dict("records"):
        owners[tuple(record[name] for name in KEY)].append(
            {
                "name": record["name"],
                "owner_type": record["owner_type"],
                "entity_id": _number(record["entity_id"]),
                "provider_organisation_id": _number(record["provider_organisation_id"]),
                "units": int(record["units"]),
                "share": _percent(record["share"]),
            }
        )
    return owners


def _change(record: dict[str, Any], when: str) -> dict[str, Any] | None:
    as_of = record[f"{when}_as_of"]
    if as_of is None or pd.isna(as_of):
        return None
    values: dict[str, Any] = {"as_of": as_of.isoformat()}
    for name in CHANGED:
        value = record[f"{when}_{name}"]
        values[name] = int(value) if name in ("units", "owners") else _percent(value)
    return values


def _changes(frame: pd.DataFrame) -> dict[Key, dict[str, dict[str, Any] | None]]:
    return {
        tuple(record[name] for name in KEY): {
            "change_since_previous": _change(record, "previous"),
            "change_since_first": _change(record, "first"),
        }
        for record in frame.to_dict("records")
    }


def _concat(per_date: list[DateFigures], part: str) -> pd.DataFrame:
    return pd.concat([getattr(figures, part) for figures in per_date], ignore_index=True)


def market_values(
    per_date: list[DateFigures], dates: list[datetime.date], names: dict[str, str]
) -> list[dict[str, Any]]:
    """MarketSnapshot field values (run excepted) of every market on every date, in key order."""
    if not per_date:
        return []
    headline = _concat(per_date, "headline").sort_values(KEY, ignore_index=True)
    shares = _owner_type_shares(_concat(per_date, "owner_type_shares"))
    bands = _size_bands(_concat(per_date, "size_bands"))
    top = _top_owners(_concat(per_date, "top_owners"))
    changed = _changes(changes(headline, dates))
    values = []
    for record in headline.to_dict("records"):
        key = tuple(record[name] for name in KEY)
        code = record["geography"]
        values.append(
            {
                "as_of": record["as_of"],
                "geography_level": geography_level(code),
                "geography_code": code,
                "geography_name": names.get(code, code),
                "basis": str(BASES[record["basis"]]),
                "level": str(LEVELS[record["level"]]),
                "include_local_authority": bool(record["include_local_authority"]),
                "homes": int(record["homes"]),
                "units": int(record["units"]),
                "owners": int(record["owners"]),
                "hhi": _percent(record["hhi"]),
                "cr4": _percent(record["cr4"]),
                "cr10": _percent(record["cr10"]),
                "figures": {
                    "owners_for_25_percent": int(record["owners_for_25_percent"]),
                    "owners_for_50_percent": int(record["owners_for_50_percent"]),
                    "owner_type_shares": shares[key],
                    "size_bands": bands[key],
                    "top_owners": top[key],
                    **changed[key],
                },
            }
        )
    return values
