"""An independent reading of Ofsted's real register files, to check the importer against.

Deliberately plain: the csv module, the header found by its "URN" cell, columns by their
header text as each year spells it. It shares no code with registry.importers.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

OFSTED_DIR = Path(__file__).resolve().parents[2] / "registry" / "data" / "ofsted"
YEARS = tuple(range(2015, 2026))
HOME_TYPES = {
    "children's home",
    "secure children's home",
    "residential special school (registered as a children's home)",
}


def real_file(year: int) -> Path:
    return OFSTED_DIR / f"provider_at_march_{year}.csv"


@dataclass
class FileCounts:
    children_homes: int = 0
    places: int | None = 0  # None: the file has no Places column (2015)
    all_children_home_types: int = 0
    sectors: Counter[str] = field(default_factory=Counter)
    regions: Counter[str] = field(default_factory=Counter)
    # URN -> the row as a dict of stripped header -> value, for every children's-home type.
    homes: dict[str, dict[str, str]] = field(default_factory=dict)


def read_rows(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    rows = list(csv.reader(io.StringIO(text)))
    header_at = next(i for i, row in enumerate(rows) if "URN" in row)
    header = [" ".join(cell.split()).lower() for cell in rows[header_at]]
    return [dict(zip(header, row, strict=False)) for row in rows[header_at + 1 :]]


def counts_of(path: Path) -> FileCounts:
    counts = FileCounts()
    for row in read_rows(path):
        provision = row["provision type"].strip().lower()
        if provision not in HOME_TYPES:
            continue
        counts.all_children_home_types += 1
        counts.homes[row["urn"]] = row
        if provision != "children's home":
            continue
        counts.children_homes += 1
        if "places" not in row:
            counts.places = None
        elif counts.places is not None and row["places"].strip():
            counts.places += int(row["places"])
        counts.sectors[row["sector"]] += 1
        counts.regions[_region(row)] += 1
    return counts


def _region(row: dict[str, str]) -> str:
    """Ofsted's region as each year heads it (2015 "Region", 2016 only the Government Office's)."""
    for header in ("ofsted region", "region", "government office region"):
        if header in row:
            return row[header]
    return ""
