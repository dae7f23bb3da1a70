"""Registers without places (2015) or without owner names (2015-2017) recompute and publish
counts only, with the reason; every figure carries its coverage (issue 11, parts 6 and
"unknown is unknown")."""

from __future__ import annotations

import datetime

import pytest

from market.models import ENGLAND_CODE, MarketSnapshot
from ownership.models import Entity
from providers.models import Home, ImportRun, ProviderOrganisation, Sector
from registry.models import OfficialTotal
from tests.market.test_analytics import authority, observe, provider, recompute, snapshot
from tests.market.test_dashboards import csv_rows, page_text, visible_text
from tests.ownership.factories import HomeFactory, MajorityShareholdingFactory, PrivateEquityFirmFactory

pytestmark = pytest.mark.django_db

MARCH_2015 = datetime.date(2015, 3, 31)
MARCH_2016 = datetime.date(2016, 3, 31)
MARCH_2018 = datetime.date(2018, 3, 31)
MARCH_2023 = datetime.date(2023, 3, 31)
LEEDS = "E08000035"
LEVELS = ("registered", "provider", "ultimate")


@pytest.fixture(autouse=True)
def _reference(reference_data):
    return None


def ownerless_home(as_of: datetime.date, *, places: int | None, sector: str = Sector.PRIVATE) -> Home:
    """A home as a register naming no owners saw it: no owner name, no provider organisation."""
    home = HomeFactory(
        provider_organisation=None,
        registered_owner_name="",
        places=places,
        local_authority=authority(LEEDS),
        sector=sector,
    )
    observe(home, as_of, registered_owner_name="", provider_organisation=None, places=places)
    return home


def test_a_database_whose_only_register_names_no_owners_publishes_counts_only_with_the_reason():
    ownerless_home(MARCH_2016, places=4)
    ownerless_home(MARCH_2016, places=2)
    ownerless_home(MARCH_2016, places=3, sector=Sector.LOCAL_AUTHORITY)

    recompute()

    for level in LEVELS:
        places = snapshot(as_of=MARCH_2016, level=level)
        homes = snapshot(as_of=MARCH_2016, level=level, basis="homes")
        assert (places.homes, places.units, homes.units) == (3, 9, 3)
        # Before: HHI 7.0 / 10,000 and "Unknown 100%", as if one or many owners were known.
        for found in (places, homes):
            assert (found.owners, found.hhi, found.cr4, found.cr10) == (None, None, None, None)
            assert found.figures["owner_type_shares"] == {}
            assert found.figures["top_owners"] == []
            assert found.figures["size_bands"] == {}
            assert found.figures["owners_for_25_percent"] is None
            assert found.figures["counts_only_reason"] == (
                "The 2016 register names no owners, so no concentration can be measured."
            )
    excluded = snapshot(as_of=MARCH_2016, include_local_authority=False)
    assert (excluded.homes, excluded.units) == (2, 6)


def test_a_register_without_places_publishes_homes_only_and_no_places_basis():
    for _ in range(3):
        ownerless_home(MARCH_2015, places=None)

    run = recompute()

    found = MarketSnapshot.objects.filter(run=run)
    assert set(found.values_list("basis", flat=True)) == {"homes"}
    england = snapshot(as_of=MARCH_2015, basis="homes")
    assert (england.homes, england.units, england.hhi, england.coverage_places) == (3, 3, None, None)
    assert england.figures["edition"] == {"has_owner_names": False, "has_places": False, "name": ""}


def test_from_an_ownerless_register_counts_change_and_owner_figures_have_no_change():
    ownerless_home(MARCH_2016, places=4)
    named = HomeFactory(
        provider_organisation=provider("Named Care Limited"), places=4, local_authority=authority(LEEDS)
    )
    observe(named, MARCH_2016, registered_owner_name="", provider_organisation=None)
    observe(named, MARCH_2018)

    recompute()

    # Both registers list every home: the count's change is like with like; 2016 measured no
    # concentration, so there is no change of it to give.
    change = snapshot(as_of=MARCH_2018, basis="homes").figures["change_since_previous"]
    assert change["edition_break"] is False
    assert (change["units"], change["hhi"], change["owners"], change["cr4"]) == (-1, None, None, None)
    assert snapshot(as_of=MARCH_2018, basis="homes").hhi == 10000.0


def _held_by_fund(name: str, observed_on: datetime.date) -> ProviderOrganisation:
    organisation = provider(name)
    MajorityShareholdingFactory(
        subject=organisation.entity, interested_party=PrivateEquityFirmFactory(), observed_on=observed_on
    )
    return organisation


