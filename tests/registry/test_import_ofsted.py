"""The Ofsted register import: every year's real file, hand-made layout variants, history."""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path

import openpyxl
import pandas as pd  # type: ignore[import-untyped]
import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from geography.models import LocalAuthority
from ownership.models import Entity
from providers.models import (
    Home,
    HomeKind,
    HomeObservation,
    ImportRun,
    Judgement,
    ProviderOrganisation,
    ProviderOrganisationName,
    Sector,
)
from registry.importers import ofsted as ofsted_module
from registry.importers.ofsted import OfstedImportError, ofsted_register_import
from tests.registry.register_counts import YEARS, counts_of, real_file

pytestmark = pytest.mark.django_db

MARCH_2024 = datetime.date(2024, 3, 31)
MARCH_2025 = datetime.date(2025, 3, 31)
HEADER = [
    "URN",
    "Provision type",
    "Registration date",
    "Registration status",
    "Name",
    "Ofsted region",
    "Local authority",
    "Sector",
    "Places",
    "Organisation which owns the provider",
    "Overall experiences and progress of children and young people",
]
TITLE = ["Children's social care data in England 2025 - Provider level as at 31 March 2025"]


def home_row(urn: str, **values: str) -> list[str]:
    row = {
        "URN": urn,
        "Provision type": "Children's home",
        "Registration date": "01/02/2020",
        "Registration status": "Active",
        "Name": "REDACTED",
        "Ofsted region": "North West",
        "Local authority": "Lancashire",
        "Sector": "Private",
        "Places": "4",
        "Organisation which owns the provider": "Cambian Childcare Limited",
        "Overall experiences and progress of children and young people": "Good",
    }
    row.update(values)
    return [row[column] for column in HEADER]


def write_csv(path: Path, rows: list[list[str]], *, header=HEADER, title=TITLE, encoding="utf-8") -> Path:
    buffer = io.StringIO()

    writer = csv.writer(buffer)
    for line in title:
        writer.writerow([line])
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def snapshot() -> dict[str, list]:
    """Everything the import writes, to compare before and after."""
    return {
        "homes": list(Home.objects.order_by("urn").values()),
        "observations": list(HomeObservation.objects.order_by("pk").values()),
        "organisations": list(ProviderOrganisation.objects.order_by("pk").values()),
        "names": list(ProviderOrganisationName.objects.order_by("pk").values()),
        "entities": list(Entity.objects.order_by("pk").values()),
    }


# Real files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("year", YEARS)
def test_every_real_file_imports_with_figures_matching_an_independent_count(reference_data, year):
    expected = counts_of(real_file(year))

    run = ofsted_register_import(path=real_file(year))

    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.as_of == datetime.date(year, 3, 31)
    assert run.summary["children_homes"] == expected.children_homes
    assert run.summary["places"] == expected.places
    assert run.summary["all_children_home_types"] == expected.all_children_home_types
    assert run.summary["sectors"] == dict(expected.sectors)
    assert run.summary["regions"] == dict(expected.regions)
    assert run.counts["new"] == expected.all_children_home_types
    assert run.counts["rejected"] == 0
    assert run.rejected_rows == []
    assert Home.objects.count() == expected.all_children_home_types
    assert HomeObservation.objects.filter(as_of=run.as_of, import_run=run).count() == expected.all_children_home_types
    assert set(Home.objects.values_list("urn", flat=True)) == set(expected.homes)


def test_the_2025_file_gives_ofsteds_published_figures(reference_data):
    run = ofsted_register_import(path=real_file(2025))

    assert run.summary["children_homes"] == 3946
    assert run.summary["places"] == 14275
    assert run.summary["sectors"] == {"Private": 3320, "Local Authority": 467, "Voluntary": 152, "Health Authority": 7}
    assert run.summary["all_children_home_types"] == 4009
    assert Home.objects.filter(kind=HomeKind.CHILDRENS_HOME).count() == 3946
    assert Home.objects.filter(kind=HomeKind.SECURE_CHILDRENS_HOME).count() == 14
    assert Home.objects.filter(kind=HomeKind.RESIDENTIAL_SPECIAL_SCHOOL).count() == 49
    assert Home.objects.filter(kind=HomeKind.CHILDRENS_HOME).aggregate(total=Sum("places")) == {"total": 14275}
    assert not Home.objects.exclude(name="").exists()  # every children's home name is REDACTED
    assert Home.objects.filter(local_authority__isnull=True).count() == 0


