"""Ofsted's official totals of children's homes and places: read and stored as OfficialTotal.

Two sources:
- the time-series sheet of a spreadsheet release of "Children's social care data in England"
  (ODS or XLSX): found by its name or title ("time series"), else by its content; rows per year
  (or years across, which is read transposed), a year or date column, and columns for
  children's homes and their places, either one pair per provision type (one or two header
  rows, merged cells allowed) or a provision-type column with rows per type;
- the curated registry/data/ofsted/official_totals.csv (as_of, homes, places, source,
  source_date), for figures known from elsewhere, each with its source.
Homes here are Ofsted's "children's homes", not secure children's homes, residential special
schools or short-break-only homes counted apart: the same rows as a register's count.
"""

from __future__ import annotations

import csv
import datetime
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from registry.importers.ofsted_columns import header_key, is_header_row
from registry.models import OfficialTotal

OFFICIAL_TOTALS_CSV = Path(__file__).resolve().parents[1] / "data" / "ofsted" / "official_totals.csv"
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".ods"}
# A time-series sheet is small: these bound what is read of any sheet.
GRID_ROWS, GRID_COLUMNS, HEADER_ROWS = 300, 80, 3

_TIME_SERIES = re.compile(r"\btime ?series\b|\btrend\b|\bover time\b")
_CHILDRENS_HOMES = re.compile(r"\bchildrens homes?\b")
_NOT_THE_HOMES = re.compile(
    r"\bsecure\b|\bresidential special\b|\bspecial schools?\b|\bshort ?breaks?\b|\ball types\b|\bchange\b|\bpercent"
)
_PROVISION_TYPE = re.compile(r"\b(?:provision|provider|setting) type\b|\btype of (?:provision|provider|setting)\b")
_SPAN = re.compile(r"^(\d{4})\s*(?:-|/|to)\s*(\d{2}|\d{4})$")
_DATED = re.compile(r"^(?:as at\s+)?(?:(\d{1,2})\s+)?(march|mar)\s+(\d{4})$")


@dataclass(frozen=True)
class TimeSeriesTotal:
    as_of: datetime.date
    homes: int
    places: int | None


def _march(year: int) -> datetime.date:
    return datetime.date(year, 3, 31)


def _year_of(cell: Any) -> datetime.date | None:
    """A year label: 2023, "2023", "31 March 2023", "2022-23" (at 31 March 2023), a date."""
    if isinstance(cell, datetime.datetime):
        return cell.date()
    if isinstance(cell, datetime.date):
        return cell
    if isinstance(cell, int | float) and float(cell).is_integer() and 1990 <= cell <= 2100:
        return _march(int(cell))
    text = " ".join(str(cell or "").lower().replace("\u2013", "-").split())
    if re.fullmatch(r"\d{4}", text) and 1990 <= int(text) <= 2100:
        return _march(int(text))
    if span := _SPAN.match(text):
        end = span.group(2)
        return _march(int(end) if len(end) == 4 else int(span.group(1)[:2] + end))
    if dated := _DATED.match(text):
        return _march(int(dated.group(3)))
    return None


def _count(cell: Any) -> int | None:
    """A figure, or None for Ofsted's blanks and markers ("x", "-", "..")."""
    if isinstance(cell, int | float) and not isinstance(cell, bool) and float(cell).is_integer():
        return int(cell)
    text = str(cell or "").replace(",", "").strip()
    return int(text) if text.isdigit() else None


def _year_column(grid: list[list[Any]]) -> int | None:
    """The leftmost column holding one year after another (so a count of ~2,000 is no year)."""
    width = max((len(row) for row in grid), default=0)
    for column in range(width):
        years = [_year_of(row[column]) for row in grid if column < len(row)]
        found = sorted({year.year for year in years if year is not None})
        if len(found) >= 2 and all(later - earlier == 1 for earlier, later in itertools.pairwise(found)):
            return column
    return None


