"""Ofsted's official totals read from a spreadsheet release's time-series sheet, in its layouts."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd  # type: ignore[import-untyped]
import pytest

from registry.importers.ofsted import ofsted_register_import
from registry.importers.ofsted_totals import TimeSeriesTotal, totals_in_grid
from registry.models import OfficialTotal
from registry.selectors import register_editions

pytestmark = pytest.mark.django_db

MARCH_2024 = datetime.date(2024, 3, 31)
REGISTER: list[list[object]] = [
    ["Children's social care data in England 2024 - Provider level as at 31 March 2024"],
    ["URN", "Provision type", "Local authority", "Sector", "Places", "Organisation which owns the provider"],
    ["SC000001", "Children's home", "Lancashire", "Private", 4, "Keys Ltd"],
]
# Two header rows, the provision types merged across their providers and places.
WIDE = [
    ["Table 1: Providers and places by provision type, time series"],
    [],
    ["Year", "Children's homes", None, "Secure children's homes", None, "Residential special schools", None],
    [None, "Providers", "Places", "Providers", "Places", "Providers", "Places"],
    ["31 March 2022", "2,880", "10,818", 13, 233, 48, "x"],
    ["31 March 2023", 3050, 11857, 14, 236, 49, 900],
    ["31 March 2024", 3400, 13000, 14, 240, 50, 910],
]
LONG = [
    ["Children's homes and places, time series"],
    ["Year", "Provision type", "Number of providers", "Number of places"],
    [2023, "Secure children's home", 14, 236],
    [2023, "Children's home", 3050, 11857],
    [2024, "Children's home", 3400, 13000],
    [2024, "Secure children's home", 14, 240],
]
ACROSS = [
    ["Time series of children's homes at 31 March"],
    ["Provision", "2022-23", "2023-24"],
    ["Secure children's homes", 14, 14],
    ["Children's homes", 3050, 3400],
    ["Children's homes places", 11857, 13000],
]
EXPECTED = [
    TimeSeriesTotal(as_of=datetime.date(2023, 3, 31), homes=3050, places=11857),
    TimeSeriesTotal(as_of=MARCH_2024, homes=3400, places=13000),
]


def write_release(path: Path, sheets: Mapping[str, Sequence[Sequence[object]]]) -> Path:
    if path.suffix == ".xlsx":
        workbook = openpyxl.Workbook()
        workbook.remove(workbook.active)
        for title, rows in sheets.items():
            sheet = workbook.create_sheet(title)
            for row in rows:
                sheet.append(row)
        workbook.save(path)
        return path
    with pd.ExcelWriter(path, engine="odf") as writer:
        for title, rows in sheets.items():
            width = max(len(row) for row in rows)
            padded = [[*row, *([None] * (width - len(row)))] for row in rows]
            pd.DataFrame(padded).to_excel(writer, sheet_name=title, header=False, index=False)
    return path


@pytest.mark.parametrize("suffix", [".ods", ".xlsx"])
@pytest.mark.parametrize(("name", "layout"), [("Time_series", WIDE), ("Table_7", LONG), ("Trend", ACROSS)])
def test_a_release_with_a_time_series_sheet_stores_ofsteds_totals(reference_data, tmp_path, suffix, name, layout):
    sheets = {"Cover": [["Children's social care data in England 2024"]], "Provider_level": REGISTER, name: layout}
    path = write_release(tmp_path / f"release{suffix}", sheets)

    run = ofsted_register_import(path=path)

    stored = OfficialTotal.objects.order_by("as_of").values_list("as_of", "homes", "places", "source", "source_date")
    expected = [(t.as_of, t.homes, t.places, f"Ofsted time series in release{suffix}", MARCH_2024) for t in EXPECTED]
    if layout is WIDE:
        expected.insert(
            0, (datetime.date(2022, 3, 31), 2880, 10818, f"Ofsted time series in release{suffix}", MARCH_2024)
        )
    assert list(stored) == expected
    assert run.counts["official_totals_read"] == len(expected)
    edition = register_editions()[MARCH_2024]
    assert (edition.register_homes, edition.official_homes, edition.official_places) == (1, 3400, 13000)

    ofsted_register_import(path=path)  # a re-import restates, never duplicates
    assert OfficialTotal.objects.count() == len(expected)


def test_a_release_without_a_time_series_stores_no_totals(reference_data, tmp_path):
    path = write_release(tmp_path / "release.xlsx", {"Provider_level": REGISTER, "Notes": [["Some notes"], ["x"]]})

    run = ofsted_register_import(path=path)

    assert not OfficialTotal.objects.exists()
    assert "official_totals_read" not in run.counts


def test_a_count_of_about_two_thousand_is_not_taken_for_a_year():
    grid: list[list[Any]] = [
        ["Year", "Children's homes", "Places"],
        ["31 March 2015", 2015, 8000],
        ["31 March 2016", 2016, 8518],
    ]

    assert totals_in_grid(grid) == [
        TimeSeriesTotal(as_of=datetime.date(2015, 3, 31), homes=2015, places=8000),
        TimeSeriesTotal(as_of=datetime.date(2016, 3, 31), homes=2016, places=8518),
    ]


def test_a_newer_release_restates_an_older_figure_and_the_newest_wins(reference_data):
    march_2023 = datetime.date(2023, 3, 31)
    OfficialTotal.objects.create(as_of=march_2023, homes=2880, places=10818, source="old", source_date=march_2023)
    OfficialTotal.objects.create(as_of=march_2023, homes=3050, places=11857, source="new", source_date=MARCH_2024)
    OfficialTotal.objects.create(as_of=march_2023, homes=1, places=1, source="curated", source_date=None)

    from registry.selectors import official_totals

    assert official_totals()[march_2023].source == "new"
