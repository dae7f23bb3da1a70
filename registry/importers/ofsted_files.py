"""Reading Ofsted's provider-level register in any year's layout: CSV, XLSX or ODS.

Layouts differ by year: title rows above the header (found by its cells, "URN" and
"Provision type"), UTF-8 with or without BOM or cp1252, newlines inside header cells, and
header spellings that changed ("Reg Status" / "Registration status", "Setting Name" / "Name",
"Latest full inspection overall experiences..." / "Overall experiences..."). Columns are
matched by normalised header text against the aliases below, never by position.
"""

from __future__ import annotations

import calendar
import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry.importers import ofsted_guards

Cell = Any  # str from CSV; str, int, float, datetime or None from spreadsheets

# How many rows above the header a file may have before we give up looking for it.
HEADER_SEARCH_ROWS = 50

# Field -> normalised header spellings seen over the years (see header_key()).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "urn": ("urn",),
    "provision_type": ("provision type", "type of provision", "provider type"),
    "registration_date": ("registration date", "reg date", "date registered"),
    "registration_status": ("registration status", "reg status"),
    "name": ("name", "setting name", "provider name"),
    "ofsted_region": ("ofsted region", "region"),
    "government_office_region": ("government office region", "gor"),
    "local_authority": ("local authority", "local authority name", "la"),
    "sector": ("sector",),
    "places": ("places", "number of places", "registered places", "maximum places"),
    "short_break_only": ("short break only childrens home", "short breaks only", "short break only"),
    "multi_building": ("multi building childrens home", "multi building home"),
    "owner": (
        "organisation which owns the provider",
        "organisation",
        "owner",
        "registered owner",
        "registered provider",
    ),
    "inspection_date": ("inspection date", "latest full inspection date", "latest inspection date"),
    "overall_judgement": (
        "overall experiences and progress of children and young people",
        "latest full inspection overall experiences and progress of children and young people",
        "overall effectiveness",
    ),
    "protection_judgement": (
        "how well children and young people are helped and protected",
        "latest full inspection how well children and young people are helped and protected",
    ),
    "leadership_judgement": (
        "effectiveness of leaders and managers",
        "latest full inspection effectiveness of leaders and managers",
        "latest full inspection the effectiveness of leaders and managers",
    ),
}
REQUIRED_FIELDS = ("urn", "provision_type", "local_authority", "sector")

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTH_PATTERN = "|".join(sorted(_MONTHS, key=len, reverse=True))
_TITLE_DATE = re.compile(rf"\bas at\s+(?:(\d{{1,2}})(?:st|nd|rd|th)?\s+)?({_MONTH_PATTERN})\w*\s+(\d{{4}})", re.I)
_NAME_DATE = re.compile(rf"(?<![a-z])({_MONTH_PATTERN})(?![a-z])[\s_-]*(\d{{4}})", re.I)
_NAME_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


class RegisterFormatError(ValueError):
    """The file is not a provider-level register we can read."""


@dataclass
class RegisterTable:
    """A register's header, the text above it, and its data rows with their line numbers."""

    columns: dict[str, int]
    title_text: str
    rows: Iterator[tuple[int, list[Cell]]]

    def value(self, cells: list[Cell], field: str) -> Cell:
        index = self.columns.get(field)
        if index is None or index >= len(cells):
            return None
        return cells[index]


