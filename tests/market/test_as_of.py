"""The dashboards on a chosen date (?as_of=), with gaps and changes of edition marked (issue 15 parts 1, 6, 7)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from market.analytics import selectors
from market.analytics.selectors import MarketOptions
from market.models import ENGLAND_CODE, GeographyLevel, MarketBasis, MarketSnapshot, RecomputeRun
from market.views import resolve_as_of
from providers.models import ImportRun
from tests.market.snapshot_factories import (
    NEWCASTLE,
    NORTH_EAST,
    SUNDERLAND,
    CostSnapshotFactory,
    MarketSnapshotFactory,
    RecomputeRunFactory,
    market_figures,
)
from tests.market.test_dashboards import csv_rows, figure, page_text, visible_text
from tests.ownership.factories import CompanyFactory, MajorityShareholdingFactory

pytestmark = pytest.mark.django_db

# Yearly registers with none in 2019, and a register of a different edition in 2020.
DATES = [datetime.date(year, 3, 31) for year in (2016, 2017, 2018, 2020, 2021)]
MARCH_2018 = datetime.date(2018, 3, 31)
EDITION_CHANGED_ON = datetime.date(2020, 3, 31)
PLACES = [("England", ENGLAND_CODE, GeographyLevel.ENGLAND, 1), ("North East", NORTH_EAST, GeographyLevel.REGION, 0)]
AUTHORITIES = [("Newcastle upon Tyne", NEWCASTLE, 0), ("Sunderland", SUNDERLAND, 1)]


def _change(index: int) -> dict[str, Any] | None:
    if index == 0:
        return None
    earlier = DATES[index - 1].isoformat()
    return {"as_of": earlier, "edition_break": DATES[index] == EDITION_CHANGED_ON, "units": 10, "hhi": 5.0}


def _snapshot(run: RecomputeRun, name: str, code: str, level: str, index: int, hhi: float) -> None:
    for basis in (MarketBasis.PLACES, MarketBasis.HOMES):
        homes = 200 + 10 * index
        units = homes * 4 if basis == MarketBasis.PLACES else homes
        figures = market_figures(units, _change(index))
        figures["top_owners"][0]["name"] = f"Largest owner of {DATES[index].year}"
        MarketSnapshotFactory(
            run=run,
            as_of=DATES[index],
            geography_code=code,
            geography_level=level,
            geography_name=name,
            basis=basis,
            homes=homes,
            units=units,
            hhi=hhi,
            figures=figures,
        )


@pytest.fixture
def run(reference_data) -> RecomputeRun:
    """England, the North East and two of its authorities on every date of DATES. HHI is
    100 times the year's index plus the area's own offset, so each date's figures differ;
    Sunderland ranks above Newcastle by HHI until 2018 and below after."""
    run = RecomputeRunFactory()
    for index in range(len(DATES)):
        for name, code, level, offset in PLACES:
            _snapshot(run, name, code, level, index, 100.0 * index + offset)
        for name, code, order in AUTHORITIES:
            hhi = 1000.0 + (order * 50 if DATES[index] <= MARCH_2018 else -order * 50)
            _snapshot(run, name, code, GeographyLevel.LOCAL_AUTHORITY, index, hhi)
    return run


def _title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.DOTALL)
    assert match
    return re.sub(r"\s+", " ", match.group(1)).strip()


def _h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.DOTALL)
    assert match
    return match.group(1).strip()


def _page_keys() -> list[str]:
    return [str(key) for key in cache._cache if ":dashboards:" in str(key)]  # type: ignore[attr-defined]


# ---------------------------------------------------------------- choosing the date


def test_resolve_as_of_picks_the_register_on_or_before_the_date(run):
    options = MarketOptions()

    assert resolve_as_of(run, options, None) == (DATES[-1], "")
    assert resolve_as_of(run, options, "") == (DATES[-1], "")
    assert resolve_as_of(run, options, "2018-03-31") == (MARCH_2018, "")
    shown, message = resolve_as_of(run, options, "2019-06-30")
    assert shown == MARCH_2018
    assert message == (
        "There is no register dated 30 June 2019: these are the figures of the latest register before it, "
        "dated 31 March 2018."
    )
    assert resolve_as_of(run, options, "2030-01-01")[0] == DATES[-1]


def test_the_runs_dates_are_each_date_once(run):
    assert selectors.run_dates(run) == DATES


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("2015-03-31", "There are no figures before 31 March 2016, the first register these figures hold"),
        ("2023-02-30", "2023-02-30 is not a real date: choose a date from the list."),
        ("31/03/2018", "Enter the date as year, month and day, for example 2018-03-31 (not “31/03/2018”)."),
        ("yesterday", "Enter the date as year, month and day, for example 2018-03-31 (not “yesterday”)."),
    ],
)
def test_a_date_that_cannot_be_shown_is_explained_and_the_latest_shown(client: Client, run, raw: str, message: str):
    before = MarketSnapshot.objects.count()

    response = client.get("/dashboards/", {"as_of": raw})

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_as_of"' in html  # the summary links to the date select
    assert 'class="govuk-select govuk-select--error" id="id_as_of"' in html
    assert message in html.replace("&#x27;", "'")
    assert "Showing the latest figures, 31 March 2021." in html
    assert _title(html).startswith("Error: Who owns England's children's homes at 31 March 2021")
    assert "Figures as of 31 March 2021" in visible_text(html)
    assert MarketSnapshot.objects.count() == before
    assert "as_of=" not in html  # the links carry nothing of the bad date
    assert not _page_keys()  # nor is the page kept


def test_the_overview_on_a_past_date_is_that_dates_market(client: Client, run):
    html = page_text(client, "/dashboards/?as_of=2018-03-31")
    text = visible_text(html)

    assert _title(html).startswith("Who owns England's children's homes at 31 March 2018")
    assert _h1(html) == "Who owns England's children's homes at 31 March 2018"
    assert "Figures as of 31 March 2018" in text
    assert "(the latest register is dated 31 March 2021)" in text
    assert "Homes 220" in text
    assert "HHI 201.0 +5.0 since 31 March 2017" in text
    hhi = figure(html, "hhi")
    assert hhi["data"][0]["x"] == ["2016-03-31", "2017-03-31", "2018-03-31"]  # nothing after the date
    assert hhi["data"][0]["y"] == [1.0, 101.0, 201.0]
    assert "Largest owner of 2018" in text
    assert "Largest owner of 2021" not in text
    assert '<option value="2018-03-31" selected>31 March 2018</option>' in html
    assert '<option value="2021-03-31">31 March 2021 (latest)</option>' in html


def test_the_latest_date_is_named_without_choosing_one(client: Client, run):
    html = page_text(client, "/dashboards/")

    assert _h1(html) == "Who owns England's children's homes at 31 March 2021"
    assert '<option value="2021-03-31" selected>31 March 2021 (latest)</option>' in html
    assert "as_of=" not in html  # the latest needs no date in its links


def test_a_date_between_registers_shows_the_one_before_and_says_so(client: Client, run):
    html = page_text(client, "/dashboards/?as_of=2019-06-30")

    assert "There is a problem" not in html
    assert _h1(html) == "Who owns England's children's homes at 31 March 2018"
    assert (
        "There is no register dated 30 June 2019: these are the figures of the latest register before it, "
        "dated 31 March 2018." in visible_text(html)
    )
    assert 'href="/dashboards/hhi.csv?as_of=2018-03-31"' in html  # links name the register shown


def test_links_between_pages_keep_the_date(client: Client, run):
    overview = page_text(client, "/dashboards/?as_of=2018-03-31&basis=homes")
    areas = page_text(client, "/dashboards/areas/?as_of=2018-03-31&sort=name")
    region = page_text(client, f"/dashboards/areas/{NORTH_EAST}/?as_of=2018-03-31")

    assert 'href="/dashboards/areas/?as_of=2018-03-31"' in overview
    assert 'href="/dashboards/costs/?as_of=2018-03-31"' in overview
    assert 'href="/dashboards/present/?as_of=2018-03-31"' in overview
    assert 'href="/dashboards/hhi.csv?basis=homes&amp;as_of=2018-03-31"' in overview
    assert 'href="/dashboards/headline.csv?basis=homes&amp;as_of=2018-03-31"' in overview
    assert f'href="/dashboards/areas/{NEWCASTLE}/?as_of=2018-03-31"' in areas  # the ranking's links
    assert 'href="/dashboards/areas/local-authorities.csv?sort=name&amp;as_of=2018-03-31"' in areas
    assert 'href="/dashboards/?as_of=2018-03-31"' in areas
    assert 'href="/dashboards/areas/?as_of=2018-03-31" class="govuk-back-link"' in region
    assert f'href="/dashboards/areas/{SUNDERLAND}/?as_of=2018-03-31"' in region


def test_areas_rank_the_chosen_dates_figures(client: Client, run):
    html = page_text(client, "/dashboards/areas/?as_of=2018-03-31")
    past = csv_rows(client, "/dashboards/areas/local-authorities.csv?as_of=2018-03-31")
    latest = csv_rows(client, "/dashboards/areas/local-authorities.csv")

    assert _h1(html) == "Ownership by region and local authority at 31 March 2018"
    assert past[0][:3] == ["As of", "Rank", "Area"]
    assert [(row[0], row[2], row[7]) for row in past[1:]] == [
        ("2018-03-31", "Sunderland", "1050.0"),
        ("2018-03-31", "Newcastle upon Tyne", "1000.0"),
    ]
    assert [(row[0], row[2]) for row in latest[1:]] == [
        ("2021-03-31", "Newcastle upon Tyne"),
        ("2021-03-31", "Sunderland"),
    ]


def test_an_area_page_on_a_past_date(client: Client, run):
    html = page_text(client, f"/dashboards/areas/{NEWCASTLE}/?as_of=2017-03-31")

    assert _title(html).startswith("Newcastle upon Tyne: who owns the children's homes at 31 March 2017")
    assert _h1(html) == "Newcastle upon Tyne: who owns the children's homes at 31 March 2017"
    assert figure(html, "hhi")["data"][0]["x"] == ["2016-03-31", "2017-03-31"]
    headline = csv_rows(client, f"/dashboards/areas/{NEWCASTLE}/headline.csv?as_of=2017-03-31")
    assert headline[0] == ["As of", "Figure", "Value", "Change since the previous register", "Previous register"]
    assert headline[1] == ["2017-03-31", "Homes", "210", "", ""]
    assert headline[2] == ["2017-03-31", "Places", "840", "10", "2016-03-31"]


def test_costs_on_a_past_date_show_the_financial_years_begun_by_then(client: Client, run):
    for year in (2016, 2017, 2018):
        CostSnapshotFactory(run=run, financial_year=year)

    rows = csv_rows(client, "/dashboards/costs/fees-owner-type.csv?as_of=2018-03-31")
    html = page_text(client, "/dashboards/costs/?as_of=2018-03-31")

    assert [row[0] for row in rows[1:]] == ["2016-17", "2017-18"]  # 2018-19 began on 1 April 2018
    assert _h1(html) == "Owner type and costs at 31 March 2018"
    assert "for the financial years begun by 31 March 2018" in visible_text(html)
    assert figure(html, "owner-types")["data"][0]["x"][-1] == "2018-03-31"


# ---------------------------------------------------------------- gaps and editions


def test_trend_charts_mark_the_year_without_a_register_and_the_change_of_edition(client: Client, run):
    html = page_text(client, "/dashboards/")

    for slug in ("hhi", "concentration", "owner-types", "homes-and-places"):
        drawn = figure(html, slug)
        for trace in drawn["data"]:
            assert trace["x"][3] == "2019-03-31"  # a point between 2018 and 2020 with no value
            assert trace["y"][3] is None
            assert trace["connectgaps"] is False
        shapes = drawn["layout"]["shapes"]
        assert {"type": "rect", "x0": "2018-03-31", "x1": "2020-03-31"}.items() <= shapes[0].items()
        assert {"type": "line", "x0": "2020-03-31", "x1": "2020-03-31"}.items() <= shapes[1].items()
        assert shapes[1]["line"]["dash"] == "dash"
        notes = [note["text"] for note in drawn["layout"]["annotations"]]
        assert notes == ["No register<br>2019", "Edition<br>changed"]
    assert "Shaded: a year with no register" in visible_text(html)


def test_the_chart_csv_says_which_year_had_no_register_and_where_the_edition_changed(client: Client, run):
    rows = csv_rows(client, "/dashboards/hhi.csv")

    assert rows[0] == [
        *["Date", "HHI", "Owner known (% of homes)", "Owner known (% of places)", "Links dated from"],
        *["Links dated to", "Register"],
    ]
    assert [[row[0], row[1], row[-1]] for row in rows[1:]] == [
        ["2016-03-31", "1.0", ""],
        ["2017-03-31", "101.0", ""],
        ["2018-03-31", "201.0", ""],
        ["2019", "", "No register this year"],
        ["2020-03-31", "301.0", "Edition changed: not comparable with the register before"],
        ["2021-03-31", "401.0", ""],
    ]
    assert [row[0] for row in csv_rows(client, "/dashboards/hhi.csv?as_of=2018-03-31")[1:]] == [
        "2016-03-31",
        "2017-03-31",
        "2018-03-31",
    ]


def test_a_series_without_gaps_or_changes_draws_no_marks(client: Client, run):
    html = page_text(client, "/dashboards/?as_of=2018-03-31")

    drawn = figure(html, "hhi")
    assert "shapes" not in drawn["layout"]
    assert None not in drawn["data"][0]["y"]


# ---------------------------------------------------------------- labels and tables


def test_size_bands_are_labelled_by_the_homes_they_count(client: Client, run):
    html = page_text(client, "/dashboards/")
    rows = csv_rows(client, "/dashboards/size-bands.csv")

    bands = figure(html, "size-bands")
    assert bands["data"][0]["x"] == ["1 home", "2-5 homes", "6-20 homes", "21+ homes"]
    assert bands["layout"]["xaxis"]["title"]["text"] == "Owners who own this many homes"
    assert bands["layout"]["yaxis"]["title"]["text"] == "% of places"
    assert rows[0][:5] == ["As of", "Owner's size (homes owned)", "Owners", "Places they hold", "Share of places (%)"]
    assert rows[1][:3] == ["2021-03-31", "1 home", "40"]
    assert "Owners by the number of homes they own" in html


def test_the_largest_owners_chart_has_a_key_to_its_owner_type_colours(client: Client, run):
    drawn = figure(page_text(client, "/dashboards/"), "top-owners")

    assert drawn["layout"]["showlegend"] is True
    named = {trace["name"]: trace["marker"]["color"] for trace in drawn["data"]}
    assert named == {
        "Private, investment-owned": "#d4351c",
        "Private, individual-owned": "#f47738",
        "Local authority": "#1d70b8",
        "Voluntary / third sector": "#00703c",
        "Private, corporate": "#4c2c92",
    }
    assert drawn["layout"]["yaxis"]["gridcolor"] == "#dddddd"  # the chart's own axis merged into the house style
    shown = [name for trace in drawn["data"] for name in trace["y"]]
    assert sorted(shown) == sorted(drawn["layout"]["yaxis"]["categoryarray"])  # every owner once


def test_every_table_on_a_dashboard_page_has_its_csv_beside_it(client: Client, run):
    for url in ["/dashboards/?as_of=2018-03-31", f"/dashboards/areas/{NORTH_EAST}/", "/dashboards/areas/"]:
        html = page_text(client, url)
        tables = html.count("<table")
        downloads = re.findall(r'href="([^"]+\.csv[^"]*)" download', html)
        assert tables, url
        assert len(downloads) >= tables, url
        for link in downloads:
            assert client.get(link.replace("&amp;", "&")).status_code == 200, link


def test_the_headline_and_federations_csvs_carry_their_dates(client: Client, run):
    headline = csv_rows(client, "/dashboards/headline.csv?as_of=2018-03-31")
    federations = csv_rows(client, "/dashboards/federations.csv?as_of=2018-03-31")

    assert headline[1] == ["2018-03-31", "Homes", "220", "", ""]
    assert ["2018-03-31", "HHI", "201.0", "5.0", "2017-03-31"] in headline
    today = timezone.localdate().isoformat()
    assert federations[0] == ["As of", "Figure", "As owned", "If each federation counted as one owner"]
    assert {row[0] for row in federations[1:]} == {today}  # federations are counted today, and say so


def test_a_past_dates_overview_says_the_federations_are_todays(client: Client, run):
    past = visible_text(page_text(client, "/dashboards/?as_of=2018-03-31"))
    latest = visible_text(page_text(client, "/dashboards/"))

    assert "Unlike the figures above, which are for 31 March 2018, this section is for today" in past
    assert "Unlike the figures above, which are for 31 March 2021, this section is for today" in latest


# ---------------------------------------------------------------- the cache


def test_a_date_the_run_holds_is_cached_and_a_made_up_one_is_not(client: Client, run, django_assert_max_num_queries):
    page_text(client, "/dashboards/?as_of=2018-03-31")
    assert len(_page_keys()) == 1
    with django_assert_max_num_queries(3):
        page_text(client, "/dashboards/?as_of=2018-03-31")

    for made_up in ("2019-06-30", "2018-03-30", "1900-01-01", "2023-02-30", "soon"):
        page_text(client, f"/dashboards/?as_of={made_up}")
        csv_rows(client, f"/dashboards/hhi.csv?as_of={made_up}")
    assert len(_page_keys()) == 1


def test_the_method_pages_tables_each_have_their_csv(client: Client, reference_data):
    ImportRun.objects.create(
        kind=ImportRun.Kind.PSC,
        source_name="psc-snapshot-2026-11-02.txt",
        as_of=datetime.date(2026, 11, 2),
        status=ImportRun.Status.SUCCEEDED,
    )
    MajorityShareholdingFactory(
        subject=CompanyFactory(),
        interested_party=CompanyFactory(),
        source="shareholders.csv",
        observed_on=datetime.date(2023, 3, 31),
    )

    html = page_text(client, "/dashboards/method/")

    assert html.count("<table") == html.count("Download this table (CSV)") == 2  # no register imported yet
    assert csv_rows(client, "/dashboards/link-sources.csv") == [
        ["Source", "Links", "Stated from", "Stated to"],
        ["shareholders.csv", "1", "2023-03-31", "2023-03-31"],
    ]
    assert csv_rows(client, "/dashboards/imported-files.csv") == [
        ["Kind", "File", "Its date"],
        ["Companies House PSC snapshot", "psc-snapshot-2026-11-02.txt", "2026-11-02"],
    ]
    assert csv_rows(client, "/dashboards/registers.csv") == [
        ["Date", "Owner names", "Places", "What the date supports"]
    ]


def test_fees_by_owner_type_have_a_key_in_the_owner_types_colours(client: Client, run):
    CostSnapshotFactory(run=run, group_value="private_investment")

    drawn = figure(page_text(client, "/dashboards/costs/"), "fees-owner-type")

    assert drawn["layout"]["showlegend"] is True  # even for one group
    assert [(trace["name"], trace["line"]["color"]) for trace in drawn["data"]] == [
        ("Private, investment-owned", "#d4351c")
    ]
