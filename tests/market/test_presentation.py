"""Presentation mode over HTTP: any place and date, slides, speaker notes, and bad input."""

from __future__ import annotations

import html as html_lib
import json
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from market import presentation
from market.dashboard_charts import Chart
from market.models import ENGLAND_CODE, RecomputeRun
from market.presentation import LABEL_CHARACTERS, for_the_stage
from market.presentation_notes import definitions_for
from tests.market.snapshot_factories import (
    NEWCASTLE,
    NORTH_EAST,
    CostSnapshotFactory,
    RecomputeRunFactory,
    market_over_time,
)

pytestmark = pytest.mark.django_db

PRESENT = "/dashboards/present/"
ENGLAND_SLIDES = 9  # six market slides, the map and two of fees
AREA_SLIDES = 6  # a region or local authority: the market slides alone
NORTHUMBERLAND = "E06000057"  # a real authority with no snapshot in the test market


@pytest.fixture
def run(reference_data) -> RecomputeRun:
    made = market_over_time()
    # Financial years begun by the latest date (31 March 2024), so the fees slides show.
    CostSnapshotFactory(run=made, financial_year=2022)
    CostSnapshotFactory(run=made, financial_year=2023, median_weekly_fee="5900.00")
    CostSnapshotFactory(run=made, financial_year=2023, group_kind="sector", group_value="independent")
    return made


def get(client: Client, query: str = "") -> str:
    response = client.get(PRESENT + query)
    assert response.status_code == 200
    return response.content.decode()


def text_of(html: str) -> str:
    without_data = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.DOTALL)
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", without_data)))


def heading(html: str) -> str:
    match = re.search(r'id="slide-heading">(.*?)</h1>', html, re.DOTALL)
    assert match, "no slide heading"
    return html_lib.unescape(match.group(1))


def place_line(html: str) -> str:
    match = re.search(r'<p class="rc-slide__place">(.*?)</p>', html)
    assert match, "no place and date line"
    return html_lib.unescape(match.group(1))


def link(html: str, rel: str) -> str | None:
    match = re.search(rf'href="([^"]*)" rel="{rel}"', html)
    return html_lib.unescape(match.group(1)) if match else None


def figure(html: str, slug: str) -> dict:
    match = re.search(rf'<script id="chart-{slug}-data" type="application/json">(.*?)</script>', html, re.DOTALL)
    assert match, f"no figure for {slug}"
    return json.loads(match.group(1))


def problems(html: str) -> list[str]:
    return [html_lib.unescape(found) for found in re.findall(r'role="alert">(.*?)</', html)]


def test_england_is_the_default_with_every_slide(client: Client, run) -> None:
    html = get(client)

    assert heading(html) == "Children's homes and places"
    assert place_line(html) == "England · At 31 March 2024, with the trend from 31 March 2023"
    assert "Slide 1 of 9" in text_of(html)
    assert link(html, "next") == "?slide=2"
    last = get(client, f"?slide={ENGLAND_SLIDES}")
    assert heading(last).startswith("Weekly fees")
    assert link(last, "next") is None


def test_a_region_has_its_own_slides_and_every_link_keeps_it(client: Client, run) -> None:
    html = get(client, f"?area={NORTH_EAST}&slide=2")

    assert heading(html) == "Share by type of owner"
    assert place_line(html).startswith("North East · At 31 March 2024")
    assert f"Slide 2 of {AREA_SLIDES}" in text_of(html)
    assert link(html, "next") == f"?area={NORTH_EAST}&slide=3"
    assert link(html, "prev") == f"?area={NORTH_EAST}&slide=1"
    assert f'data-last="?area={NORTH_EAST}&amp;slide={AREA_SLIDES}"' in html
    assert problems(html) == []


def test_a_local_authority_code_is_read_in_any_case(client: Client, run) -> None:
    html = get(client, f"?area={NEWCASTLE.lower()}&slide=4")

    assert place_line(html).startswith("Newcastle upon Tyne · ")
    assert heading(html) == "Herfindahl-Hirschman index (HHI)"
    assert '"y": [2197.5, 2210.0]' in json.dumps(figure(html, "hhi")["data"][0])


