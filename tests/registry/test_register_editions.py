"""Every edition imports with what it holds: header spellings, ownerless and placeless
registers, what each edition lists, and Ofsted's official totals (issue 11 parts 6, 7, 10)."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pandas as pd  # type: ignore[import-untyped]
import pytest
from django.core.management import CommandError, call_command

from providers.models import Home, HomeObservation, ImportRun, ProviderOrganisation
from registry.importers.ofsted import ofsted_register_import
from registry.importers.ofsted_columns import RegisterFormatError
from registry.importers.ofsted_totals import official_totals_load
from registry.models import OfficialTotal
from registry.selectors import register_editions

pytestmark = pytest.mark.django_db

MARCH_2023 = datetime.date(2023, 3, 31)
TITLE = "Children's social care data in England 2023 - Provider level as at 31 March 2023"
BASE = {
    "URN": "SC000001",
    "Provision type": "Children's home",
    "Registration status": "Active",
    "Name": "REDACTED",
    "Ofsted region": "North West",
    "Local authority": "Lancashire",
    "Sector": "Private",
    "Places": "4",
    "Organisation which owns the provider": "Cambian Childcare Limited",
}


def write_register(path: Path, header: list[str], rows: Sequence[Sequence[object]], title: str = TITLE) -> Path:
    """A register in the format its suffix names: CSV, XLSX or ODS, a title row above the header."""
    grid: list[Sequence[object]] = [[title] + [""] * (len(header) - 1), header, *rows]
    if path.suffix == ".csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(grid)
        path.write_text(buffer.getvalue(), encoding="utf-8")
    elif path.suffix == ".xlsx":
        workbook = openpyxl.Workbook()
        for row in grid:
            workbook.active.append(row)
        workbook.save(path)
    else:
        pd.DataFrame(grid).to_excel(path, engine="odf", header=False, index=False)
    return path


def register_with(columns: dict[str, str], rows: list[dict[str, str]]) -> tuple[list[str], list[list[object]]]:
    """A header where BASE's columns are renamed (or dropped, renamed to ""), and its rows."""
    names = [(field, columns.get(field, field)) for field in BASE]
    header = [name for _, name in names if name]
    return header, [[{**BASE, **row}[field] for field, name in names if name] for row in rows]


def snapshot() -> tuple[list, ...]:
    return (
        list(Home.objects.values()),
        list(HomeObservation.objects.values()),
        list(ProviderOrganisation.objects.values()),
        list(ImportRun.objects.filter(status=ImportRun.Status.SUCCEEDED).values()),
        list(OfficialTotal.objects.values()),
    )


OWNER = "Organisation which owns the provider"
OWNER_SPELLINGS = [
    "Organisation which owns the provider",
    "Organisation",
    "Organisation name",
    "ORGANISATION\nNAME",
    "Owner",
    "Owner name",
    "Provider name",
    "Registered provider",
    "Organisation that owns the provider",
    "  organization which owns the provider ",
    "Registered owner name",
    "Company which owns the setting",
    "Proprietor",
]
PLACES_SPELLINGS = ["Places", "Number of places", "Registered places", "Max places", "No. of\nplaces", "Total places"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".ods"])
@pytest.mark.parametrize("spelling", OWNER_SPELLINGS)
def test_every_owner_column_spelling_imports_its_owners(reference_data, tmp_path, spelling, suffix):
    header, rows = register_with({OWNER: spelling}, [{"URN": "SC000001"}, {"URN": "SC000002", OWNER: "Keys Ltd"}])

    run = ofsted_register_import(path=write_register(tmp_path / f"register{suffix}", header, rows))

    assert dict(Home.objects.values_list("urn", "registered_owner_name")) == {
        "SC000001": "Cambian Childcare Limited",
        "SC000002": "Keys Ltd",
    }
    assert Home.objects.filter(provider_organisation__isnull=True).count() == 0
    assert run.has_owner_names is True


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".ods"])
@pytest.mark.parametrize("spelling", PLACES_SPELLINGS)
def test_every_places_column_spelling_imports_its_places(reference_data, tmp_path, spelling, suffix):
    header, rows = register_with({"Places": spelling}, [{"URN": "SC000001", "Places": "3"}])

    run = ofsted_register_import(path=write_register(tmp_path / f"register{suffix}", header, rows))

    assert Home.objects.get().places == 3
    assert (run.summary["places"], run.has_places) == (3, True)