def test_reimporting_a_file_changes_nothing(reference_data):
    ofsted_register_import(path=real_file(2025))
    before = snapshot()

    again = ofsted_register_import(path=real_file(2025))

    assert again.counts["unchanged"] == 4009
    assert {key: again.counts[key] for key in ("new", "changed", "closed", "rejected", "observations_added")} == {
        "new": 0,
        "changed": 0,
        "closed": 0,
        "rejected": 0,
        "observations_added": 0,
    }
    assert snapshot() == before


def _independently_changed(old: dict[str, str], new: dict[str, str]) -> bool:
    """Whether a home's row differs between two years in a field the importer keeps."""

    def flag(row, *names):
        return any(row.get(name, "").strip() for name in names)

    def judgement(row):
        return row.get("overall experiences and progress of children and young people", "").lower()

    return (
        old["provision type"].lower() != new["provision type"].lower()
        or old["registration date"] != new["registration date"]
        or old["registration status"] != new["registration status"]
        or old["local authority"].replace("&", "and") != new["local authority"].replace("&", "and")
        or old["sector"] != new["sector"]
        or old["places"] != new["places"]
        or old["organisation which owns the provider"].strip() != new["organisation which owns the provider"].strip()
        or flag(old, "short-break-only children's home") != flag(new, "short-break-only children's home")
        or flag(old, "multi-building children's home") != flag(new, "multi building children's home")
        or judgement(old) != judgement(new)
        or old.get("latest full inspection date") != new.get("latest full inspection date")
        or old.get("how well children and young people are helped and protected", "").lower()
        != new.get("how well children and young people are helped and protected", "").lower()
        or old.get("the effectiveness of leaders and managers", "").lower()
        != new.get("the effectiveness of leaders and managers", "").lower()
    )


def test_importing_2024_then_2025_counts_closures_new_and_changed_homes(reference_data):
    old, new = counts_of(real_file(2024)).homes, counts_of(real_file(2025)).homes
    both = set(old) & set(new)
    changed = {urn for urn in both if _independently_changed(old[urn], new[urn])}
    ofsted_register_import(path=real_file(2024))

    run = ofsted_register_import(path=real_file(2025))

    assert run.counts["new"] == len(set(new) - set(old))
    assert run.counts["closed"] == len(set(old) - set(new))
    assert run.counts["changed"] == len(changed)
    assert run.counts["unchanged"] == len(both) - len(changed)
    closed = Home.objects.filter(closed_on=MARCH_2025)
    assert set(closed.values_list("urn", flat=True)) == set(old) - set(new)
    assert Home.objects.filter(closed_on__isnull=True).count() == len(new)
    assert HomeObservation.objects.count() == len(old) + len(new)


def test_importing_2025_then_2024_keeps_2025_as_the_current_state(reference_data):
    old, new = counts_of(real_file(2024)).homes, counts_of(real_file(2025)).homes
    ofsted_register_import(path=real_file(2025))
    current = {home["urn"]: home for home in Home.objects.values()}

    run = ofsted_register_import(path=real_file(2024))

    assert run.counts["new"] == len(set(old) - set(new))
    assert (run.counts["changed"], run.counts["closed"]) == (0, 0)
    assert run.counts["unchanged"] == len(set(old) & set(new))
    for urn, before in current.items():
        after = Home.objects.values().get(urn=urn)
        expected_first_seen = MARCH_2024 if urn in old else MARCH_2025
        assert after == {**before, "first_seen_on": expected_first_seen}
    only_2024 = Home.objects.filter(urn__in=set(old) - set(new))
    assert set(only_2024.values_list("first_seen_on", "last_seen_on", "closed_on")) == {
        (MARCH_2024, MARCH_2024, MARCH_2025)
    }
    assert HomeObservation.objects.filter(as_of=MARCH_2024).count() == len(old)