def _labels(header_rows: list[list[Any]], width: int) -> list[str]:
    """Each column's label: its header cells top to bottom, upper rows carried across merged cells."""
    labels = [""] * width
    for depth, row in enumerate(header_rows):
        carried = ""
        for column in range(width):
            cell = header_key(row[column]) if column < len(row) else ""
            if depth < len(header_rows) - 1:
                carried = cell or carried
                cell = carried
            labels[column] = f"{labels[column]} {cell}".strip()
    return labels


def _header_rows(grid: list[list[Any]], first_data: int, years: int) -> list[list[Any]]:
    """The header rows just above the first year: up to a blank row or a title (a row whose
    only text is in the years' column, e.g. "Table 1: children's homes and places")."""
    rows: list[list[Any]] = []
    for row in reversed(grid[max(0, first_data - HEADER_ROWS) : first_data]):
        filled = [column for column, cell in enumerate(row) if str(cell or "").strip()]
        if not filled or (filled == [years] and rows):
            break
        rows.insert(0, row)
    return rows


def _pick(labels: list[str], *, places: bool, skip: int) -> int | None:
    for column, label in enumerate(labels):
        if column == skip or _NOT_THE_HOMES.search(label) or ("places" in label.split()) != places:
            continue
        if _CHILDRENS_HOMES.search(label) or (places and "places" in label):
            return column
    return None


def _wide(data: list[list[Any]], labels: list[str], years: int) -> list[TimeSeriesTotal]:
    # Only columns holding figures can be counts (not a title carried over the header).
    labels = [
        label if any(_count(row[c]) is not None for row in data if c < len(row)) else ""
        for c, label in enumerate(labels)
    ]
    homes_column = _pick(labels, places=False, skip=years)
    if homes_column is None:
        return []
    homes_labels = [label if _CHILDRENS_HOMES.search(label) else "" for label in labels]
    places_column = _pick(homes_labels, places=True, skip=years)
    beside = homes_column + 1
    if places_column is None and beside < len(labels) and labels[beside].split()[:1] == ["places"]:
        places_column = beside  # "Children's homes" then "Places", one pair per provision type
    return _totals(data, years, homes_column, places_column)


def _long(data: list[list[Any]], labels: list[str], years: int, types: int) -> list[TimeSeriesTotal]:
    rows = [row for row in data if types < len(row) and header_key(row[types]) in {"childrens home", "childrens homes"}]
    counts = [
        label if not _PROVISION_TYPE.search(label) and re.search(r"\b(providers|homes|number|count)\b", label) else ""
        for label in labels
    ]
    homes_column = next((c for c, label in enumerate(counts) if label and "places" not in label and c != years), None)
    places_column = next((c for c, label in enumerate(labels) if "places" in label.split() and c != years), None)
    return _totals(rows, years, homes_column, places_column) if homes_column is not None else []


def _totals(rows: list[list[Any]], years: int, homes: int, places: int | None) -> list[TimeSeriesTotal]:
    totals = {}
    for row in rows:
        as_of, count = _year_of(row[years]), _count(row[homes] if homes < len(row) else None)
        if as_of is not None and count is not None:
            given = _count(row[places]) if places is not None and places < len(row) else None
            totals[as_of] = TimeSeriesTotal(as_of=as_of, homes=count, places=given)
    return sorted(totals.values(), key=lambda total: total.as_of)


def _rows_per_year(grid: list[list[Any]]) -> list[TimeSeriesTotal]:
    years = _year_column(grid)
    if years is None:
        return []
    first_data = next(i for i, row in enumerate(grid) if years < len(row) and _year_of(row[years]) is not None)
    data = [row for row in grid[first_data:] if years < len(row) and _year_of(row[years]) is not None]
    width = max(len(row) for row in grid)
    labels = _labels(_header_rows(grid, first_data, years), width)
    types = next((c for c, label in enumerate(labels) if _PROVISION_TYPE.search(label)), None)
    if types is not None:
        return _long(data, labels, years, types)
    return _wide(data, labels, years)


