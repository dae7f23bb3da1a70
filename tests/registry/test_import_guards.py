"""Whole register files refused before anything changes: cut short, empty, shrunk, hostile, corrupt."""

from __future__ import annotations

import csv
import datetime
import io
import re
import struct
import tracemalloc
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pandas as pd  # type: ignore[import-untyped]
import pytest
from django.core.management import CommandError, call_command

from ownership.models import Entity
from providers.models import Home, HomeObservation, ImportRun, ProviderOrganisation
from registry.importers.ofsted import ofsted_register_import
from registry.importers.ofsted_guards import RegisterRefusedError
from registry.importers.spreadsheet_limits import spreadsheet_check
from tests.registry.register_counts import real_file

pytestmark = pytest.mark.django_db

MARCH_2024 = datetime.date(2024, 3, 31)
MARCH_2025 = datetime.date(2025, 3, 31)
HEADER = [
    "URN",
    "Provision type",
    "Registration date",
    "Name",
    "Ofsted region",
    "Local authority",
    "Sector",
    "Places",
    "Organisation which owns the provider",
    "Overall experiences and progress of children and young people",
]


def home_row(urn: str, owner: str = "Cambian Childcare Limited", judgement: str = "Good") -> list[str]:
    cells = [urn, "Children's home", "01/02/2020", "REDACTED", "North West", "Lancashire", "Private", "4"]
    return [*cells, owner, judgement]


def csv_text(rows: list[list[str]], *, as_of: str = "31 March 2025") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([f"Children's social care data in England - Provider level as at {as_of}"])
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue()


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def snapshot() -> dict[str, object]:
    """Everything an import writes (a refused import may add only its FAILED ImportRun)."""
    return {
        "homes": list(Home.objects.order_by("urn").values()),
        "observations": list(HomeObservation.objects.order_by("pk").values()),
        "organisations": list(ProviderOrganisation.objects.order_by("pk").values()),
        "entities": list(Entity.objects.order_by("pk").values()),
        "runs": list(ImportRun.objects.exclude(status=ImportRun.Status.FAILED).order_by("pk").values()),
    }


def refused(path: Path, match: str, **options: object) -> None:
    """The command exits non-zero with the message, and records the attempt as FAILED."""
    with pytest.raises(CommandError, match=match):
        call_command("import_ofsted", str(path), **options)
    failed = ImportRun.objects.filter(status=ImportRun.Status.FAILED).latest("pk")
    assert failed.source_name == path.name
    assert "RegisterRefusedError" in failed.error


@pytest.fixture
def three_homes(reference_data, tmp_path) -> None:
    rows = [home_row("SC000001"), home_row("SC000002"), home_row("SC000003")]
    ofsted_register_import(path=write(tmp_path / "register_2024.csv", csv_text(rows, as_of="31 March 2024")))


# A file cut short -----------------------------------------------------------------------


def test_a_csv_cut_mid_row_is_refused_and_changes_nothing(three_homes, tmp_path):
    text = csv_text([home_row("SC000001"), home_row("SC000002"), home_row("SC000003", owner="Keys Group Limited")])
    cut = text[: text.index("Keys Group") + len("Keys Gr")]  # the owner cut, the judgement gone
    before = snapshot()

    refused(write(tmp_path / "cut.csv", cut), match=r"cut\.csv: the last row \(line 5\) is incomplete, with 9 of 10")

    assert snapshot() == before


def test_a_csv_cut_inside_a_quoted_cell_is_refused(three_homes, tmp_path):
    text = csv_text([home_row("SC000001"), home_row("SC000002"), home_row("SC000003", owner="Keys, Group Limited")])
    cut = text[: text.index("Keys, Group") + len("Keys, Gr")]
    before = snapshot()

    refused(write(tmp_path / "cut.csv", cut), match="ends inside a quoted cell: the file looks cut short")

    assert snapshot() == before


def test_a_last_row_without_a_line_break_is_read_when_it_is_whole(reference_data, tmp_path):
    # Ofsted's 2015-2017, 2024 and 2025 files end without a line break after their last row.
    text = csv_text([home_row("SC000001"), home_row("SC000002")]).removesuffix("\r\n")

    run = ofsted_register_import(path=write(tmp_path / "register.csv", text))

    assert run.counts["new"] == 2
    assert Home.objects.get(urn="SC000002").overall_judgement == "good"


def test_the_real_2025_register_cut_mid_row_closes_no_home(reference_data, tmp_path):
    ofsted_register_import(path=real_file(2024))
    raw = real_file(2025).read_bytes()
    cut = raw[: int(len(raw) * 0.6)]
    cut = cut[: cut.rindex(b"\n") + 40]  # 40 bytes into a row
    before = snapshot()

    with pytest.raises(RegisterRefusedError, match="is incomplete"):
        ofsted_register_import(path=write(tmp_path / "provider_at_march_2025.csv", cut.decode("utf-8", "ignore")))

    assert snapshot() == before
    assert Home.objects.filter(closed_on__isnull=True).count() == 3219