# Layout variants ----------------------------------------------------------------------------


def test_an_xlsx_register_with_a_cover_sheet_is_read(reference_data, tmp_path):
    workbook = openpyxl.Workbook()
    cover = workbook.active
    cover.title = "Cover"
    cover.append(["Children's social care data in England - Provider level as at 31 March 2025"])
    sheet = workbook.create_sheet("Provider level")
    sheet.append(["A title row"])
    sheet.append(HEADER)
    sheet.append([1234567, "Children's home", datetime.datetime(2020, 2, 1), "Active", "REDACTED", "North West",
                  "Lancashire", "Private", 4, "Cambian Childcare Limited", "Good"])  # fmt: skip
    sheet.append([*home_row("SC123456")[:8], 3.0, *home_row("SC123456")[9:]])
    workbook.save(tmp_path / "register.xlsx")

    run = ofsted_register_import(path=tmp_path / "register.xlsx")

    assert run.as_of == MARCH_2025
    assert run.counts["new"] == 2
    home = Home.objects.get(urn="1234567")
    assert (home.registration_date, home.places, home.overall_judgement) == (
        datetime.date(2020, 2, 1),
        4,
        Judgement.GOOD,
    )
    assert Home.objects.get(urn="SC123456").places == 3


def test_an_ods_register_is_read(reference_data, tmp_path):
    title = ["Provider level as at 31 March 2024"] + [""] * (len(HEADER) - 1)
    rows = [title, HEADER, home_row("SC000001"), home_row("SC000002", Places="")]
    pd.DataFrame(rows).to_excel(tmp_path / "register.ods", engine="odf", header=False, index=False)

    run = ofsted_register_import(path=tmp_path / "register.ods")

    assert run.as_of == MARCH_2024
    assert sorted(Home.objects.values_list("urn", "places")) == [("SC000001", 4), ("SC000002", None)]
    assert run.summary["places"] == 4


def test_cp1252_bytes_are_read(reference_data, tmp_path):
    rows = [home_row("SC000001", **{"Organisation which owns the provider": "Caf\u00e9 Care \u2013 Homes Ltd"})]
    path = write_csv(
        tmp_path / "provider_at_march_2022.csv", rows, title=["Data \u2013 as at March 2022"], encoding="cp1252"
    )

    run = ofsted_register_import(path=path)

    assert run.as_of == datetime.date(2022, 3, 31)
    assert Home.objects.get().registered_owner_name == "Caf\u00e9 Care \u2013 Homes Ltd"


def test_a_bom_a_newline_in_a_header_cell_and_title_rows_are_handled(reference_data, tmp_path):
    header = [
        "\nURN",
        "Provision type\n",
        *HEADER[2:10],
        "\nOverall experiences and progress of children and young people",
    ]
    title = [*TITLE, "This worksheet contains one table.", ""]
    path = write_csv(
        tmp_path / "register.csv", [home_row("SC000001")], header=header, title=title, encoding="utf-8-sig"
    )

    run = ofsted_register_import(path=path)

    assert run.counts["new"] == 1
    assert Home.objects.get().overall_judgement == Judgement.GOOD