@pytest.mark.parametrize("code", ["E99999999", "nowhere", "<script>"])
def test_an_unknown_place_says_so_and_shows_england(client: Client, run, code: str) -> None:
    html = get(client, f"?area={code}")

    assert problems(html) == [
        f"There is no region or local authority with the ONS code “{code}”: choose a place from the list. "
        "Showing England."
    ]
    assert place_line(html).startswith("England · ")
    assert link(html, "next") == "?slide=2"  # the bad code is not carried on
    assert "<script>" not in html.split("</head>")[1].replace('<script src="', "").split("<script id=")[0]


def test_a_place_without_figures_says_so_and_keeps_the_chooser(client: Client, run) -> None:
    html = get(client, f"?area={NORTHUMBERLAND}")

    assert heading(html) == "No figures for Northumberland on 31 March 2024"
    assert f'<option value="{NORTHUMBERLAND}">' not in html  # only places with figures are offered
    assert '<select class="govuk-select" id="present-area" name="area">' in html
    assert 'rel="next"' not in html


def test_a_date_shows_the_market_on_that_date(client: Client, run) -> None:
    html = get(client, "?as_of=2023-03-31&slide=5")

    assert heading(html) == "The 10 largest owners (of the 20 on the dashboard)"
    assert place_line(html) == "England · At 31 March 2023"
    assert "Figures as of 31 March 2023" in text_of(html)
    assert "Ofsted, register of children's social care providers at 31 March 2023" in text_of(html)
    assert link(html, "next") == "?as_of=2023-03-31&slide=6"
    assert '<option value="2023-03-31" selected>31 March 2023</option>' in html


def test_a_date_between_registers_shows_the_register_before_it_and_says_so(client: Client, run) -> None:
    html = get(client, "?as_of=2023-09-30")

    assert problems(html) == [
        "There is no register dated 30 September 2023: these are the figures of the latest register before it, "
        "dated 31 March 2023."
    ]
    assert place_line(html) == "England · At 31 March 2023"
    assert link(html, "next") == "?as_of=2023-03-31&slide=2"


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("31/03/2023", "Enter the date as year, month and day, for example 2018-03-31 (not “31/03/2023”)."),
        ("2023-02-30", "2023-02-30 is not a real date: choose a date from the list."),
        ("2001-03-31", "There are no figures before 31 March 2023, the first register these figures hold"),
    ],
)
def test_a_bad_date_says_why_and_shows_the_latest(client: Client, run, as_of: str, message: str) -> None:
    html = get(client, f"?as_of={as_of}")

    assert len(problems(html)) == 1
    assert problems(html)[0].startswith(message)
    assert place_line(html).startswith("England · At 31 March 2024")
    assert link(html, "next") == "?slide=2"


def test_place_date_and_slide_combine(client: Client, run) -> None:
    html = get(client, f"?area={NORTH_EAST}&as_of=2023-03-31&slide=6")

    assert heading(html) == "Owners by the number of homes they own" or heading(html).startswith("Owners by")
    assert place_line(html) == "North East · At 31 March 2023"
    assert link(html, "prev") == f"?area={NORTH_EAST}&as_of=2023-03-31&slide=5"


@pytest.mark.parametrize("slide", range(1, ENGLAND_SLIDES + 1))
def test_every_slide_has_title_legend_source_and_date(client: Client, run, slide: int) -> None:
    html = get(client, f"?slide={slide}")

    assert heading(html)
    assert place_line(html).startswith("England · ")
    assert re.search(r"(At 31 March 2024|Financial years? \d{4}-\d{2})", place_line(html))
    legend = re.search(r'<ul class="rc-slide__legend"[^>]*>(.*?)</ul>', html, re.DOTALL)
    assert legend, "no legend"
    assert re.findall(r"<li", legend.group(1)), "an empty legend"
    source = re.search(r'<p class="rc-slide__small rc-slide__source">Source: (.*?)</p>', html)
    assert source
    assert "Ofsted" in source.group(1) or "placements recorded in this service" in source.group(1)