@pytest.mark.parametrize(
    ("renamed", "named"),
    [
        ({OWNER: "Owner type"}, "Owner type"),
        ({OWNER: "Organisation ID"}, "Organisation ID"),
        ({OWNER: "Name of the company group"}, "Name of the company group"),
        ({"Places": "Places available"}, "Places available"),
        ({"Places": "Bed capacity"}, "Bed capacity"),
        ({"Sector": "Sector of ownership type"}, "Sector of ownership type"),
    ],
)
def test_a_header_that_looks_like_a_column_but_is_not_known_refuses_the_file(reference_data, tmp_path, renamed, named):
    header, rows = register_with(renamed, [{"URN": "SC000001"}])
    before = snapshot()

    with pytest.raises(RegisterFormatError, match=f"the header '{named}' \\(column \\d+\\) looks like the"):
        ofsted_register_import(path=write_register(tmp_path / "register.csv", header, rows))

    assert snapshot() == before
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED


def test_two_columns_that_could_each_be_the_owner_refuse_the_file(reference_data, tmp_path):
    header, rows = register_with({OWNER: "Registered owner name"}, [{"URN": "SC000001"}])
    header.append("Proprietor")
    rows[0].append("Someone Else Ltd")

    with pytest.raises(RegisterFormatError, match="could each be the owner"):
        ofsted_register_import(path=write_register(tmp_path / "register.csv", header, rows))
    assert not Home.objects.exists()


# Editions without owners or places ----------------------------------------------------------

HEADER_2015 = ["Web link", "URN", "Provision type", "Reg Status", "Setting Name", "Region", "Local authority",
               "Sector", "Inspection Date", "Overall effectiveness"]  # fmt: skip
HEADER_2016 = ["URN", "Provision type", "Registration status", "Name", "Government Office Region", "Local authority",
               "Sector", "Places", "Short breaks only children's home"]  # fmt: skip


def register_2015(tmp_path: Path, urns: list[str]) -> Path:
    rows = [["link", urn, "Children's Home", "Active", "REDACTED", "North West", "Lancashire", "Private",
             "27/03/2015", "Good"] for urn in urns]  # fmt: skip
    return write_register(tmp_path / "provider_at_march_2015.csv", HEADER_2015, rows, title="")


def register_2016(tmp_path: Path, urns: list[str]) -> Path:
    rows = [[urn, "Children's home", "Active", "REDACTED", "North West", "Lancashire", "Voluntary", "5", ""]
            for urn in urns]  # fmt: skip
    return write_register(tmp_path / "provider_at_march_2016.csv", HEADER_2016, rows, title="")


def test_a_register_without_places_or_owners_imports_with_places_unknown(reference_data, tmp_path):
    run = ofsted_register_import(path=register_2015(tmp_path, ["SC000001", "SC000002"]))

    assert run.status == ImportRun.Status.SUCCEEDED
    assert (run.has_owner_names, run.has_places) == (False, False)
    assert run.summary["places"] is None
    assert list(Home.objects.values_list("places", "registered_owner_name", "provider_organisation")) == [
        (None, "", None),
        (None, "", None),
    ]
    assert list(HomeObservation.objects.values_list("places", flat=True)) == [None, None]


def test_a_register_with_places_but_no_owners_says_so(reference_data, tmp_path):
    run = ofsted_register_import(path=register_2016(tmp_path, ["SC000001"]))

    assert (run.has_owner_names, run.has_places, run.summary["places"]) == (False, True, 5)
    assert Home.objects.get().places == 5