def test_old_header_spellings_and_a_missing_places_column_are_read(reference_data, tmp_path):
    header = ["URN", "Provision type", "Reg Status", "Setting Name", "Region", "Local authority", "Sector",
              "Organisation", "Multi Building Children's Home", "Latest full inspection overall experiences and "
              "progress of children and young people"]  # fmt: skip
    rows = [
        ["SC000001", "Children's Home", "Active", "REDACTED", "North West", "Durham", "Local Authority",
         "Durham County Council", "Y", "Outstanding"],
        ["SC000002", "Secure children's home", "Suspended", "Aldine House", "Yorkshire", "Sheffield", "Local Authority",
         "Sheffield City Council", "", "Requires Improvement to be good"],
    ]  # fmt: skip
    path = write_csv(tmp_path / "provider_at_march_2019.csv", rows, header=header, title=[])

    run = ofsted_register_import(path=path)

    assert run.as_of == datetime.date(2019, 3, 31)
    first, second = Home.objects.order_by("urn")
    assert (first.kind, first.registration_status, first.name, first.places, first.multi_building) == (
        HomeKind.CHILDRENS_HOME,
        "Active",
        "",
        None,
        True,
    )
    assert first.local_authority == LocalAuthority.objects.get(ons_code="E06000047")
    assert (first.sector, first.overall_judgement, first.short_break_only) == (
        Sector.LOCAL_AUTHORITY,
        "outstanding",
        None,
    )
    assert (second.kind, second.name, second.multi_building) == (HomeKind.SECURE_CHILDRENS_HOME, "Aldine House", False)
    assert second.overall_judgement == Judgement.REQUIRES_IMPROVEMENT
    assert run.summary["places"] is None  # no Places column: unknown, not 0
    assert (run.has_places, run.has_owner_names) == (False, True)


def test_unreadable_rows_are_rejected_with_their_line_and_reason_and_the_rest_imported(reference_data, tmp_path):
    rows = [
        home_row("SC000001"),
        home_row("not-a-urn"),
        home_row("SC000003", **{"Local authority": "Atlantis"}),
        home_row("SC000004", Places="four"),
        home_row("SC000005", **{"Registration date": "31/02/2020"}),
        home_row("SC000006", **{"Local authority": "Cardiff", "Ofsted region": "Wales"}),
        home_row("SC000001"),
        home_row("SC000007", **{"Provision type": "Independent Fostering Agency", "Local authority": "Cardiff"}),
        home_row("SC000008"),
    ]
    path = write_csv(tmp_path / "register.csv", rows)

    run = ofsted_register_import(path=path)

    assert run.rejected_rows == [
        {"line": 4, "reason": "bad URN 'NOT-A-URN'"},
        {"line": 5, "reason": "unknown local authority 'Atlantis'"},
        {"line": 6, "reason": "unreadable places 'four'"},
        {"line": 7, "reason": "unreadable registration date '31/02/2020'"},
        {"line": 8, "reason": "not an English authority: 'Cardiff' (region Wales)"},
        {"line": 9, "reason": "URN SC000001 is listed twice (first on line 3)"},
    ]
    assert run.counts["rejected"] == 6
    assert run.counts["other_provision_skipped"] == 1
    assert sorted(Home.objects.values_list("urn", flat=True)) == ["SC000001", "SC000008"]


def test_a_failure_part_way_leaves_the_database_as_it_was(reference_data, tmp_path, monkeypatch):
    ofsted_register_import(
        path=write_csv(tmp_path / "first.csv", [home_row("SC000001")], title=["as at 31 March 2024"])
    )
    before = snapshot()
    rows = [home_row(f"SC{n:06d}", **{"Organisation which owns the provider": f"Owner {n}"}) for n in range(2, 40)]
    path = write_csv(tmp_path / "second.csv", rows)
    real_parse_row = ofsted_module.parse_row
    calls = []

    def parse_row_failing_after_30(*args, **kwargs):
        calls.append(1)
        if len(calls) > 30:
            raise RuntimeError("disk on fire")
        return real_parse_row(*args, **kwargs)

    monkeypatch.setattr(ofsted_module, "parse_row", parse_row_failing_after_30)

    with pytest.raises(RuntimeError, match="disk on fire"):
        ofsted_register_import(path=path)

    assert snapshot() == before
    failed = ImportRun.objects.get(status=ImportRun.Status.FAILED)
    assert (failed.source_name, failed.error) == ("second.csv", "RuntimeError: disk on fire")
    assert ImportRun.objects.filter(status=ImportRun.Status.SUCCEEDED).count() == 1


# Dates, history, owners --------------------------------------------------------------------