# A header and nothing else -----------------------------------------------------------------


def test_a_header_only_file_is_refused_and_closes_nothing(three_homes, tmp_path):
    before = snapshot()

    refused(write(tmp_path / "empty.csv", csv_text([])), match="empty.csv has a header but no rows")

    assert snapshot() == before
    assert Home.objects.filter(closed_on__isnull=True).count() == 3


def test_a_file_with_no_childrens_home_is_refused(three_homes, tmp_path):
    row = home_row("SC000009")
    row[1] = "Independent fostering agency"
    before = snapshot()

    refused(write(tmp_path / "other.csv", csv_text([row])), match="has 1 rows but none is a children's home")

    assert snapshot() == before


def test_a_file_past_the_row_limit_is_refused(three_homes, tmp_path, settings):
    settings.REGISTER_MAX_ROWS = 2
    before = snapshot()

    rows = [home_row("SC000001"), home_row("SC000002"), home_row("SC000003")]
    refused(write(tmp_path / "long.csv", csv_text(rows)), match="long.csv has more than 2 rows")

    assert snapshot() == before


# A register far smaller than the last -----------------------------------------------------


def urns(count: int) -> list[str]:
    return [f"SC1{n:05d}" for n in range(count)]


def _hundred_homes(tmp_path: Path) -> None:
    rows = [home_row(urn) for urn in urns(100)]  # REGISTER_SHRINK_MIN_HOMES, the default
    ofsted_register_import(path=write(tmp_path / "register_2024.csv", csv_text(rows, as_of="31 March 2024")))


def test_a_register_that_would_close_more_than_the_allowed_share_is_refused(reference_data, tmp_path):
    _hundred_homes(tmp_path)
    smaller = write(tmp_path / "register_2025.csv", csv_text([home_row(urn) for urn in urns(70)]))
    before = snapshot()

    refused(
        smaller,
        match=r"lists 70 children's homes where the register of 2024-03-31 listed 100 \(down 30%\), and would leave "
        r"70 of 100 homes open \(down 30%\): more than the 20% allowed",
    )

    assert snapshot() == before
    assert Home.objects.filter(closed_on__isnull=True).count() == 100


def test_homes_open_with_no_register_stored_are_still_guarded(reference_data, tmp_path):
    _hundred_homes(tmp_path)
    HomeObservation.objects.all().delete()  # homes loaded some other way: no register to compare
    smaller = write(tmp_path / "register_2025.csv", csv_text([home_row(urn) for urn in urns(50)]))
    before = snapshot()

    refused(
        smaller,
        match=r"register_2025.csv lists 50 children's homes, and would leave 50 of 100 homes open \(down 50%\)",
    )

    assert snapshot() == before


def test_a_drop_within_the_allowed_share_imports(reference_data, tmp_path):
    _hundred_homes(tmp_path)
    rows = [home_row(urn) for urn in urns(80)]

    run = ofsted_register_import(path=write(tmp_path / "register_2025.csv", csv_text(rows)))

    assert run.counts["closed"] == 20
    assert "shrink_allowed" not in run.summary


def test_a_register_of_a_handful_of_homes_is_not_held_to_the_share(reference_data, tmp_path, settings):
    settings.REGISTER_SHRINK_MIN_HOMES = 101
    _hundred_homes(tmp_path)

    run = ofsted_register_import(path=write(tmp_path / "register_2025.csv", csv_text([home_row("SC100000")])))

    assert run.counts["closed"] == 99


def test_allow_shrink_imports_the_smaller_register_and_keeps_the_reason(reference_data, tmp_path, settings):
    settings.REGISTER_MAX_SHRINK_PERCENT = 10
    _hundred_homes(tmp_path)
    smaller = write(tmp_path / "register_2025.csv", csv_text([home_row(urn) for urn in urns(50)]))

    call_command("import_ofsted", str(smaller), allow_shrink="  Ofsted deregistered one group's homes  ")

    run = ImportRun.objects.get(source_name="register_2025.csv", status=ImportRun.Status.SUCCEEDED)
    assert run.counts["closed"] == 50
    assert run.summary["shrink_allowed"] == {
        "reason": "Ofsted deregistered one group's homes",
        "previous_register_on": "2024-03-31",
        "previous_homes": 100,
        "listed_homes": 50,
        "open_homes_before": 100,
        "open_homes_after": 50,
        "limit_percent": 10,
    }


def test_allow_shrink_needs_a_reason(reference_data, tmp_path):
    with pytest.raises(CommandError, match="give the reason the register is so much smaller"):
        call_command("import_ofsted", str(tmp_path / "any.csv"), "--allow-shrink", " ")


