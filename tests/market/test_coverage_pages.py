"""Coverage beside every owner figure, the <90% warning, counts-only dates and the method page,
over HTTP (issue 11: "unknown is unknown", eleven years, method page)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from market.models import MarketSnapshot, RecomputeRun
from ownership.models import Interest, OwnerType
from providers.models import ImportRun
from registry.models import OfficialTotal
from tests.market.snapshot_factories import (
    LATEST,
    NEWCASTLE,
    CostSnapshotFactory,
    MarketSnapshotFactory,
    market_over_time,
)
from tests.market.test_dashboards import csv_rows, figure, page_text, visible_text
from tests.ownership.factories import CompanyFactory, MajorityShareholdingFactory

pytestmark = pytest.mark.django_db

WARNING = "Owners are known for only 61.5% of the places on 31 March 2024, below 90%"


@pytest.fixture
def run(reference_data) -> RecomputeRun:
    return market_over_time()


def low_coverage(run: RecomputeRun) -> None:
    """The latest date's owners known for 61.5% of places: the market is too little known."""
    shares = {"private_investment": 30.0, "private_corporate": 10.0, "private_individual": 5.0}
    shares |= {"voluntary": 4.0, "local_authority": 11.5, "private_unknown": 35.0, "unknown": 4.5}
    for found in MarketSnapshot.objects.filter(run=run, as_of=LATEST):
        found.coverage_homes, found.coverage_places = 60.0, 61.5
        found.figures["owner_type_shares"] = shares
        found.save()


def test_coverage_and_its_evidence_dates_show_beside_the_headline(client: Client, run):
    text = visible_text(page_text(client, "/dashboards/"))

    assert "Owner known (% of homes) 96.5" in text
    assert "Owner known (% of places) 97.2" in text
    assert "On 31 March 2024 the owner is known for 96.5% of homes and 97.2% of places, from evidence dated " in text
    assert "30 June 2022 to 31 March 2023" in text
    assert "below 90%" not in text


@pytest.mark.parametrize("url", ["/dashboards/", f"/dashboards/areas/{NEWCASTLE}/", "/dashboards/present/?slide=2"])
def test_coverage_below_90_percent_is_warned_beside_the_figures(client: Client, run, url: str):
    low_coverage(run)

    text = visible_text(page_text(client, url))

    assert WARNING in text


def test_owner_type_shares_under_low_coverage_are_of_the_known_with_the_unknown_shown_apart(client: Client, run):
    low_coverage(run)

    html = page_text(client, "/dashboards/")

    assert "Share by type of owner, of the places whose owner is known" in html
    rows = csv_rows(client, "/dashboards/owner-types.csv")
    header, latest = rows[0], rows[-1]
    shares = dict(zip(header, latest, strict=True))
    # The known types' 60.5% of places become 100%: investment 30 / 60.5.
    assert shares["Private, investment-owned (% of places whose owner type is known)"] == "49.5868"
    assert shares["Private, owner not known (% of places)"] == "35.0"
    assert shares["Unknown (% of places)"] == "4.5"
    assert shares["Owner known (% of places)"] == "61.5"
    drawn = figure(html, "owner-types")
    colours = {trace["name"]: trace["line"]["color"] for trace in drawn["data"]}
    assert colours["Private, owner not known"] not in {colours["Unknown"], colours["Private, individual-owned"]}


def test_a_date_with_counts_only_shows_the_reason_and_no_owner_figures(client: Client, reference_data):
    run = market_over_time()
    MarketSnapshot.objects.filter(run=run).delete()
    reason = "The 2016 register names no owners, so no concentration can be measured."
    MarketSnapshotFactory(
        run=run,
        as_of=datetime.date(2016, 3, 31),
        owners=None,
        hhi=None,
        cr4=None,
        cr10=None,
        coverage_homes=0.0,
        coverage_places=0.0,
        links_oldest=None,
        links_newest=None,
        figures={"counts_only_reason": reason, "owner_type_shares": {}, "top_owners": [], "size_bands": {}},
    )

    text = visible_text(page_text(client, "/dashboards/"))

    assert reason in text
    assert "Places 1,000" in text
    assert "CR4: share of the 4 largest owners" not in text
    assert "Owners holding half" not in text
    assert csv_rows(client, "/dashboards/hhi.csv")[1][:2] == ["2016-03-31", ""]


