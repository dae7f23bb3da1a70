"""Reading Ofsted's provider-level register in any year's layout: CSV, XLSX or ODS.

Layouts differ by year: title rows above the header (found by its cells, "URN" and
"Provision type"), UTF-8 with or without BOM or cp1252, newlines inside header cells, and
header spellings that changed ("Reg Status" / "Registration status", "Setting Name" / "Name",
"Latest full inspection overall experiences..." / "Overall experiences..."). Columns are
recognised by their header text, never by position (registry/importers/ofsted_columns.py).
"""

from __future__ import annotations

import calendar
import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry.importers import ods_reader, ofsted_guards, spreadsheet_limits
from registry.importers.ofsted_columns import (  # noqa: F401 - header_key is read from here too
    RegisterFormatError,
    header_key,
    is_header_row,
    map_columns,
)

Cell = Any  # str from CSV; str, int, float, datetime or None from spreadsheets

# How many rows above the header a file may have before we give up looking for it.
HEADER_SEARCH_ROWS = 50


_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTH_PATTERN = "|".join(sorted(_MONTHS, key=len, reverse=True))
_TITLE_DATE = re.compile(rf"\bas at\s+(?:(\d{{1,2}})(?:st|nd|rd|th)?\s+)?({_MONTH_PATTERN})\w*\s+(\d{{4}})", re.I)
_NAME_DATE = re.compile(rf"(?<![a-z])({_MONTH_PATTERN})(?![a-z])[\s_-]*(\d{{4}})", re.I)
_NAME_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


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


def _find_header(rows: Iterator[tuple[int, list[Cell]]]) -> tuple[list[Cell] | None, list[str]]:
    """The header among the first rows (None if there is none) and the text above it."""
    above: list[str] = []
    for _count, (_line, cells) in zip(range(HEADER_SEARCH_ROWS), rows, strict=False):
        if is_header_row(cells):
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
    """Each sheet's rows, streamed by openpyxl once the archive has passed spreadsheet_limits."""
    import openpyxl

    spreadsheet_limits.spreadsheet_check(path, kind="XLSX")
    with spreadsheet_limits.unreadable_refused(path.name, "XLSX"):
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for sheet in workbook.worksheets:
            # openpyxl pads every row to the width the sheet declares.
            spreadsheet_limits.extent_check(path.name, rows=0, columns=sheet.max_column)
            values = enumerate(sheet.iter_rows(values_only=True), start=1)
            rows = spreadsheet_limits.rows_readable(
                ((number, list(cells)) for number, cells in values), name=path.name, kind="XLSX"
            )
            yield sheet.title, ofsted_guards.rows_capped(rows, name=path.name)


def _ods_sheets(path: Path) -> Iterator[tuple[str, Iterator[tuple[int, list[Cell]]]]]:
    """Each sheet's rows, streamed by ods_reader once the archive has passed spreadsheet_limits."""
    widths = spreadsheet_limits.spreadsheet_check(path, kind="ODS")
    with spreadsheet_limits.unreadable_refused(path.name, "ODS"):
        for title, rows in ods_reader.ods_sheets(path, widths):
            yield title, spreadsheet_limits.rows_readable(rows, name=path.name, kind="ODS")


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
    ofsted_guards.csv_size_check(path)  # the file is read whole
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