def totals_in_grid(grid: list[list[Any]]) -> list[TimeSeriesTotal]:
    """Children's homes and places by date in one sheet's cells; [] if it holds no such series."""
    totals = _rows_per_year(grid)
    if totals:
        return totals
    width = max((len(row) for row in grid), default=0)
    transposed = [[row[c] if c < len(row) else None for row in grid] for c in range(width)]
    return _rows_per_year(transposed)


def _sheets(path: Path) -> Iterator[tuple[str, list[list[Any]]]]:
    from registry.importers.ofsted_files import _ods_sheets, _xlsx_sheets

    reader = _ods_sheets if path.suffix.lower() == ".ods" else _xlsx_sheets
    for title, rows in reader(path):
        grid = [cells[:GRID_COLUMNS] for _count, (_line, cells) in zip(range(GRID_ROWS), rows, strict=False)]
        yield title, [[_text_or_value(cell) for cell in row] for row in grid]


def _text_or_value(cell: Any) -> Any:
    return cell.strip() if isinstance(cell, str) else cell


def time_series_totals(path: Path) -> list[TimeSeriesTotal]:
    """The release's time series of children's homes and places; [] for a CSV or none found.

    Sheets whose name or title says "time series" are tried first, then the others; a sheet
    that is the register itself (a URN header) is never one.
    """
    if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
        return []
    named: list[list[list[Any]]] = []
    others: list[list[list[Any]]] = []
    for title, grid in _sheets(path):
        if any(is_header_row(row) for row in grid[:50]):
            continue
        heading = header_key(" ".join([title, *(str(c) for row in grid[:5] for c in row if c not in (None, ""))]))
        (named if _TIME_SERIES.search(heading) else others).append(grid)
    for grid in [*named, *others]:
        if totals := totals_in_grid(grid):
            return totals
    return []


def official_totals_save(
    totals: list[TimeSeriesTotal], *, source: str, source_date: datetime.date | None
) -> dict[str, int]:
    """Stores each total under its source (idempotent: a re-read updates, never duplicates)."""
    created = 0
    for total in totals:
        _, is_new = OfficialTotal.objects.update_or_create(
            as_of=total.as_of,
            source=source[:255],
            defaults={"homes": total.homes, "places": total.places, "source_date": source_date},
        )
        created += is_new
    return {"official_totals_read": len(totals), "official_totals_new": created}


def official_totals_load(*, path: Path = OFFICIAL_TOTALS_CSV) -> dict[str, int]:
    """The curated official totals, each with its own source; an unreadable row refuses the file."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    parsed = []
    for line, row in enumerate(rows, start=2):
        try:
            as_of = datetime.date.fromisoformat(row["as_of"].strip())
            homes = int(row["homes"])
            places = int(row["places"]) if row["places"].strip() else None
            when = datetime.date.fromisoformat(row["source_date"]) if row["source_date"].strip() else None
        except (KeyError, ValueError, AttributeError) as error:
            raise ValueError(f"{path.name} line {line}: {error}") from error
        if not row["source"].strip():
            raise ValueError(f"{path.name} line {line}: no source given for the figures")
        parsed.append((TimeSeriesTotal(as_of=as_of, homes=homes, places=places), row["source"].strip(), when))
    counts = {"official_totals_read": 0, "official_totals_new": 0}
    with transaction.atomic():
        for total, source, when in parsed:
            for key, value in official_totals_save([total], source=source, source_date=when).items():
                counts[key] += value
    return counts


def release_totals_save(*, path: Path, as_of: datetime.date) -> dict[str, int]:
    """The official totals of a spreadsheet release's time series, dated by the release."""
    totals = time_series_totals(path)
    if not totals:
        return {}
    return official_totals_save(totals, source=f"Ofsted time series in {path.name}", source_date=as_of)