def test_the_largest_owners_slide_labels_every_bar(client: Client, run) -> None:
    html = get(client, "?slide=5")
    drawn = figure(html, "top-owners")

    yaxis = drawn["layout"]["yaxis"]
    assert yaxis["tickmode"] == "array"
    assert [label.strip() for label in yaxis["ticktext"]][-1] == "Owner 1 Limited"  # the largest, at the top
    assert len(yaxis["tickvals"]) == 10
    assert sum(len(trace["y"]) for trace in drawn["data"]) == 10
    owner_types = re.findall(r'<li data-colour="#[0-9a-f]{6}">', html)
    assert len(owner_types) == 5  # the owner types of the ten, each with its colour


def test_a_long_owner_name_is_shortened_on_the_axis_but_kept_in_full_on_hover() -> None:
    name = "The Extraordinarily Long Name Of A Care Group Holdings Limited"
    chart = Chart(
        slug="top-owners",
        title="The 1 largest owners",
        columns=["Rank", "Owner"],
        rows=[[1, name]],
        figure={
            "data": [{"type": "bar", "x": [12.5], "y": [f"{name} "], "marker": {"color": "#4c2c92"}}],
            "layout": {},
        },
    )

    staged = for_the_stage(chart)

    assert staged.figure is not None
    label = staged.figure["layout"]["yaxis"]["ticktext"][0].strip()
    assert len(label) == LABEL_CHARACTERS
    assert label.endswith("…")
    assert staged.figure["data"][0]["hovertext"] == [name]
    assert chart.figure is not None
    assert "yaxis" not in chart.figure["layout"]


def test_the_map_slide_is_the_hex_map_whose_hexagons_open_their_own_slides(client: Client, run) -> None:
    html = get(client, "?as_of=2023-03-31&slide=7")

    assert heading(html) == "Concentration by local authority"
    assert 'class="rc-hexmap__svg"' in html
    assert f'href="/dashboards/present/?area={NEWCASTLE}&amp;as_of=2023-03-31"' in html
    assert 'href="/dashboards/areas/map.svg?as_of=2023-03-31" download>Download SVG' in html
    assert "js-chart" not in html  # no Plotly plot on this slide
    notes = text_of(get(client, "?as_of=2023-03-31&slide=7&notes=1"))
    assert "Newcastle upon Tyne" in notes  # the map's table, one row per authority
    assert "one hexagon of the same size" in notes


def test_the_last_slide_leads_to_the_scenario_planner(client: Client, run) -> None:
    html = get(client, f"?slide={ENGLAND_SLIDES}")

    scenario = r'href="/dashboards/scenarios/\?geography=E92000001&amp;as_of=2024-03-31">\s*<span[^>]*>Scenario planner'
    assert re.search(scenario, html)
    in_a_region = get(client, f"?area={NORTH_EAST}&as_of=2023-03-31&slide={AREA_SLIDES}")
    assert f'href="/dashboards/scenarios/?geography={NORTH_EAST}&amp;as_of=2023-03-31"' in in_a_region
    planner = client.get(f"/dashboards/scenarios/?geography={NORTH_EAST}&as_of=2023-03-31")
    assert planner.status_code == 200
    assert "North East" in planner.content.decode()


def test_the_chooser_lists_england_the_regions_and_authorities_and_every_date(client: Client, run) -> None:
    html = get(client, f"?area={NEWCASTLE}")

    assert f'<option value="{ENGLAND_CODE}">England</option>' in html
    assert f'<option value="{NORTH_EAST}">North East</option>' in html
    assert f'<option value="{NEWCASTLE}" selected>Newcastle upon Tyne</option>' in html
    assert '<option value="2024-03-31" selected>31 March 2024</option>' in html
    assert '<option value="2023-03-31">31 March 2023</option>' in html
    assert '<form method="get" action="/dashboards/present/"' in html