def test_a_change_across_an_edition_break_is_not_shown_as_growth(client: Client, run):
    for found in MarketSnapshot.objects.filter(run=run, as_of=LATEST):
        found.figures["change_since_previous"]["edition_break"] = True
        found.save()

    text = visible_text(page_text(client, "/dashboards/"))

    assert "not comparable with the previous register" in text
    assert "+12.5 since" not in text


def test_the_method_page_defines_every_figure_with_the_data_s_own_dates(client: Client, reference_data, settings):
    settings.OWNERSHIP_LINKS_MAX_AGE_DAYS = 730
    ImportRun.objects.create(
        kind=ImportRun.Kind.PSC,
        source_name="persons-with-significant-control-snapshot-2026-11-02.txt",
        as_of=datetime.date(2026, 11, 2),
        status=ImportRun.Status.SUCCEEDED,
    )
    MajorityShareholdingFactory(
        subject=CompanyFactory(),
        interested_party=CompanyFactory(),
        source="shareholderss_list.csv",
        observed_on=datetime.date(2023, 3, 31),
    )
    assert Interest.objects.count() == 1
    OfficialTotal.objects.create(
        as_of=datetime.date(2023, 3, 31),
        homes=3050,
        places=11857,
        source="Ofsted time series",
        source_date=datetime.date(2023, 7, 1),
    )

    text = visible_text(page_text(client, "/dashboards/method/"))

    for words in (
        "sum of the squares of every owner's percentage share",
        "10,000",
        "The share of the 4 largest owners",
        "The share of the 10 largest owners",
        "reach 25% (50%)",
        "Registered owner (as Ofsted writes it)",
        "Provider organisation",
        "Ultimate owner",
        "a “-” in the direct-share column names an owner higher in the same group",
        "“&gt;75.00”",
        "Corrections",
        "Unknown is not individual",
        "Children's trusts",
        "no more than 730 days",
        "below 90%",
        "persons-with-significant-control snapshot: dated 2 November 2026",
        "shareholderss_list.csv 1 31 March 2023 31 March 2023",
        "Ofsted's official totals of homes and places, shown beside the counts drawn from each register: "
        "Ofsted time series (released 1 July 2023)",
    ):
        assert words in text, words
    for _, label in OwnerType.choices:
        assert label in text


@pytest.mark.parametrize("url", ["/dashboards/", "/dashboards/areas/", "/dashboards/costs/", "/dashboards/method/"])
def test_every_dashboard_page_links_to_the_method_page(client: Client, run, url: str):
    assert 'href="/dashboards/method/"' in page_text(client, url)


def test_the_areas_page_says_in_how_many_areas_owners_are_too_little_known(client: Client, run):
    MarketSnapshot.objects.filter(run=run, as_of=LATEST, geography_code=NEWCASTLE).update(coverage_places=72.0)

    text = visible_text(page_text(client, "/dashboards/areas/"))

    assert "Owners are known for at least 90% of the places in 1 of these 2 areas" in text
    assert "Owners are known for less than 90% of the places in 1 of these 2 areas" in text
    newcastle = next(row for row in csv_rows(client, "/dashboards/areas/map.csv") if row[1] == NEWCASTLE)
    assert newcastle[-3] == "72.0"


def test_fees_by_owner_type_say_unknown_owners_are_a_group_of_their_own(client: Client, run):
    CostSnapshotFactory(run=run, group_value="private_unknown")

    text = visible_text(page_text(client, "/dashboards/costs/"))

    assert "is in its own group (“Private, owner not known” or “Unknown”), never counted in a known type" in text
    assert "Private, owner not known" in csv_rows(client, "/dashboards/costs/fees-owner-type.csv")[1]
