"""Spreadsheet archives checked before any parser sees them: readable, and within the limits.

XLSX and ODS files are zip archives of XML. A few hundred kilobytes can decompress to
gigabytes (an XLSX bomb peaked at 4.4 GB), and a few bytes can make a reader build millions
of cells: an ODS row or cell that says it repeats a million times, an XLSX cell at column
16,384 or row 1,048,576 (openpyxl pads rows out to their last cell and fills gaps). So, before
openpyxl or ods_reader reads a sheet: the members' declared sizes, then their actual sizes as
streamed, are held to SPREADSHEET_MAX_UNCOMPRESSED_BYTES; an XLSX's shared strings are counted
(openpyxl keeps them all in a list), and its worksheets' row and cell references; an ODS's
rows and columns are counted with their repeats as ods_reader expands them; the sheets are
held to REGISTER_MAX_ROWS and REGISTER_MAX_COLUMNS. Each XML stream is read by expat, whose
memory does not grow with the file. A file that is not a readable archive is refused as such,
never with a traceback.
"""

from __future__ import annotations

import contextlib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.parsers import expat

from django.conf import settings

from registry.importers.ofsted_guards import RegisterRefusedError

CHUNK_BYTES = 1 << 20
_XLSX_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_ODS_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_ODS_CELLS = {f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell"}


def _unreadable(name: str, kind: str, error: BaseException) -> RegisterRefusedError:
    reason = str(error) or type(error).__name__
    return RegisterRefusedError(
        f"This file is not a readable {kind} spreadsheet: {reason} ({name}). Nothing was imported."
    )


@contextlib.contextmanager
def unreadable_refused(name: str, kind: str) -> Iterator[None]:
    """Any failure of the archive or its parser, inside the block, refuses the file as unreadable."""
    try:
        yield
    except RegisterRefusedError:
        raise
    except Exception as error:  # whatever a parser raises, the file cannot be read
        raise _unreadable(name, kind, error) from error


def _too_big(name: str, size: int, how: str) -> RegisterRefusedError:
    limit = settings.SPREADSHEET_MAX_UNCOMPRESSED_BYTES
    return RegisterRefusedError(
        f"{name} {how} to {size / 1e6:,.0f} MB or more, past the {limit / 1e6:,.0f} MB allowed "
        "(SPREADSHEET_MAX_UNCOMPRESSED_BYTES): refused unread, as a spreadsheet built to exhaust memory "
        "would be. Nothing was imported."
    )


def _sizes_check(name: str, archive: zipfile.ZipFile) -> None:
    """The members' sizes as declared, then as streamed (zipfile stops at the declared size
    and checks each member's CRC, so a member that lies about its size is unreadable)."""
    limit = settings.SPREADSHEET_MAX_UNCOMPRESSED_BYTES
    members = archive.infolist()
    declared = sum(member.file_size for member in members)
    if declared > limit:
        raise _too_big(name, declared, "says it decompresses")
    actual = 0
    for member in members:
        with archive.open(member) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                actual += len(chunk)
                if actual > limit:
                    raise _too_big(name, actual, "decompresses")


def _stream_elements(
    archive: zipfile.ZipFile, member: str, on_start: Any, on_end: Any = None, on_text: Any = None
) -> None:
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = on_start
    if on_end is not None:
        parser.EndElementHandler = on_end
    if on_text is not None:
        parser.CharacterDataHandler = on_text
    with archive.open(member) as stream:
        parser.ParseFile(stream)


def _shared_strings_check(name: str, archive: zipfile.ZipFile) -> None:
    limit = settings.SPREADSHEET_MAX_SHARED_STRINGS
    count = 0

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal count
        if tag == f"{_XLSX_MAIN}si":
            count += 1
            if count > limit:
                raise RegisterRefusedError(
                    f"{name} holds more than {limit:,} shared strings (SPREADSHEET_MAX_SHARED_STRINGS); "
                    "a register holds tens of thousands. Nothing was imported."
                )

    for member in archive.namelist():
        if member.lower().endswith("sharedstrings.xml"):
            _stream_elements(archive, member, start)


def repeat_count(value: str | None) -> int:
    """An ODS repeat count: at least 1 (a zero or negative count would let the rows counted
    here fall behind the rows the reader then expands)."""
    return max(1, int(value or 1))


class _OdsExtent:
    """Rows and columns of each ODS sheet as ods_reader expands them: repeats counted up to
    the last row and column holding a value (trailing empty repeats are not expanded); a text
    cell holds a value when it has text."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows = self.pending_rows = self.row_repeat = self.column = self.last_filled = 0
        self.text_cell = False  # inside a text cell whose text is not yet seen
        self.widths: list[int] = []  # each sheet's, in order: the reader pads its rows to it

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        if tag == f"{_ODS_TABLE}table":
            self.rows = self.pending_rows = 0
            self.widths.append(0)
        elif tag == f"{_ODS_TABLE}table-row":
            self.row_repeat = repeat_count(attributes.get(f"{_ODS_TABLE}number-rows-repeated"))
            self.column = self.last_filled = 0
        elif tag in _ODS_CELLS:
            self.column += repeat_count(attributes.get(f"{_ODS_TABLE}number-columns-repeated"))
            kind = attributes.get(f"{_ODS_OFFICE}value-type")
            self.text_cell = kind == "string"
            if kind is not None and not self.text_cell:
                self.last_filled = self.column
        elif tag == f"{_ODS_TEXT}s":
            self.text(" ")

    def text(self, data: str) -> None:
        if self.text_cell and data.strip("\n"):
            self.last_filled = self.column
            self.text_cell = False

    def end(self, tag: str) -> None:
        if tag in _ODS_CELLS:
            self.text_cell = False
        if tag != f"{_ODS_TABLE}table-row":
            return
        if not self.last_filled:
            self.pending_rows += self.row_repeat
            return
        self.rows += self.pending_rows + self.row_repeat
        self.pending_rows = 0
        extent_check(self.name, rows=self.rows, columns=self.last_filled)
        if self.widths:
            self.widths[-1] = max(self.widths[-1], self.last_filled)


def _column_number(reference: str) -> int:
    """ "GJH3" -> 5000: the column of an XLSX cell reference."""
    number = 0
    for letter in reference:
        if not letter.isalpha():
            break
        number = number * 26 + ord(letter.upper()) - ord("A") + 1
    return number


class _XlsxExtent:
    """The last row and column holding a cell in each XLSX worksheet: openpyxl pads every row
    out to its last cell, and fills gaps between rows, so these bound what it builds."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.row = self.column = 0

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        if tag == f"{_XLSX_MAIN}row":
            reference = attributes.get("r")
            self.row = int(reference) if reference and reference.isdigit() else self.row + 1
            self.column = 0
            extent_check(self.name, rows=self.row, columns=None)
        elif tag == f"{_XLSX_MAIN}c":
            reference = attributes.get("r")
            self.column = _column_number(reference) if reference else self.column + 1
            extent_check(self.name, rows=0, columns=self.column)


def extent_check(name: str, *, rows: int, columns: int | None) -> None:
    """Refuses a sheet past REGISTER_MAX_ROWS rows or REGISTER_MAX_COLUMNS columns."""
    if rows > settings.REGISTER_MAX_ROWS:
        raise RegisterRefusedError(
            f"{name} has a sheet of more than {settings.REGISTER_MAX_ROWS:,} rows (REGISTER_MAX_ROWS); "
            "a register has a few thousand. Nothing was imported."
        )
    if columns is not None and columns > settings.REGISTER_MAX_COLUMNS:
        raise RegisterRefusedError(
            f"{name} has a sheet {columns:,} columns wide, more than the {settings.REGISTER_MAX_COLUMNS:,} allowed "
            "(REGISTER_MAX_COLUMNS); a register has about 45. Nothing was imported."
        )


def spreadsheet_check(path: Path, *, kind: str) -> list[int]:
    """Refuses an XLSX or ODS file that is not a readable archive or is past the limits.

    Returns an ODS's sheet widths, as counted (none for an XLSX).
    """
    with unreadable_refused(path.name, kind), zipfile.ZipFile(path) as archive:
        _sizes_check(path.name, archive)
        if kind == "XLSX":
            _shared_strings_check(path.name, archive)
            for member in archive.namelist():
                if member.startswith("xl/worksheets/") and member.endswith(".xml"):
                    _stream_elements(archive, member, _XlsxExtent(path.name).start)
            return []
        extent = _OdsExtent(path.name)
        _stream_elements(archive, "content.xml", extent.start, extent.end, extent.text)
        return extent.widths


def rows_readable(rows: Iterator[Any], *, name: str, kind: str) -> Iterator[Any]:
    """A sheet's rows, read lazily by its parser: a failure part way refuses the file as unreadable."""
    with unreadable_refused(name, kind):
        yield from rows