def test_coverage_counts_homes_and_places_whose_owner_is_known_from_fresh_links(settings):
    settings.OWNERSHIP_LINKS_MAX_AGE_DAYS = 1096
    fresh = _held_by_fund("Fresh Care Limited", datetime.date(2024, 6, 1))  # after the date: not older
    stale = _held_by_fund("Stale Care Limited", datetime.date(2019, 1, 1))  # 1,550 days before
    unlinked = provider("Unlinked Care Limited")  # private, owner not known
    for organisation, places in ((fresh, 6), (stale, 3), (unlinked, 1)):
        home = HomeFactory(provider_organisation=organisation, places=places, local_authority=authority(LEEDS))
        observe(home, MARCH_2023)

    recompute()

    for level in LEVELS:
        for basis in ("homes", "places"):
            found = snapshot(as_of=MARCH_2023, level=level, basis=basis)
            assert (found.coverage_homes, found.coverage_places) == (33.3333, 60.0)
            assert (found.links_oldest, found.links_newest) == (datetime.date(2019, 1, 1), datetime.date(2024, 6, 1))
    assert snapshot(as_of=MARCH_2023, code=LEEDS).coverage_places == 60.0


def test_coverage_follows_the_links_age_setting(settings):
    settings.OWNERSHIP_LINKS_MAX_AGE_DAYS = 2000
    stale = _held_by_fund("Stale Care Limited", datetime.date(2019, 1, 1))
    observe(HomeFactory(provider_organisation=stale, places=3, local_authority=authority(LEEDS)), MARCH_2023)

    recompute()

    assert snapshot(as_of=MARCH_2023, code=ENGLAND_CODE).coverage_homes == 100.0


def test_a_register_listing_only_inspected_homes_is_an_edition_break_and_official_totals_show_beside(client):
    named = HomeFactory(
        provider_organisation=provider("Named Care Limited"), places=4, local_authority=authority(LEEDS)
    )
    observe(named, MARCH_2018)
    observe(named, MARCH_2023)
    ImportRun.objects.filter(as_of=MARCH_2023).update(
        lists="children's homes inspected under the framework at 31 March", is_complete_register=False
    )
    OfficialTotal.objects.create(
        as_of=MARCH_2023, homes=3050, places=11857, source="Ofsted time series", source_date=datetime.date(2023, 7, 1)
    )

    recompute()

    latest = snapshot(as_of=MARCH_2023, basis="homes")
    assert latest.figures["edition"]["name"] == "children's homes inspected under the framework at 31 March"
    assert latest.figures["change_since_previous"]["edition_break"] is True
    assert latest.figures["official_totals"] == {
        "homes": 3050,
        "places": 11857,
        "source": "Ofsted time series",
        "source_date": "2023-07-01",
    }
    assert snapshot(as_of=MARCH_2023, code=LEEDS).figures["official_totals"] is None
    assert snapshot(as_of=MARCH_2023, include_local_authority=False).figures["official_totals"] is None
    rows = csv_rows(client, "/dashboards/homes-and-places.csv")
    assert rows[0] == [
        "Date",
        "Homes in the register",
        "Places in the register",
        "Homes, Ofsted's official total",
        "Places, Ofsted's official total",
        "What the register lists",
        "Register",
    ]
    assert rows[1:] == [
        ["2018-03-31", "1", "4", "", "", "The whole register", ""],
        *[[str(year), "", "", "", "", "", "No register this year"] for year in range(2019, 2023)],
        [
            *["2023-03-31", "1", "4", "3050", "11857", "children's homes inspected under the framework at 31 March"],
            "Edition changed: not comparable with the register before",
        ],
    ]
    text = visible_text(page_text(client, "/dashboards/"))
    assert "not comparable with the previous register" in text


def test_council_owned_childrens_trust_counts_as_local_authority_and_leaves_with_councils_homes():
    # ADR 25: Ofsted lists the trust as voluntary; the council controls it.
    trust = provider("Together For Children Sunderland", sector=Sector.VOLUNTARY)
    council = Entity.objects.create(
        name="Sunderland City Council", kind="registered_entity", category="local_authority", record_id="council-1"
    )
    MajorityShareholdingFactory(subject=trust.entity, interested_party=council, observed_on=MARCH_2023)
    private = provider("Private Care Limited")
    for organisation, sector in ((trust, Sector.VOLUNTARY), (private, Sector.PRIVATE)):
        home = HomeFactory(
            provider_organisation=organisation, places=4, local_authority=authority(LEEDS), sector=sector
        )
        observe(home, MARCH_2023)

    recompute()

    included = snapshot(as_of=MARCH_2023, basis="homes")
    assert included.figures["owner_type_shares"]["local_authority"] == 50.0
    assert included.figures["owner_type_shares"]["voluntary"] == 0.0
    excluded = snapshot(as_of=MARCH_2023, basis="homes", include_local_authority=False)
    assert (excluded.homes, excluded.figures["top_owners"][0]["name"]) == (1, "Private Care Limited")