def header_key(text: Cell) -> str:
    """A header cell's comparable form: "\\nLatest Full inspection event type" -> "latest full ..."."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    value = value.replace("'", "")
    value = " ".join(re.sub(r"[^a-z0-9]+", " ", value).split())
    return value.removeprefix("the ")


def map_columns(header: list[Cell]) -> dict[str, int]:
    """Field -> column index; the first column whose header is an alias wins."""
    keys = [header_key(cell) for cell in header]
    columns: dict[str, int] = {}
    for field, aliases in HEADER_ALIASES.items():
        for index, key in enumerate(keys):
            if key in aliases:
                columns[field] = index
                break
    missing = [field for field in REQUIRED_FIELDS if field not in columns]
    if missing:
        raise RegisterFormatError(f"the header row has no column for {', '.join(missing)}")
    return columns


def _is_header(cells: list[Cell]) -> bool:
    keys = {header_key(cell) for cell in cells}
    return "urn" in keys and bool(keys & set(HEADER_ALIASES["provision_type"]))


def _find_header(rows: Iterator[tuple[int, list[Cell]]]) -> tuple[list[Cell] | None, list[str]]:
    """The header among the first rows (None if there is none) and the text above it."""
    above: list[str] = []
    for _count, (_line, cells) in zip(range(HEADER_SEARCH_ROWS), rows, strict=False):
        if _is_header(cells):
            return cells, above
        above.append(" ".join(str(cell) for cell in cells if cell not in (None, "")))
    return None, above


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else cp1252 (Ofsted's 2022 and 2024 files), else Latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _csv_rows(text: str) -> Iterator[tuple[int, list[Cell]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    for cells in reader:
        yield line, list(cells)
        line = reader.line_num + 1


def _xlsx_sheets(path: Path) -> Iterator[tuple[str, Iterator[tuple[int, list[Cell]]]]]:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    for sheet in workbook.worksheets:
        rows = ((number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), start=1))
        yield sheet.title, rows


def _ods_sheets(path: Path) -> Iterator[tuple[str, Iterator[tuple[int, list[Cell]]]]]:
    import pandas  # type: ignore[import-untyped]

    frames = pandas.read_excel(path, engine="odf", header=None, sheet_name=None, dtype=object)
    for title, frame in frames.items():
        values = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
        yield str(title), ((number, list(cells)) for number, cells in enumerate(values, start=1))


def _spreadsheet_table(sheets: Iterable[tuple[str, Iterator[tuple[int, list[Cell]]]]]) -> RegisterTable | None:
    """The first sheet with a header; the text of earlier sheets (a cover) counts as title."""
    seen: list[str] = []
    for title, rows in sheets:
        header, above = _find_header(rows)
        seen.extend([title, *above])
        if header is not None:
            return RegisterTable(columns=map_columns(header), title_text="\n".join(seen), rows=rows)
    return None


def _csv_table(path: Path) -> RegisterTable | None:
    text = _decode(path.read_bytes())
    rows = _csv_rows(text)
    header, above = _find_header(rows)
    if header is None:
        return None
    checked = ofsted_guards.csv_rows_complete(rows, name=path.name, header_width=len(header), text=text)
    return RegisterTable(
        columns=map_columns(header),
        title_text="\n".join(above),
        rows=ofsted_guards.rows_capped(checked, name=path.name),
    )


def register_open(path: Path) -> RegisterTable:
    """The register table of a CSV, XLSX or ODS file; RegisterFormatError if there is none."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        table = _spreadsheet_table(_xlsx_sheets(path))
    elif suffix == ".ods":
        table = _spreadsheet_table(_ods_sheets(path))
    else:
        table = _csv_table(path)
    if table is None:
        raise RegisterFormatError(
            f"{path.name}: no header row with 'URN' and 'Provision type' in the first {HEADER_SEARCH_ROWS} rows"
        )
    return table


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def as_of_from_title(text: str) -> datetime.date | None:
    """ "... Provider level as at 31 March 2025" -> 2025-03-31; "as at March 2022" -> month end."""
    match = _TITLE_DATE.search(text)
    if match is None:
        return None
    day, month, year = match.group(1), _MONTHS[match.group(2).lower()[:3]], int(match.group(3))
    if day is None:
        return _month_end(year, month)
    try:
        return datetime.date(year, month, int(day))
    except ValueError:
        return None


def as_of_from_file_name(name: str) -> datetime.date | None:
    """ "provider_at_march_2019.csv" -> 2019-03-31; "register-2024-03-31.xlsx" -> that date."""
    iso = _NAME_ISO_DATE.search(name)
    if iso is not None:
        try:
            return datetime.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            return None
    match = _NAME_DATE.search(name)
    if match is None:
        return None
    return _month_end(int(match.group(2)), _MONTHS[match.group(1).lower()[:3]])
