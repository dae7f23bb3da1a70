"""Weekly fees of placements by financial year (April to March) of their start date.

Groups: "all"; "owner_type" (of the home's ultimate owner on the start date); "region" (of
the home's local authority, by ONS code); "sector" ("local_authority" for councils' own
homes, "independent" for every other). Each group gives the count and the median and
quartiles of the weekly fee (linear interpolation between placements, as numpy and Excel's
QUARTILE.INC do), computed in whole pence so that no float rounding decides a penny.
Groups of fewer than 5 placements are suppressed: their fee figures are left empty. Where
one group of a kind is suppressed in a year, the smallest other group of that kind is
suppressed too (secondary suppression), so the hidden count cannot be worked out by
subtracting the published groups from the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd  # type: ignore[import-untyped]

from ownership.models import OwnerType

SUPPRESS_UNDER = 5
GROUP_KINDS = ("all", "owner_type", "region", "sector")
UNKNOWN_REGION = "unknown"
_OWNER_TYPE_LABELS = dict(OwnerType.choices)
_SECTOR_LABELS = {"local_authority": "Local authority", "independent": "Independent"}
_PENNY = Decimal("0.01")


@dataclass(frozen=True)
class CostFigures:
    financial_year: int
    group_kind: str
    group_value: str
    label: str
    placements: int
    suppressed: bool
    median_weekly_fee: Decimal | None
    lower_quartile: Decimal | None
    upper_quartile: Decimal | None
    synthetic: bool


def _grouped(placements: pd.DataFrame) -> pd.DataFrame:
    """One row per placement per group it counts in."""
    base = placements[["financial_year", "fee_pence", "is_synthetic"]]
    sector = placements["is_local_authority"].map({True: "local_authority", False: "independent"})
    values = {
        "all": pd.Series("all", index=placements.index),
        "owner_type": placements["owner_type"],
        "region": placements["region_code"].fillna(UNKNOWN_REGION),
        "sector": sector,
    }
    return pd.concat(
        [base.assign(group_kind=kind, group_value=values[kind]) for kind in GROUP_KINDS], ignore_index=True
    )


def _pounds(pence: float) -> Decimal:
    return (Decimal(pence) / 100).quantize(_PENNY, rounding=ROUND_HALF_UP)


def _label(kind: str, value: str, region_names: dict[str, str]) -> str:
    if kind == "owner_type":
        return str(_OWNER_TYPE_LABELS.get(value, value))
    if kind == "region":
        return region_names.get(value, "Unknown region")
    if kind == "sector":
        return _SECTOR_LABELS[value]
    return "All placements"


def cost_figures(placements: pd.DataFrame, region_names: dict[str, str]) -> list[CostFigures]:
    """Every financial year x group's fee figures; none when there are no placements."""
    if placements.empty:
        return []
    rows = _grouped(placements)
    keys = ["financial_year", "group_kind", "group_value"]
    grouped = rows.groupby(keys)
    summary = grouped.agg(placements=("fee_pence", "size"), synthetic=("is_synthetic", "any"))
    quartiles = grouped["fee_pence"].quantile([0.25, 0.5, 0.75]).unstack()
    summary = summary.join(quartiles).reset_index()
    summary["suppressed"] = _suppression(summary)
    return [_figures(record, region_names) for record in summary.to_dict("records")]


def _suppression(summary: pd.DataFrame) -> pd.Series:
    """Primary (under 5) and secondary suppression, per year and kind of group."""
    primary = summary["placements"] < SUPPRESS_UNDER
    suppressed = primary.copy()
    for _, group in summary[summary["group_kind"] != "all"].groupby(["financial_year", "group_kind"]):
        if primary[group.index].sum() == 1 and len(group) > 1:
            smallest = group[~primary[group.index]]["placements"].idxmin()
            suppressed[smallest] = True
    return suppressed


def _figures(record: dict[Any, Any], region_names: dict[str, str]) -> CostFigures:
    count = int(record["placements"])
    suppressed = bool(record["suppressed"])
    kind, value = str(record["group_kind"]), str(record["group_value"])

    def fee(quantile: float) -> Decimal | None:
        return None if suppressed else _pounds(float(record[quantile]))

    return CostFigures(
        financial_year=int(record["financial_year"]),
        group_kind=kind,
        group_value=value,
        label=_label(kind, value, region_names),
        placements=count,
        suppressed=suppressed,
        median_weekly_fee=fee(0.5),
        lower_quartile=fee(0.25),
        upper_quartile=fee(0.75),
        synthetic=bool(record["synthetic"]),
    )