def test_the_as_of_date_comes_from_the_title_then_the_name_then_the_argument(reference_data, tmp_path):
    titled = write_csv(tmp_path / "provider_at_march_2019.csv", [home_row("SC000001")])
    named = write_csv(tmp_path / "provider_at_march_2020.csv", [home_row("SC000002")], title=[])
    neither = write_csv(tmp_path / "register.csv", [home_row("SC000003")], title=["Provider level"])

    assert ofsted_register_import(path=titled).as_of == MARCH_2025
    assert ofsted_register_import(path=named).as_of == datetime.date(2020, 3, 31)
    assert ofsted_register_import(path=named, as_of=datetime.date(2021, 3, 31)).as_of == datetime.date(2021, 3, 31)
    with pytest.raises(OfstedImportError, match="no date found in the file's title"):
        ofsted_register_import(path=neither)
    assert not Home.objects.filter(urn="SC000003").exists()


def test_a_home_closes_when_a_later_register_omits_it_and_reopens_when_it_returns(reference_data, tmp_path):
    def register(year: int, urns: list[str]) -> ImportRun:
        return ofsted_register_import(
            path=write_csv(tmp_path / f"at_march_{year}.csv", [home_row(u) for u in urns], title=[])
        )

    register(2023, ["SC000001", "SC000002"])
    closing = register(2024, ["SC000002"])
    assert Home.objects.get(urn="SC000001").closed_on == MARCH_2024
    assert (closing.counts["closed"], closing.counts["unchanged"]) == (1, 1)

    reopening = register(2025, ["SC000001", "SC000002"])

    assert Home.objects.get(urn="SC000001").closed_on is None
    assert (reopening.counts["changed"], reopening.counts["unchanged"], reopening.counts["closed"]) == (1, 1, 0)
    assert reopening.summary["changed_fields"] == {"reopened": 1}
    assert list(Home.objects.get(urn="SC000001").observations.values_list("as_of", flat=True)) == [
        datetime.date(2023, 3, 31),
        MARCH_2025,
    ]


def test_reorganised_authorities_keep_the_code_they_had_on_the_registers_date(reference_data, tmp_path):
    rows = [home_row("SC000001", **{"Local authority": "North Yorkshire"})]
    ofsted_register_import(path=write_csv(tmp_path / "provider_at_march_2022.csv", rows, title=[]))
    assert Home.objects.values_list("local_authority__ons_code", flat=True).get() == "E10000023"

    ofsted_register_import(path=write_csv(tmp_path / "provider_at_march_2024.csv", rows, title=[]))

    home = Home.objects.get()
    assert home.local_authority == LocalAuthority.objects.get(ons_code="E06000065")
    assert list(home.observations.values_list("local_authority__ons_code", flat=True)) == ["E10000023", "E06000065"]


def test_owner_spellings_are_one_organisation_with_every_spelling_kept(reference_data, tmp_path):
    owner = "Organisation which owns the provider"
    rows = [
        home_row("SC000001", **{owner: "CAMBIAN CHILDCARE LTD"}),
        home_row("SC000002", **{owner: "Cambian Childcare Limited"}),
        home_row("SC000003", **{owner: "ERA Care Limited 5921904"}),
        home_row("SC000004", **{owner: "ERA Care Ltd T/A Era Homes"}),
        home_row("SC000005", **{owner: "Lancashire County Council"}, Sector="Local Authority"),
        home_row("SC000006", **{owner: ""}),
    ]
    path = write_csv(tmp_path / "register.csv", rows)

    run = ofsted_register_import(path=path)

    cambian = ProviderOrganisation.objects.get(normalised_name="cambian childcare")
    assert sorted(cambian.names.values_list("name", flat=True)) == [
        "CAMBIAN CHILDCARE LTD",
        "Cambian Childcare Limited",
    ]
    assert cambian.companies_house_number == "04280519"  # from the Companies House lookup
    era = ProviderOrganisation.objects.get(normalised_name="era care")
    assert (era.companies_house_number, era.homes.count()) == ("05921904", 2)
    assert set(cambian.names.values_list("first_seen_on", "last_seen_on")) == {(MARCH_2025, MARCH_2025)}
    assert run.counts["provider_organisations_new"] == 3
    assert Home.objects.get(urn="SC000006").provider_organisation is None
    council = ProviderOrganisation.objects.get(normalised_name="lancashire county council")
    entities = {entity.provider_organisation_id: entity for entity in Entity.objects.all()}
    assert set(entities) == {cambian.pk, era.pk, council.pk}
    assert entities[cambian.pk].company_number == "04280519"
    assert entities[council.pk].category == "local_authority"


