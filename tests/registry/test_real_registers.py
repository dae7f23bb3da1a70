"""The eleven real registers shipped in registry/data/ofsted/ against the researcher's check
figures (/work/shared/data/README.md, copied into registry/data/ofsted/README.md): children's
homes, places and sectors, and what each edition holds."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Sum

from providers.models import Home, HomeKind, ImportRun
from registry.importers.ofsted import ofsted_register_import
from registry.selectors import register_editions
from tests.registry.register_counts import YEARS, real_file

pytestmark = pytest.mark.django_db

# year -> (children's homes, places, {sector: homes} or None where the notes say "as in the file")
CHECK_FIGURES: dict[int, tuple[int, int | None, dict[str, int] | None]] = {
    2015: (1850, None, None),
    2016: (1884, 8518, {"Private": 1301, "Local Authority": 433, "Voluntary": 141, "Health Authority": 9}),
    2017: (1924, 8558, {"Private": 1368, "Local Authority": 412, "Voluntary": 136, "Health Authority": 8}),
    2018: (2038, 9062, {"Private": 1491, "Local Authority": 401, "Voluntary": 136, "Health Authority": 10}),
    2023: (2821, 11103, {"Private": 2258, "Local Authority": 407, "Voluntary": 147, "Health Authority": 9}),
    2025: (3946, 14275, {"Private": 3320, "Local Authority": 467, "Voluntary": 152, "Health Authority": 7}),
}


def test_every_year_2015_to_2025_is_shipped():
    shipped = sorted(path.name for path in real_file(2015).parent.glob("provider_at_march_*.csv"))
    assert shipped == [f"provider_at_march_{year}.csv" for year in range(2015, 2026)]
    assert [real_file(year).name for year in YEARS] == shipped


@pytest.mark.parametrize("year", sorted(CHECK_FIGURES))
def test_each_register_gives_the_check_figures(reference_data, year):
    homes, places, sectors = CHECK_FIGURES[year]

    run = ofsted_register_import(path=real_file(year))

    assert (run.summary["children_homes"], run.summary["places"]) == (homes, places)
    if sectors is not None:
        assert run.summary["sectors"] == sectors
    children_homes = Home.objects.filter(kind=HomeKind.CHILDRENS_HOME)
    assert children_homes.count() == homes
    assert children_homes.aggregate(total=Sum("places"))["total"] == places
    if places is None:
        assert not Home.objects.filter(places__isnull=False).exists()  # unknown, never 0


@pytest.mark.parametrize(
    ("year", "owners", "places", "complete"),
    [(2015, False, False, True), (2016, False, True, True), (2017, False, True, True), (2018, True, True, True),
     (2023, True, True, False), (2024, True, True, True)],
)  # fmt: skip
def test_each_edition_records_what_it_holds_and_lists(reference_data, year, owners, places, complete):
    run = ofsted_register_import(path=real_file(year))

    assert (run.has_owner_names, run.has_places, run.is_complete_register) == (owners, places, complete)
    assert (Home.objects.exclude(registered_owner_name="").exists()) == owners
    edition = register_editions()[datetime.date(year, 3, 31)]
    assert (edition.source_file, edition.has_owner_names, edition.has_places) == (real_file(year).name, owners, places)
    assert run.status == ImportRun.Status.SUCCEEDED
