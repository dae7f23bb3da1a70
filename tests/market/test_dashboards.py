"""The public dashboards, over HTTP: pages, figures, CSVs, empty states and bad parameters."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.test import Client

from market.models import RecomputeRun
from tests.market.snapshot_factories import (
    FIRST,
    LATEST,
    NEWCASTLE,
    NORTH_EAST,
    SUNDERLAND,
    CostSnapshotFactory,
    MarketSnapshotFactory,
    RecomputeRunFactory,
    SuppressedCostSnapshotFactory,
    market_over_time,
)

pytestmark = pytest.mark.django_db

PAGES = ["/dashboards/", "/dashboards/areas/", f"/dashboards/areas/{NORTH_EAST}/", "/dashboards/costs/"]
EMPTY_STATE = "An administrator can start a recompute from the admin, or run"


@pytest.fixture
def run(reference_data) -> RecomputeRun:
    return market_over_time()


def page_text(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def visible_text(html: str) -> str:
    without_data = re.sub(r"<script[^>]*>.*?</script>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", without_data))


def csv_rows(client: Client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


def figure(html: str, slug: str) -> dict:
    match = re.search(rf'<script id="chart-{slug}-data" type="application/json">(.*?)</script>', html, re.DOTALL)
    assert match, f"no figure for {slug}"
    return json.loads(match.group(1))


@pytest.mark.parametrize("url", [*PAGES, "/dashboards/present/"])
def test_every_page_says_what_to_do_when_no_run_is_current(client: Client, reference_data, url: str):
    RecomputeRunFactory(is_current=False, status=RecomputeRun.Status.FAILED)  # a failed run is never shown

    text = visible_text(page_text(client, url))

    assert EMPTY_STATE in text
    assert "python manage.py recompute_market" in text
    assert "Figures as of" not in text


def test_a_chart_csv_is_not_found_when_no_run_is_current(client: Client, reference_data):
    assert client.get("/dashboards/hhi.csv").status_code == 404


@pytest.mark.parametrize("url", [*PAGES, "/dashboards/present/", f"/dashboards/areas/{NEWCASTLE}/"])
def test_every_page_is_public_with_snapshots(client: Client, run, url: str):
    html = page_text(client, url)
    assert EMPTY_STATE not in html


def test_the_overview_shows_the_latest_england_figures(client: Client, run):
    text = visible_text(page_text(client, "/dashboards/"))

    assert "Figures as of 31 March 2024" in text
    assert "Homes 250" in text
    assert "Places 1,000" in text
    assert "Owners 85 -2 since 31 March 2023" in text
    assert "HHI 412.5 +12.5 since 31 March 2023" in text
    assert "CR4: share of the 4 largest owners (%) 21.8 +1.0" in text
    assert "Owners holding a quarter of the places 3" in text
    assert "Owners holding half of the places 9" in text


def test_the_overview_charts_draw_exactly_their_tables(client: Client, run):
    html = page_text(client, "/dashboards/")

    hhi = figure(html, "hhi")
    assert hhi["data"][0]["x"] == [FIRST.isoformat(), LATEST.isoformat()]
    assert hhi["data"][0]["y"] == [400.0, 412.5]
    homes = figure(html, "homes-and-places")
    assert [trace["y"] for trace in homes["data"]] == [[240, 250], [980, 1000]]
    top = figure(html, "top-owners")
    assert sum(len(trace["y"]) for trace in top["data"]) == 20  # one bar trace per owner type, for the key
    assert top["layout"]["yaxis"]["categoryarray"][-1] == "Owner 1 Limited "  # the largest at the top
    assert "31 March 2024 400.0" not in visible_text(html)
    assert "31 March 2023 400.0" in visible_text(html)


def test_the_csv_of_a_chart_has_exactly_the_chart_rows(client: Client, run):
    assert csv_rows(client, "/dashboards/hhi.csv") == [
        [
            *["Date", "HHI", "Owner known (% of homes)", "Owner known (% of places)", "Links dated from"],
            *["Links dated to", "Register"],
        ],
        ["2023-03-31", "400.0", "96.5", "97.25", "2022-06-30", "2023-03-31", ""],
        ["2024-03-31", "412.5", "96.5", "97.25", "2022-06-30", "2023-03-31", ""],
    ]
    assert csv_rows(client, "/dashboards/concentration.csv") == [
        [
            "Date",
            "CR4 (%)",
            "CR10 (%)",
            "Owner known (% of homes)",
            "Owner known (% of places)",
            "Links dated from",
            "Links dated to",
            "Register",
        ],
        ["2023-03-31", "20.75", "38.5", "96.5", "97.25", "2022-06-30", "2023-03-31", ""],
        ["2024-03-31", "21.75", "38.5", "96.5", "97.25", "2022-06-30", "2023-03-31", ""],
    ]
    top = csv_rows(client, "/dashboards/top-owners.csv")
    assert top[0] == [
        "As of",
        "Rank",
        "Owner",
        "Type of owner",
        "Places",
        "Share (%)",
        "Owner known (% of homes)",
        "Owner known (% of places)",
        "Links dated from",
        "Links dated to",
    ]
    assert top[1] == [
        "2024-03-31",
        "1",
        "Owner 1 Limited",
        "Private, corporate",
        "10",
        "1.0",
        "96.5",
        "97.25",
        "2022-06-30",
        "2023-03-31",
    ]
    assert len(top) == 21
    assert csv_rows(client, "/dashboards/size-bands.csv") == [
        [
            "As of",
            "Owner's size (homes owned)",
            "Owners",
            "Places they hold",
            "Share of places (%)",
            "Owner known (% of homes)",
            "Owner known (% of places)",
            "Links dated from",
            "Links dated to",
        ],
        ["2024-03-31", "1 home", "40", "160", "16.0", "96.5", "97.25", "2022-06-30", "2023-03-31"],
        ["2024-03-31", "2-5 homes", "30", "240", "24.0", "96.5", "97.25", "2022-06-30", "2023-03-31"],
        ["2024-03-31", "6-20 homes", "12", "300", "30.0", "96.5", "97.25", "2022-06-30", "2023-03-31"],
        ["2024-03-31", "21+ homes", "3", "300", "30.0", "96.5", "97.25", "2022-06-30", "2023-03-31"],
    ]


def test_each_chart_links_its_csv_keeping_the_options(client: Client, run):
    html = page_text(client, "/dashboards/?basis=homes")

    assert 'href="/dashboards/hhi.csv?basis=homes"' in html
    assert 'href="/dashboards/top-owners.csv?basis=homes"' in html


def test_the_basis_and_level_controls_choose_the_snapshots(client: Client, run):
    market_over_time(run, level="registered")
    MarketSnapshotFactory(run=run, level="registered", basis="places", include_local_authority=False, hhi=777.0)

    assert csv_rows(client, "/dashboards/hhi.csv?level=registered&include_local_authority=no") == [
        [
            *["Date", "HHI", "Owner known (% of homes)", "Owner known (% of places)", "Links dated from"],
            *["Links dated to", "Register"],
        ],
        ["2024-03-31", "777.0", "96.5", "97.25", "2022-06-30", "2023-03-31", ""],
    ]
    homes_text = visible_text(page_text(client, "/dashboards/?basis=homes"))
    assert "Owners holding half of the homes 9" in homes_text
    assert "Places 1,000" not in homes_text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("level=everyone", "Choose registered owner, provider organisation or ultimate owner"),
        ("basis=beds", "Choose places or homes"),
        ("include_local_authority=maybe", "Choose yes or no for local authorities&#x27; own homes"),
    ],
)
def test_an_invalid_option_is_explained_and_the_default_shown(client: Client, run, query: str, message: str):
    response = client.get(f"/dashboards/?{query}")

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert "<title>Error: Who owns" in html
    assert "Figures as of 31 March 2024" in visible_text(html)


def test_areas_rank_regions_and_authorities_by_the_chosen_figure(client: Client, run):
    by_hhi = csv_rows(client, "/dashboards/areas/local-authorities.csv")
    by_name = csv_rows(client, "/dashboards/areas/local-authorities.csv?sort=name")

    assert by_hhi[0] == [
        "As of",
        *["Rank", "Area", "ONS code", "Homes", "Places", "Owners", "HHI", "CR4 (%)", "CR10 (%)"],
        *["Owner known (% of homes)", "Owner known (% of places)", "Links dated from", "Links dated to"],
    ]
    assert by_hhi[1:] == [
        [
            "2024-03-31",
            "1",
            "Newcastle upon Tyne",
            NEWCASTLE,
            "12",
            "50",
            "85",
            "2210.0",
            "71.0",
            "38.5",
            "96.5",
            "97.25",
            "2022-06-30",
            "2023-03-31",
        ],
        [
            "2024-03-31",
            "2",
            "Sunderland",
            SUNDERLAND,
            "9",
            "30",
            "85",
            "1530.0",
            "62.5",
            "38.5",
            "96.5",
            "97.25",
            "2022-06-30",
            "2023-03-31",
        ],
    ]
    assert [row[2] for row in by_name[1:]] == ["Newcastle upon Tyne", "Sunderland"]
    assert csv_rows(client, "/dashboards/areas/regions.csv")[1][:4] == ["2024-03-31", "1", "North East", NORTH_EAST]
    html = page_text(client, "/dashboards/areas/")
    assert f'href="/dashboards/areas/{NEWCASTLE}/"' in html


def test_the_map_is_a_labelled_hex_map_of_the_authorities_without_tiles(client: Client, run):
    html = page_text(client, "/dashboards/areas/")

    assert 'id="chart-map-data"' not in html  # the bubble plot on eastings and northings is gone
    assert "HHI by local authority at 31 March 2024" in html
    assert html.count("<polygon ") == 153  # every authority in being, one hexagon each
    assert ', Newcastle upon Tyne: HHI 2,210 (1,800 to under 3,000)"' in html
    assert "mapbox" not in html
    assert 'href="/dashboards/areas/map.svg"' in html
    rows = csv_rows(client, "/dashboards/areas/map.csv")
    assert rows[0] == [
        "Local authority",
        "ONS code",
        "Easting",
        "Northing",
        "Places",
        "HHI",
        "Owner known (% of homes)",
        "Owner known (% of places)",
        "Links dated from",
        "Links dated to",
    ]
    assert [row[0] for row in rows[1:]] == ["Newcastle upon Tyne", "Sunderland"]


def test_an_invalid_sort_is_explained(client: Client, run):
    html = page_text(client, "/dashboards/areas/?sort=colour")

    assert "Choose to rank by HHI, CR4, size or name" in html
    assert "Newcastle upon Tyne" in html


def test_a_region_page_ranks_its_authorities(client: Client, run):
    html = page_text(client, f"/dashboards/areas/{NORTH_EAST}/")

    assert "North East: who owns the children's homes at 31 March 2024</h1>" in html
    assert "Local authorities in North East" in html
    rows = csv_rows(client, f"/dashboards/areas/{NORTH_EAST}/authorities.csv?sort=cr4")
    assert [row[2] for row in rows[1:]] == ["Newcastle upon Tyne", "Sunderland"]
    assert csv_rows(client, f"/dashboards/areas/{NEWCASTLE}/hhi.csv")[1:] == [
        ["2023-03-31", "2197.5", "96.5", "97.25", "2022-06-30", "2023-03-31", ""],
        ["2024-03-31", "2210.0", "96.5", "97.25", "2022-06-30", "2023-03-31", ""],
    ]


def test_an_unknown_area_or_chart_is_not_found(client: Client, run):
    assert client.get("/dashboards/areas/E99999999/").status_code == 404
    assert client.get("/dashboards/no-such-chart.csv").status_code == 404
    assert client.get(f"/dashboards/areas/{NEWCASTLE}/authorities.csv").status_code == 404


def test_costs_show_quartiles_and_say_they_are_synthetic(client: Client, run):
    CostSnapshotFactory(run=run)
    CostSnapshotFactory(run=run, group_value="local_authority", median_weekly_fee=Decimal("7400.00"))

    text = visible_text(page_text(client, "/dashboards/costs/"))

    assert "These fees are synthetic" in text
    assert "Weekly fees: by owner type (synthetic)" in text
    assert "2024-25 Private, investment-owned 42 £5,200 £6,120 £7,350" in text
    assert csv_rows(client, "/dashboards/costs/fees-owner-type.csv") == [
        ["Financial year", "Group", "Placements", "Lower quartile (£)", "Median (£)", "Upper quartile (£)"],
        ["2024-25", "Local authority", "42", "5200.50", "7400.00", "7350.00"],
        ["2024-25", "Private, investment-owned", "42", "5200.50", "6120.00", "7350.00"],
    ]


def test_suppressed_costs_never_print_numbers(client: Client, run):
    SuppressedCostSnapshotFactory(run=run, group_kind="region", group_value=NORTH_EAST)

    html = page_text(client, "/dashboards/costs/")
    rows = csv_rows(client, "/dashboards/costs/fees-region.csv")

    assert "2024-25 North East not shown (small numbers) \N{EN DASH} \N{EN DASH} \N{EN DASH}" in visible_text(html)
    assert rows[1] == ["2024-25", "North East", "not shown (small numbers)", "", "", ""]
    assert 'id="chart-fees-region-data"' not in html  # nothing to draw
    assert "Every group here is too small to show, so no fees are shown." in html
    assert "3" not in "".join(rows[1])


def test_costs_without_placements_say_none_are_recorded(client: Client, run):
    text = visible_text(page_text(client, "/dashboards/costs/"))

    assert "No placements have been recorded yet" in text
    assert "Share by type of owner" in text  # owner-type shares come from the market snapshots
    assert "synthetic" not in text


def test_presentation_mode_moves_between_slides_with_links(client: Client, run):
    first = page_text(client, "/dashboards/present/")
    second = page_text(client, "/dashboards/present/?slide=2")
    last = page_text(client, "/dashboards/present/?slide=7")

    assert '<h1 class="rc-presentation__title" id="slide-heading">Children&#x27;s homes and places</h1>' in first
    assert 'href="?slide=2" rel="next"' in first
    assert 'rel="prev"' not in first
    assert "Share by type of owner</h1>" in second
    assert 'href="?slide=1" rel="prev"' in second
    assert "Concentration by local authority</h1>" in last
    assert 'rel="next"' not in last
    assert "govuk-service-navigation" not in first  # no navigation chrome on a projector


@pytest.mark.parametrize("slide", ["0", "99", "two", "-1"])
def test_presentation_mode_explains_a_slide_that_does_not_exist(client: Client, run, slide: str):
    html = page_text(client, f"/dashboards/present/?slide={slide}")

    assert "slides are numbered 1 to 7. Showing the first." in html
    assert "Children&#x27;s homes and places</h1>" in html


def test_pages_load_plotly_from_our_own_server(client: Client, run):
    html = page_text(client, "/dashboards/")

    assert '<script src="/static/vendor/plotly/plotly.min.js" defer></script>' in html
    assert '<script src="/static/js/charts.js" defer></script>' in html
    assert "cdn" not in html.lower()


def test_the_navigation_and_home_page_link_the_dashboards(client: Client, run):
    home = page_text(client, "/")
    dashboards = page_text(client, "/dashboards/areas/")

    assert 'href="/dashboards/"' in home
    assert 'aria-current="page" href="/dashboards/areas/"' in dashboards
    assert re.search(r'<a class="govuk-service-navigation__link" href="/dashboards/" aria-current="page">', dashboards)


def test_anonymous_pages_come_from_the_cache_until_the_next_run(client: Client, run, django_assert_max_num_queries):
    first = page_text(client, "/dashboards/")
    with django_assert_max_num_queries(3):  # the current run's id, and the session
        again = page_text(client, "/dashboards/")
    # The same page, but for the inline script's nonce, which is each request's own.
    assert re.sub(r'nonce="[^"]+"', "", again) == re.sub(r'nonce="[^"]+"', "", first)
    assert again != first
    # A new current run changes the figures and the key: the page is rendered again.
    RecomputeRun.objects.filter(pk=run.pk).update(is_current=False)
    newer = market_over_time()
    assert newer.pk != run.pk
    with django_assert_max_num_queries(50):
        assert "Figures as of" in page_text(client, "/dashboards/")


def test_signed_in_visitors_get_their_own_page(client: Client, run, cast):
    page_text(client, "/dashboards/")  # cached for anonymous visitors
    client.force_login(cast.provider_p)
    assert cast.provider_organisation_p.name in page_text(client, "/dashboards/")


def test_made_up_query_strings_are_not_cached(client: Client, run, django_assert_max_num_queries):
    page_text(client, "/dashboards/?x=1")
    with django_assert_max_num_queries(50):
        page_text(client, "/dashboards/?x=1")  # rendered again: nothing stored for it
    from django.core.cache import cache

    assert not [key for key in cache._cache if "dashboards" in str(key)]  # type: ignore[attr-defined]
    page_text(client, "/dashboards/?level=registered&basis=homes")
    assert [key for key in cache._cache if "dashboards" in str(key)]  # type: ignore[attr-defined]


def test_csv_cells_that_look_like_formulas_are_neutralised():
    from market.views import _csv_cell

    assert _csv_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert _csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert _csv_cell("Acorn Care Limited") == "Acorn Care Limited"
    assert _csv_cell(-2.5) == "-2.5"  # numbers stay numbers