def test_an_older_register_imported_after_a_newer_one_is_not_a_shrink(reference_data, tmp_path):
    _hundred_homes(tmp_path)  # 2024
    rows = [home_row(urn) for urn in urns(30)]

    run = ofsted_register_import(path=write(tmp_path / "register_2023.csv", csv_text(rows, as_of="31 March 2023")))

    assert run.status == ImportRun.Status.SUCCEEDED
    assert Home.objects.filter(closed_on__isnull=True).count() == 100


def test_the_real_registers_in_turn_are_never_refused(reference_data):
    # Year on year the real registers closed at most 7.5% of their homes (2016-2017), 5.5% here.
    for year in (2019, 2020, 2021, 2022):
        assert ofsted_register_import(path=real_file(year)).status == ImportRun.Status.SUCCEEDED


# Spreadsheets: bombs, limits and corrupt archives ----------------------------------------------

MEGABYTE = 1 << 20


def xlsx_register(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Children's social care data in England - Provider level as at 31 March 2025"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def zip_bomb(path: Path, *, megabytes: int, member: str = "xl/worksheets/sheet1.xml") -> Path:
    """A zip of one member of zeros, written in chunks (200 MB compresses to about 200 KB)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(member, "w") as stream:
            for _ in range(megabytes):
                stream.write(bytes(MEGABYTE))
    return path


def test_an_xlsx_zip_bomb_is_refused_unread_with_little_memory(three_homes, tmp_path):
    bomb = zip_bomb(tmp_path / "bomb.xlsx", megabytes=200)
    assert bomb.stat().st_size < MEGABYTE
    before = snapshot()

    tracemalloc.start()
    with pytest.raises(
        RegisterRefusedError, match=r"bomb.xlsx says it decompresses to 210 MB or more, past the 157 MB"
    ):
        ofsted_register_import(path=bomb)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert peak < 20 * MEGABYTE
    assert snapshot() == before


def test_an_archive_that_understates_its_size_is_refused_as_unreadable(three_homes, tmp_path):
    bomb = zip_bomb(tmp_path / "liar.xlsx", megabytes=20)
    data = bytearray(bomb.read_bytes())
    # Declare 1,000 bytes for the zeros, in the member's local header and the central directory.
    local = data.index(b"PK\x03\x04", data.index(b"xl/worksheets") - 60)
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, 1000)
    struct.pack_into("<I", data, central + 24, 1000)
    bomb.write_bytes(bytes(data))
    before = snapshot()

    refused(bomb, match=r"This file is not a readable XLSX spreadsheet: Bad CRC-32 for file 'xl/worksheets/sheet1.xml'")

    assert snapshot() == before


def with_shared_strings(path: Path, count: int) -> Path:
    """The workbook with a shared-strings part of `count` strings (openpyxl writes inline strings)."""
    items = "".join(f"<si><t>owner {n}</t></si>" for n in range(count))
    part = f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{items}</sst>'
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/sharedStrings.xml", part)
    return path


def test_an_xlsx_past_the_shared_strings_limit_is_refused(three_homes, tmp_path, settings):
    settings.SPREADSHEET_MAX_SHARED_STRINGS = 5
    register = with_shared_strings(xlsx_register(tmp_path / "strings.xlsx", [home_row("SC000001")]), 6)
    within = with_shared_strings(xlsx_register(tmp_path / "within.xlsx", [home_row("SC000001")]), 5)
    before = snapshot()

    refused(register, match="strings.xlsx holds more than 5 shared strings")
    spreadsheet_check(within, kind="XLSX")  # no refusal at the limit

    assert snapshot() == before


def test_an_xlsx_past_the_row_or_column_limits_is_refused(three_homes, tmp_path, settings):
    settings.REGISTER_MAX_ROWS = 3
    register = xlsx_register(tmp_path / "long.xlsx", [home_row("SC000001"), home_row("SC000002")])
    wide = xlsx_register(tmp_path / "wide.xlsx", [[*home_row("SC000001"), *[""] * 190, "x"]])
    before = snapshot()

    refused(register, match=r"long.xlsx has a sheet of more than 3 rows \(REGISTER_MAX_ROWS\)")
    settings.REGISTER_MAX_ROWS = 100
    refused(wide, match="wide.xlsx has a sheet 201 columns wide, more than the 200 allowed")

    assert snapshot() == before


def test_an_xlsx_within_the_limits_imports(reference_data, tmp_path):
    run = ofsted_register_import(path=xlsx_register(tmp_path / "register.xlsx", [home_row("SC000001")]))

    assert run.counts["new"] == 1


ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">
<office:body><office:spreadsheet><table:table table:name="Sheet1">
<table:table-row><table:table-cell office:value-type="string"><text:p>URN</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="{rows}">
<table:table-cell table:number-columns-repeated="{columns}" office:value-type="string">
<text:p>x</text:p></table:table-cell>
<table:table-cell table:number-columns-repeated="16000"/></table:table-row>
<table:table-row table:number-rows-repeated="1048000">
<table:table-cell table:number-columns-repeated="16384"/></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"""


def ods_file(path: Path, *, rows: int, columns: int) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", ODS_CONTENT.format(rows=rows, columns=columns))
    return path


@pytest.mark.parametrize(
    ("rows", "columns", "message"),
    [
        (1_000_000, 1, r"has a sheet of more than 100,000 rows \(REGISTER_MAX_ROWS\)"),
        (1, 16_000, r"has a sheet 16,000 columns wide, more than the 200 allowed"),
    ],
)
def test_an_ods_whose_repeats_expand_past_the_limits_is_refused(three_homes, tmp_path, rows, columns, message):
    # pandas' reader would expand these repeats into a million rows or 16,000 columns of "x".
    before = snapshot()

    refused(ods_file(tmp_path / "repeats.ods", rows=rows, columns=columns), match=message)

    assert snapshot() == before


def test_trailing_empty_repeats_of_an_ods_are_not_counted(reference_data, tmp_path):
    # LibreOffice ends every sheet with about a million empty rows of 16,384 empty cells.
    check = ods_file(tmp_path / "trailing.ods", rows=10, columns=20)

    spreadsheet_check(check, kind="ODS")  # no refusal


@pytest.mark.parametrize("kind", ["XLSX", "ODS"])
def test_a_corrupt_or_cut_spreadsheet_is_refused_as_unreadable(three_homes, tmp_path, kind):
    whole = tmp_path / f"whole.{kind.lower()}"
    if kind == "XLSX":
        xlsx_register(whole, [home_row("SC000001"), home_row("SC000002")])
    else:
        pd.DataFrame([HEADER, home_row("SC000001")]).to_excel(whole, engine="odf", header=False, index=False)
    cut = write_bytes(tmp_path / f"provider_at_march_2025.{kind.lower()}", whole.read_bytes()[:-200])
    noise = write_bytes(tmp_path / f"noise.{kind.lower()}", b"PK\x03\x04 not really a zip" * 100)
    not_a_sheet = tmp_path / f"other.{kind.lower()}"
    with zipfile.ZipFile(not_a_sheet, "w") as archive:
        archive.writestr("hello.txt", "hello")
    before = snapshot()

    for path in (cut, noise, not_a_sheet):
        refused(path, match=f"This file is not a readable {kind} spreadsheet: .+ \\({path.name}\\)")

    assert snapshot() == before


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_csv_past_the_size_limit_is_refused_unread(three_homes, tmp_path, settings):
    settings.REGISTER_MAX_CSV_BYTES = 1_000_000
    path = write(tmp_path / "huge.csv", csv_text([home_row("SC000001")]) + "," * 1_000_000)
    before = snapshot()

    refused(path, match=r"huge.csv is 1 MB, past the 1 MB allowed for a CSV register \(REGISTER_MAX_CSV_BYTES\)")

    assert snapshot() == before


def test_an_xlsx_declaring_no_width_is_refused_at_a_value_past_the_column_limit(three_homes, tmp_path):
    # Without a <dimension>, openpyxl pads each row out to its last cell (here column 5,000):
    # the cells are counted before it reads them.
    register = xlsx_register(tmp_path / "declared.xlsx", [home_row("SC000001")])
    register_sheet = openpyxl.load_workbook(register)
    register_sheet.active.cell(row=3, column=5000, value="x")
    register_sheet.save(register)
    undeclared = tmp_path / "undeclared.xlsx"
    with zipfile.ZipFile(register) as source, zipfile.ZipFile(undeclared, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<dimension[^>]*/>", b"", data)
            target.writestr(item, data)
    before = snapshot()

    refused(undeclared, match="undeclared.xlsx has a sheet 5,000 columns wide, more than the 200 allowed")
    refused(register, match="declared.xlsx has a sheet 5,000 columns wide, more than the 200 allowed")

    assert snapshot() == before


def test_an_xlsx_row_far_down_the_sheet_is_refused_before_openpyxl_fills_the_gap(three_homes, tmp_path):
    register = xlsx_register(tmp_path / "gap.xlsx", [home_row("SC000001")])
    with zipfile.ZipFile(register) as source:
        parts = {item.filename: source.read(item.filename) for item in source.infolist()}
    far = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b"</sheetData>", far)
    with zipfile.ZipFile(register, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    before = snapshot()

    refused(register, match=r"gap.xlsx has a sheet of more than 100,000 rows \(REGISTER_MAX_ROWS\)")

    assert snapshot() == before
