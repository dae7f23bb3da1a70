"""ODS sheets read as a stream of rows, holding one row at a time (issue 13).

pandas' ODF reader (odfpy) built the whole document in memory, many times the size of its
XML, before the first row could be read. This reader pulls content.xml through expat
(ElementTree.iterparse) and drops each row once it is read. It gives what pandas gave: numbers
as int when whole (else float), dates as datetime, booleans, text, and None for an empty cell
or one whose text pandas read as missing ("N/A", "NULL"...); repeated rows and cells expanded;
trailing empty rows dropped; every row as wide as the sheet's widest, as counted by
spreadsheet_limits before this reader runs (which also refuses repeats past the limits).
Paragraphs of one cell are joined by a line break (pandas ran them together).
"""

from __future__ import annotations

import datetime
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from registry.importers.spreadsheet_limits import repeat_count

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_SHEET = f"{_TABLE}table"
_ROW = f"{_TABLE}table-row"
_CELLS = {f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"}
_NUMBERS = {"float", "percentage", "currency"}
# Spaces one text:s element may stand for (its count is the file's to choose: a billion is a bomb).
MAX_SPACES = 1000
# The strings pandas' reader turned into missing values (pandas.io.parsers' defaults).
_MISSING = {
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
}

Row = tuple[int, list[Any]]
Events = Iterator[tuple[str, ElementTree.Element]]


def _text(element: ElementTree.Element) -> str:
    """A paragraph's text with its spaces (text:s), tabs and line breaks."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == f"{_TEXT}s":
            parts.append(" " * min(repeat_count(child.get(f"{_TEXT}c")), MAX_SPACES))
        elif child.tag == f"{_TEXT}tab":
            parts.append("\t")
        elif child.tag == f"{_TEXT}line-break":
            parts.append("\n")
        else:
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def cell_value(cell: ElementTree.Element) -> Any:
    """The cell's value as pandas' reader first read it (None when empty; missing-value text,
    such as "N/A", still as text: a row or column holding only that still counts)."""
    kind = cell.get(f"{_OFFICE}value-type")
    if kind in _NUMBERS:
        number = float(cell.get(f"{_OFFICE}value", "nan"))
        return int(number) if kind == "float" and number.is_integer() else number
    if kind == "date":
        return datetime.datetime.fromisoformat(cell.get(f"{_OFFICE}date-value", ""))
    if kind == "boolean":
        return cell.get(f"{_OFFICE}boolean-value") == "true"
    if kind is None:
        return None
    text = "\n".join(_text(paragraph) for paragraph in cell if paragraph.tag == f"{_TEXT}p")
    return text or None


def _missing_as_none(value: Any) -> Any:
    return None if isinstance(value, str) and value in _MISSING else value


def _row_values(row: ElementTree.Element) -> list[Any]:
    """The row's values, its repeated cells expanded up to its last value."""
    values: list[Any] = []
    empty = 0
    for cell in row:
        if cell.tag not in _CELLS:
            continue
        repeat = repeat_count(cell.get(f"{_TABLE}number-columns-repeated"))
        value = cell_value(cell)
        if value is None:
            empty += repeat  # only expanded if a value follows
            continue
        values.extend([None] * empty + [_missing_as_none(value)] * repeat)
        empty = 0
    return values


def _sheet_rows(events: Events, sheet: ElementTree.Element, width: int) -> Iterator[Row]:
    """The rows of the sheet whose start tag was just read, up to its end tag."""
    open_elements: list[ElementTree.Element] = []
    number = empty_rows = 0
    for event, element in events:
        if event == "start":
            open_elements.append(element)
            continue
        if element is sheet:
            return
        open_elements.pop()
        if element.tag != _ROW:
            continue
        values = _row_values(element)
        repeat = repeat_count(element.get(f"{_TABLE}number-rows-repeated"))
        (open_elements[-1] if open_elements else sheet).remove(element)  # one row held at a time
        if not values:  # no cell with a value, though one may be missing-value text
            empty_rows += repeat  # only expanded if a row with values follows
            continue
        for _ in range(empty_rows):
            number += 1
            yield number, [None] * width
        empty_rows = 0
        padded = values + [None] * (width - len(values))
        for _ in range(repeat):
            number += 1
            yield number, list(padded)


def ods_sheets(path: Path, widths: list[int]) -> Iterator[tuple[str, Iterator[Row]]]:
    """Each sheet's name and rows, in order; `widths` are the sheets' widths, as counted.

    A sheet's rows must be read (or left) before the next sheet is asked for.
    """
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as stream:
        # Expat 2.4+ refuses entity amplification, and ElementTree never fetches external entities.
        events: Events = iter(ElementTree.iterparse(stream, events=("start", "end")))  # noqa: S314
        sheet_widths = iter(widths)
        for event, element in events:
            if event == "start" and element.tag == _SHEET:
                yield element.get(f"{_TABLE}name", ""), _sheet_rows(events, element, next(sheet_widths, 0))
            elif event == "end" and element.tag in (_ROW, _SHEET):
                element.clear()  # rows of a sheet left unread, and finished sheets