def test_speaker_notes_give_the_definitions_figures_and_dates(client: Client, run) -> None:
    html = get(client, "?slide=4&notes=1")
    text = text_of(html)

    assert heading(html) == "Herfindahl-Hirschman index (HHI)"
    assert "Speaker notes · slide 4 of 9 · England" in text
    for term, words in definitions_for("hhi"):
        assert f"{term} {words}" in text
    assert "Coverage" in text
    assert "Unknown" in text
    assert "Ultimate owner" in text
    assert "31 March 2023 400.0" in text
    assert "31 March 2024 412.5" in text
    assert "England at 31 March 2024" in text
    assert 'href="?slide=4">Show this slide</a>' in html
    assert link(html, "next") == "?slide=5&notes=1"


def test_speaker_notes_of_a_fees_slide_explain_suppression(client: Client, run) -> None:
    text = text_of(get(client, f"?slide={ENGLAND_SLIDES}&notes=1"))

    assert "Small numbers A group with fewer than 5 placements is never shown" in text
    assert "Ultimate owner" not in text


def test_speaker_notes_keep_the_place_and_date(client: Client, run) -> None:
    html = get(client, f"?area={NORTH_EAST}&as_of=2023-03-31&notes=1")

    assert "Speaker notes · slide 1 of 6 · North East" in text_of(html)
    assert link(html, "next") == f"?area={NORTH_EAST}&as_of=2023-03-31&slide=2&notes=1"
    assert '<input type="hidden" name="notes" value="1">' in html


@pytest.mark.parametrize("notes", ["yes", "2", "true"])
def test_a_bad_notes_value_says_so_and_shows_the_slide(client: Client, run, notes: str) -> None:
    html = get(client, f"?notes={notes}")

    assert problems(html) == [f"Speaker notes are shown with notes=1, not “{notes}”. Showing the slide."]
    assert 'class="rc-presentation__title"' in html


def test_notes_without_figures_say_what_to_do(client: Client, reference_data) -> None:
    RecomputeRunFactory(is_current=False, status=RecomputeRun.Status.FAILED)

    html = get(client, "?notes=1")

    assert "No market figures yet" in html
    assert "python manage.py recompute_market" in text_of(html)


def test_slides_and_dashboards_give_charts_a_figure_role_and_their_export_details(client: Client, run) -> None:
    slide = get(client, "?slide=4")
    region = client.get(f"/dashboards/areas/{NORTH_EAST}/").content.decode()

    for html in (slide, region):
        assert 'role="img"' not in html
        assert re.search(
            r'id="chart-hhi"[^>]* role="figure" aria-label="Chart: Herfindahl-Hirschman index \(HHI\)"', html
        )
        assert 'data-export="svg"' in html
        assert 'data-export="png"' in html
    assert 'data-place="England"' in slide
    assert 'data-filename="england-2024-03-31-hhi"' in slide
    assert 'data-place="North East"' in region
    assert """data-source="Source: Ofsted, register of children's social care providers at 31 March 2024""" in region


def test_a_place_and_date_are_drawn_once_for_every_slide_of_the_talk(client: Client, run, monkeypatch) -> None:
    cache.clear()
    first = get(client, f"?area={NORTH_EAST}&x=1")  # an unknown parameter: never a kept page

    def drawn_again(*args: Any) -> None:
        raise AssertionError("the deck was drawn again")

    monkeypatch.setattr(presentation, "deck", drawn_again)
    second = get(client, f"?area={NORTH_EAST}&slide=2&x=1")
    notes = get(client, f"?area={NORTH_EAST}&slide=2&notes=1&x=1")

    assert heading(first) == "Children's homes and places"
    assert heading(second) == "Share by type of owner"
    assert "North East at 31 March 2024" in text_of(notes)
    with pytest.raises(AssertionError, match="drawn again"):
        get(client, f"?area={NEWCASTLE}&x=1")  # another place is drawn for itself
