"""ODS sheets streamed a row at a time, reading what pandas' reader read, in far less memory."""

from __future__ import annotations

import datetime
import tracemalloc
import zipfile
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped]
import pytest

from registry.importers.ofsted_files import _ods_sheets
from registry.importers.ofsted_guards import RegisterRefusedError

MARCH_2025 = datetime.datetime(2025, 3, 31)
NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def ods(path: Path, sheets: dict[str, str]) -> Path:
    tables = "".join(f'<table:table table:name="{name}">{rows}</table:table>' for name, rows in sheets.items())
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NAMESPACES}>'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    return path


def text(value: str, repeat: int = 1) -> str:
    repeated = f'table:number-columns-repeated="{repeat}"'
    return f'<table:table-cell office:value-type="string" {repeated}><text:p>{value}</text:p></table:table-cell>'


def empty(repeat: int = 1) -> str:
    return f'<table:table-cell table:number-columns-repeated="{repeat}"/>'


def row(*cells: str, repeat: int = 1) -> str:
    return f'<table:table-row table:number-rows-repeated="{repeat}">{"".join(cells)}</table:table-row>'


def read(path: Path) -> list[tuple[str, list[tuple[int, list[object]]]]]:
    return [(title, list(rows)) for title, rows in _ods_sheets(path)]


def test_every_kind_of_cell_repeats_and_trailing_empties_are_read(tmp_path):
    cells = [
        text("URN"),
        '<table:table-cell office:value-type="float" office:value="4"/>',
        '<table:table-cell office:value-type="float" office:value="2.5"/>',
        '<table:table-cell office:value-type="percentage" office:value="0.25"/>',
        '<table:table-cell office:value-type="date" office:date-value="2025-03-31"/>',
        '<table:table-cell office:value-type="boolean" office:boolean-value="true"/>',
        '<table:table-cell office:value-type="string"><text:p>Latest full<text:s text:c="2"/>inspection</text:p>'
        "<text:p>date</text:p></table:table-cell>",
        text("N/A"),
        '<table:covered-table-cell office:value-type="string"><text:p>merged</text:p></table:covered-table-cell>',
        empty(1000),
    ]
    path = ods(
        tmp_path / "kinds.ods",
        {
            "Cover": row(text("Children's social care data in England")),
            "Register": row(*cells)
            + row(empty(5))
            + "<table:table-row-group>"
            + row(text("SC1", repeat=2), empty(2), text("x"), repeat=2)
            + "</table:table-row-group>"
            + row(empty(16384), repeat=1_048_000),
        },
    )

    sheets = read(path)

    assert sheets == [
        ("Cover", [(1, ["Children's social care data in England"])]),
        (
            "Register",
            [
                (
                    1,
                    [
                        "URN",
                        4,
                        2.5,
                        0.25,
                        datetime.datetime(2025, 3, 31),
                        True,
                        "Latest full  inspection\ndate",
                        None,
                        "merged",
                    ],
                ),
                (2, [None] * 9),
                (3, ["SC1", "SC1", None, None, "x", None, None, None, None]),
                (4, ["SC1", "SC1", None, None, "x", None, None, None, None]),
            ],
        ),
    ]


def test_a_sheet_written_by_pandas_reads_as_pandas_reads_it(tmp_path):
    frame = pd.DataFrame(
        [["URN", "Places", "Registration date", "Sector"], ["SC000001", 4, datetime.datetime(2020, 2, 1), "Private"]]
        + [[f"SC{n:06d}", n % 7, None, "N/A"] for n in range(2, 40)]
    )
    path = tmp_path / "pandas.ods"
    frame.to_excel(path, engine="odf", header=False, index=False)
    frames = pd.read_excel(path, engine="odf", header=None, sheet_name=None, dtype=object)
    expected = [
        (str(title), list(enumerate(f.astype(object).where(f.notna(), None).to_numpy().tolist(), start=1)))
        for title, f in frames.items()
    ]

    assert read(path) == expected


def test_a_large_sheet_is_read_a_row_at_a_time(tmp_path):
    rows = "".join(
        row(text(f"SC{n:06d}"), text("Children's home"), text("Private" * 20), empty(40)) for n in range(20_000)
    )
    path = ods(tmp_path / "large.ods", {"Register": rows})

    tracemalloc.start()
    count = sum(1 for _title, sheet in _ods_sheets(path) for _ in sheet)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert count == 20_000
    assert peak < 8 * 1024 * 1024  # the sheet's XML is about 4 MB; pandas held hundreds of MB


@pytest.mark.parametrize("cut", [200, 1000])
def test_a_sheet_left_part_read_does_not_stop_the_next(tmp_path, cut):
    path = ods(
        tmp_path / "two.ods",
        {"First": "".join(row(text(str(n))) for n in range(cut)), "Second": row(text("URN"))},
    )
    titles = []
    for title, rows in _ods_sheets(path):
        titles.append((title, next(rows)))

    assert titles == [("First", (1, ["0"])), ("Second", (1, ["URN"]))]


def test_negative_repeats_and_huge_space_counts_expand_nothing_hostile(tmp_path, settings):
    settings.REGISTER_MAX_ROWS = 1000
    billion = '<text:s text:c="1000000000"/>'
    spaces = f'<table:table-cell office:value-type="string"><text:p>a{billion}b</text:p></table:table-cell>'
    path = ods(
        tmp_path / "negative.ods",
        {"Register": row(text("URN"), repeat=-1_000_000) + row(text("x"), repeat=1_000_000) + row(spaces)},
    )

    with pytest.raises(RegisterRefusedError, match="has a sheet of more than 1,000 rows"):
        read(path)  # the negative count no longer cancels the million rows after it

    [(_title, rows)] = read(ods(tmp_path / "spaces.ods", {"Register": row(text("URN"), repeat=0) + row(spaces)}))
    assert rows == [(1, ["URN"]), (2, ["a" + " " * 1000 + "b"])]