def test_a_later_spelling_with_a_known_company_number_joins_its_organisation(reference_data, tmp_path):
    owner = "Organisation which owns the provider"
    first = write_csv(tmp_path / "at_march_2024.csv", [home_row("SC000001", **{owner: "Crusoe Care Limited 06843979"})])
    ofsted_register_import(path=first, as_of=MARCH_2024)
    second = write_csv(tmp_path / "at_march_2025.csv", [home_row("SC000001", **{owner: "Crusoe Homes (06843979)"})])

    ofsted_register_import(path=second, as_of=MARCH_2025)

    organisation = ProviderOrganisation.objects.get()
    assert organisation.companies_house_number == "06843979"
    assert dict(organisation.names.values_list("name", "last_seen_on")) == {
        "Crusoe Care Limited 06843979": MARCH_2024,
        "Crusoe Homes (06843979)": MARCH_2025,
    }
    assert Entity.objects.get().company_number == "06843979"


# The command --------------------------------------------------------------------------------


def test_the_command_prints_the_summary_as_json_and_progress_to_stderr(reference_data, tmp_path):
    path = write_csv(tmp_path / "register.csv", [home_row("SC000001"), home_row("bad")])
    stdout, stderr = io.StringIO(), io.StringIO()

    call_command("import_ofsted", str(path), "--json", stdout=stdout, stderr=stderr)

    report = json.loads(stdout.getvalue())
    assert {key: report[key] for key in ("as_of", "children_homes", "all_children_home_types", "places")} == {
        "as_of": "2025-03-31",
        "children_homes": 2,
        "all_children_home_types": 2,
        "places": 8,
    }
    assert (report["sectors"], report["regions"]) == ({"Private": 2}, {"North West": 2})
    assert {key: report["counts"][key] for key in ("new", "changed", "closed", "unchanged", "rejected")} == {
        "new": 1,
        "changed": 0,
        "closed": 0,
        "unchanged": 0,
        "rejected": 1,
    }
    assert report["rejected_rows"] == [{"line": 4, "reason": "bad URN 'BAD'"}]
    assert "rows read" in stderr.getvalue()


def test_the_command_takes_several_files_and_an_as_of_date(reference_data, tmp_path):
    first = write_csv(tmp_path / "one.csv", [home_row("SC000001")], title=[])
    second = write_csv(tmp_path / "two.csv", [home_row("SC000002")], title=[])
    stdout = io.StringIO()

    call_command(
        "import_ofsted", str(first), str(second), "--as-of", "2023-03-31", "--json", stdout=stdout, stderr=io.StringIO()
    )

    reports = json.loads(stdout.getvalue())
    assert [(report["file"], report["as_of"], report["counts"]["new"]) for report in reports] == [
        ("one.csv", "2023-03-31", 1),
        ("two.csv", "2023-03-31", 1),
    ]


def test_the_command_fails_clearly_without_a_date(reference_data, tmp_path):
    path = write_csv(tmp_path / "register.csv", [home_row("SC000001")], title=[])

    with pytest.raises(CommandError, match="no date found"):
        call_command("import_ofsted", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not Home.objects.exists()


def test_a_row_that_cannot_be_read_does_not_close_the_home_it_names(reference_data, tmp_path):
    first = write_csv(tmp_path / "at_march_2024.csv", [home_row("SC000001"), home_row("SC000002")], title=[])
    ofsted_register_import(path=first)
    later = write_csv(
        tmp_path / "at_march_2025.csv",
        [home_row("SC000001", Places="four"), home_row("SC000002")],
        title=[],
    )

    run = ofsted_register_import(path=later)

    assert run.counts["rejected"] == 1
    assert run.counts["closed"] == 0
    assert Home.objects.get(urn="SC000001").closed_on is None