def test_editions_import_in_any_order_without_breaking_each_other(reference_data, tmp_path):
    header, rows = register_with({}, [{"URN": "SC000001"}, {"URN": "SC000002", "Places": "6"}])
    with_owners = write_register(tmp_path / "provider_at_march_2023.csv", header, rows)

    older = [register_2015(tmp_path, ["SC000001", "SC000003"]), register_2016(tmp_path, ["SC000001", "SC000003"])]
    for path in (with_owners, *older):
        assert ofsted_register_import(path=path).status == ImportRun.Status.SUCCEEDED

    current = {home.urn: home for home in Home.objects.all()}
    assert (current["SC000001"].registered_owner_name, current["SC000001"].places) == ("Cambian Childcare Limited", 4)
    assert current["SC000002"].places == 6
    assert (current["SC000003"].last_seen_on, current["SC000003"].closed_on) == (datetime.date(2016, 3, 31), MARCH_2023)
    assert dict(HomeObservation.objects.filter(home__urn="SC000001").values_list("as_of", "places")) == {
        datetime.date(2015, 3, 31): None,
        datetime.date(2016, 3, 31): 5,
        MARCH_2023: 4,
    }
    editions = register_editions()
    assert [(e.as_of.year, e.has_owner_names, e.has_places) for e in editions.values()] == [
        (2015, False, False),
        (2016, False, True),
        (2023, True, True),
    ]


# What each edition lists, and the official totals ---------------------------------------------


def test_a_title_saying_the_file_lists_inspected_homes_marks_it_incomplete(reference_data, tmp_path):
    header, rows = register_with({}, [{"URN": "SC000001"}])
    title = "Children's homes inspected under the SCCIF as at 31 March 2024"

    run = ofsted_register_import(path=write_register(tmp_path / "register.csv", header, rows, title=title))

    assert (run.is_complete_register, run.lists, run.lists_source) == (False, title, "the file's title")


def test_the_2023_edition_lists_inspected_homes_beside_ofsteds_official_totals(reference_data, tmp_path):
    header, rows = register_with({}, [{"URN": "SC000001"}, {"URN": "SC000002"}])
    ofsted_register_import(path=write_register(tmp_path / "register.csv", header, rows))
    official_totals_load()

    edition = register_editions()[MARCH_2023]

    assert edition.is_complete_register is False
    assert edition.lists.startswith("the children's homes inspected under the inspection framework")
    assert edition.lists_source.startswith("registry/data/ofsted/editions.csv: ")
    assert (edition.register_homes, edition.register_places) == (2, 8)
    assert (edition.official_homes, edition.official_places) == (3050, 11857)
    assert edition.official_source.startswith("Ofsted, Children's social care data in England")
    assert edition.source_file == "register.csv"


def test_an_edition_nothing_is_known_about_is_the_register_its_title_names(reference_data, tmp_path):
    header, rows = register_with({}, [{"URN": "SC000001"}])
    title = "Provider level as at 31 March 2021"

    ofsted_register_import(path=write_register(tmp_path / "register.csv", header, rows, title=title))

    edition = register_editions()[datetime.date(2021, 3, 31)]
    assert (edition.is_complete_register, edition.lists) == (
        True,
        "every provider on Ofsted's register at 31 March 2021",
    )
    assert (edition.official_homes, edition.official_source) == (None, "")


def test_the_curated_official_totals_load_once(reference_data):
    official_totals_load()
    official_totals_load()

    assert list(OfficialTotal.objects.values_list("as_of", "homes", "places")) == [(MARCH_2023, 3050, 11857)]


def test_curated_totals_without_a_source_are_refused_whole(reference_data, tmp_path):
    path = tmp_path / "official_totals.csv"
    path.write_text("as_of,homes,places,source,source_date\n2022-03-31,2000,9000,A,\n2021-03-31,1900,8000,,\n")

    with pytest.raises(ValueError, match="line 3: no source given"):
        official_totals_load(path=path)
    assert not OfficialTotal.objects.exists()


def test_the_registry_page_shows_each_register_beside_ofsteds_totals(reference_data, tmp_path, client):
    header, rows = register_with({}, [{"URN": "SC000001"}, {"URN": "SC000002"}])
    ofsted_register_import(path=write_register(tmp_path / "register.csv", header, rows))
    ofsted_register_import(path=register_2015(tmp_path, ["SC000001", "SC000002"]))
    official_totals_load()

    page = client.get("/registry/")

    assert page.status_code == 200
    text = " ".join(page.content.decode().split())
    table = text[text.index('id="editions-heading"') :]
    row_2015, row_2023 = (
        table[table.index(f'<th scope="row" class="govuk-table__header">31 March {y}') :] for y in (2015, 2023)
    )
    assert row_2015.split("</tr>")[0].count("not given") == 1
    assert "names no owners" in row_2015.split("</tr>")[0]
    assert "not known" in row_2015.split("</tr>")[0]
    cells_2023 = row_2023.split("</tr>")[0]
    assert "not the whole register" in cells_2023
    figures = [cell.split("<")[0] for cell in cells_2023.split('govuk-table__cell--numeric">')[1:]]
    assert figures == ["2", "8", "3,050", "11,857"]
    assert "2023 total: Ofsted, Children&#x27;s social care data in England" in table


def test_the_command_reports_what_the_edition_holds(reference_data, tmp_path):
    stdout = io.StringIO()

    call_command(
        "import_ofsted", str(register_2015(tmp_path, ["SC000001"])), "--json", stdout=stdout, stderr=io.StringIO()
    )

    report = json.loads(stdout.getvalue())
    assert report["places"] is None
    assert report["edition"] == {
        "has_owner_names": False,
        "has_places": False,
        "lists": "every provider on Ofsted's register at 31 March 2015",
        "is_complete_register": True,
        "lists_source": "the file's title (provider level at its date); no known note says otherwise",
    }


def test_the_command_refuses_an_unknown_owner_heading_clearly(reference_data, tmp_path):
    header, rows = register_with({OWNER: "Owner type"}, [{"URN": "SC000001"}])
    path = write_register(tmp_path / "register.csv", header, rows)

    with pytest.raises(CommandError, match="the header 'Owner type' \\(column 9\\) looks like the owner"):
        call_command("import_ofsted", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not Home.objects.exists()


def test_where_two_known_owner_spellings_head_columns_the_more_specific_is_the_owner(reference_data, tmp_path):
    header, rows = register_with({}, [{"URN": "SC000001"}])
    header.insert(0, "Provider name")
    rows[0].insert(0, "Harbour House")

    ofsted_register_import(path=write_register(tmp_path / "register.csv", header, rows))

    assert Home.objects.get().registered_owner_name == "Cambian Childcare Limited"


@pytest.mark.parametrize(
    "spelling",
    ["Overall experiences and progress of children", "Latest full inspection\noverall grade", "OVERALL EFFECTIVENESS"],
)
def test_judgement_column_spellings_are_read_and_an_earlier_inspections_is_not(reference_data, tmp_path, spelling):
    header, rows = register_with({}, [{"URN": "SC000001"}])
    header += ["Previous overall experiences and progress of children and young people", spelling]
    rows[0] += ["Inadequate", "Outstanding"]

    ofsted_register_import(path=write_register(tmp_path / "register.csv", header, rows))

    assert Home.objects.get().overall_judgement == "outstanding"


def test_an_unknown_overall_judgement_heading_refuses_the_file(reference_data, tmp_path):
    header, rows = register_with({}, [{"URN": "SC000001"}])
    header.append("Overall verdict")
    rows[0].append("Good")

    with pytest.raises(RegisterFormatError, match="'Overall verdict' \\(column 10\\) looks like the overall judgement"):
        ofsted_register_import(path=write_register(tmp_path / "register.csv", header, rows))
    assert not Home.objects.exists()


def test_the_kept_registry_page_shows_ofsteds_totals_once_they_are_loaded(reference_data, tmp_path, client):
    """The registry page is kept per registry state; Ofsted's totals load without an import, so
    they are part of the page's key too."""
    header, rows = register_with({}, [{"URN": "SC000001"}, {"URN": "SC000002"}])
    ofsted_register_import(path=write_register(tmp_path / "register.csv", header, rows))
    assert "11,857" not in client.get("/registry/").content.decode()

    official_totals_load()

    assert "11,857" in client.get("/registry/").content.decode()
