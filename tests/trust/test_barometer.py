"""The sector barometer (issue 15 part 5): pulse check-ins by quarter and region, public, with
small counts hidden and nothing that can be worked out by difference or names a relationship."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts.models import Organisation
from geography.models import LocalAuthority
from tests.trust.barometer_samples import (
    EAST_MIDLANDS,
    NORTH_EAST,
    NORTH_WEST,
    Q1_2026,
    Q2_2026,
    Q3_2026,
    YORKSHIRE,
    all_check_in,
    check_in,
    relationships_in,
)
from trust.barometer import (
    COMPLEMENT,
    TOO_FEW,
    TOO_FEW_AUTHORITIES,
    Tally,
    barometer_build,
    sector_barometer,
    suppression_apply,
)
from trust.models import PulseCheckIn, Relationship

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cast")]

URL = reverse("transparency:barometer")


def _page(client: Client, query: str = "") -> str:
    response = client.get(URL + query)
    assert response.status_code == 200
    return response.content.decode()


def _csv(client: Client) -> list[dict[str, str]]:
    response = client.get(URL + "?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _tally(relationships: int, authorities: int = 3) -> Tally:
    return Tally(relationships, authorities, relationships, (relationships * 3,) * 4)


# --- Which figures are hidden ------------------------------------------------------------


@pytest.mark.parametrize(("count", "shown"), [(9, False), (10, True)])
def test_a_figure_needs_ten_relationships(count: int, shown: bool):
    all_check_in(relationships_in(NORTH_EAST, count), Q1_2026, (4, 4, 4, 4))

    quarter = barometer_build().quarters[0]

    cell = quarter.regions[NORTH_EAST]
    assert (cell.shown, quarter.england.shown) == (shown, shown)
    assert cell.average == (Decimal("4.0") if shown else None)
    assert cell.relationships == (10 if shown else 0)  # a hidden figure's count is hidden too
    assert cell.hidden_because == ("" if shown else TOO_FEW)


def test_a_figure_needs_three_local_authorities():
    all_check_in(relationships_in(NORTH_EAST, 12, authorities=2), Q1_2026, (4, 4, 4, 4))

    quarter = barometer_build().quarters[0]

    assert quarter.regions[NORTH_EAST].hidden_because == TOO_FEW_AUTHORITIES
    assert quarter.england.hidden_because == TOO_FEW_AUTHORITIES


def test_a_second_region_is_hidden_when_the_hidden_one_could_be_worked_out_from_england():
    all_check_in(relationships_in(NORTH_EAST, 12), Q1_2026, (4, 4, 4, 4))
    all_check_in(relationships_in(NORTH_WEST, 10), Q1_2026, (3, 3, 3, 3))
    all_check_in(relationships_in(YORKSHIRE, 4), Q1_2026, (1, 1, 1, 1))

    quarter = barometer_build().quarters[0]

    # England less the North East and the North West would give Yorkshire's 4 relationships:
    # the smaller of the two shown (the North West's 10) is hidden with it.
    assert quarter.regions[YORKSHIRE].hidden_because == TOO_FEW
    assert quarter.regions[NORTH_WEST].hidden_because == COMPLEMENT
    assert quarter.regions[NORTH_EAST].average == Decimal("4.0")
    assert (quarter.england.relationships, quarter.england.average) == (26, Decimal("3.2"))  # 82 / 26 = 3.15


def test_hidden_regions_that_cover_enough_together_need_no_other_hidden():
    hidden, england = suppression_apply(
        {NORTH_EAST: _tally(20), NORTH_WEST: _tally(5, 2), YORKSHIRE: _tally(6, 1)}, _tally(31, 6)
    )

    assert hidden == {NORTH_WEST: TOO_FEW, YORKSHIRE: TOO_FEW}  # 11 relationships of 3 authorities together
    assert england == ""


def test_hidden_regions_that_cover_too_few_together_hide_the_smallest_shown_one():
    hidden, england = suppression_apply(
        {NORTH_EAST: _tally(20), NORTH_WEST: _tally(4), YORKSHIRE: _tally(3), EAST_MIDLANDS: _tally(15)},
        _tally(42, 12),
    )

    assert hidden == {NORTH_WEST: TOO_FEW, YORKSHIRE: TOO_FEW, EAST_MIDLANDS: COMPLEMENT}
    assert england == ""


def test_a_lone_region_hidden_beside_one_shown_hides_both_but_not_england():
    hidden, england = suppression_apply({NORTH_EAST: _tally(30), NORTH_WEST: _tally(3)}, _tally(33, 6))

    assert hidden == {NORTH_WEST: TOO_FEW, NORTH_EAST: COMPLEMENT}
    assert england == ""


def test_a_region_with_no_check_in_is_not_a_hidden_figure():
    hidden, england = suppression_apply({NORTH_EAST: _tally(30), NORTH_WEST: Tally()}, _tally(30))

    assert (hidden, england) == ({}, "")


# --- The averages ------------------------------------------------------------------------


def test_averages_by_quarter_and_region_count_both_sides_answers():
    north_east = relationships_in(NORTH_EAST, 10)
    yorkshire = relationships_in(YORKSHIRE, 10)
    all_check_in(north_east, Q1_2026, (4, 4, 3, 3))
    all_check_in(yorkshire, Q1_2026, (2, 2, 2, 2))
    all_check_in(north_east, Q3_2026, (5, 5, 5, 4))
    for relationship in north_east:  # the providers answer too, in the third quarter only
        check_in(relationship, Q3_2026, (3, 3, 3, 2), side="counterpart")
    all_check_in(yorkshire, Q3_2026, (3, 4, 3, 4))

    barometer = barometer_build()

    assert [quarter.start for quarter in barometer.quarters] == [Q1_2026, Q2_2026, Q3_2026]
    first, gap, third = barometer.quarters
    assert (first.regions[NORTH_EAST].average, first.regions[YORKSHIRE].average) == (Decimal("3.5"), Decimal("2.0"))
    assert first.england.average == Decimal("2.8")  # (140 + 80) / 80 answers = 2.75, rounded half up
    assert first.england.by_question == {
        "commitments_honoured": Decimal("3.0"),
        "heard": Decimal("3.0"),
        "information_timely": Decimal("2.5"),
        "learn_together": Decimal("2.5"),
    }
    assert gap.england.hidden_because == "no check-ins"
    # 20 check-ins of 10 relationships: (190 + 110) / 80 answers
    assert (third.regions[NORTH_EAST].relationships, third.regions[NORTH_EAST].average) == (10, Decimal("3.8"))
    assert third.regions[YORKSHIRE].average == Decimal("3.5")
    assert (third.england.relationships, third.england.average) == (20, Decimal("3.7"))  # 440 / 120


def test_the_region_is_the_commissioning_authoritys():
    relationships = relationships_in(EAST_MIDLANDS, 10)
    all_check_in(relationships, Q1_2026, (4, 4, 4, 4))
    for relationship in relationships:
        check_in(relationship, Q1_2026, (2, 2, 2, 2), side="counterpart")

    barometer = barometer_build()

    assert [region.ons_code for region in barometer.regions] == [EAST_MIDLANDS]
    assert barometer.quarters[0].regions[EAST_MIDLANDS].average == Decimal("3.0")


# --- The page and the CSV ----------------------------------------------------------------


def test_the_page_and_csv_give_the_figures_and_hide_what_is_hidden(client: Client):
    all_check_in(relationships_in(NORTH_EAST, 12), Q1_2026, (4, 4, 4, 4))
    all_check_in(relationships_in(NORTH_WEST, 10), Q1_2026, (3, 3, 3, 3))
    all_check_in(relationships_in(YORKSHIRE, 4), Q1_2026, (1, 1, 1, 1))

    page = _page(client)
    rows = _csv(client)

    assert '<td class="govuk-table__cell">3.2 <span class="govuk-body-s">(26)</span></td>' in page  # England
    assert '<td class="govuk-table__cell">4.0 <span class="govuk-body-s">(12)</span></td>' in page
    assert "Fewer than 10 relationships: not shown" in page
    assert "Not shown, so that a hidden figure cannot be worked out" in page
    assert "(10)" not in page
    assert "(4)" not in page
    columns = ("Area", "Relationships", "Average answer (1 to 5)", "Not shown because")
    assert [tuple(row[column] for column in columns) for row in rows] == [
        ("England", "26", "3.2", ""),
        ("North East", "12", "4.0", ""),
        ("North West", "", "", COMPLEMENT),
        ("Yorkshire and The Humber", "", "", TOO_FEW),
    ]
    assert {(row["Quarter starting"], row["Newest check-in"]) for row in rows} == {("2026-01-01", "2026-01-21")}
    assert rows[0]["Source"].startswith("Pulse check-ins of local authorities and providers")
    assert rows[1]["We are heard"] == "4.0"
    assert rows[2]["We are heard"] == ""


def test_no_relationship_provider_or_authority_is_named(client: Client):
    relationships = relationships_in(NORTH_EAST, 10) + relationships_in(YORKSHIRE, 3)
    all_check_in(relationships, Q1_2026, (4, 3, 4, 3))

    answers = _page(client) + _page(client, f"?region={NORTH_EAST}") + client.get(URL + "?format=csv").content.decode()

    names = {
        name
        for relationship in Relationship.objects.select_related("local_authority__local_authority", "counterpart")
        for name in (
            relationship.local_authority.name,
            relationship.local_authority.local_authority.name,  # type: ignore[union-attr]
            relationship.counterpart.name,
            relationship.local_authority.slug,
            relationship.counterpart.slug,
        )
    }
    assert [name for name in names if name in answers] == []
    assert "A comment nobody outside" not in answers
    assert "Barometer Provider" not in answers
    assert "North East" in answers  # the regions are named; nothing smaller is


def test_the_empty_barometer_says_why_and_what_would_show_it(client: Client):
    page = _page(client)

    assert "Nothing to show yet" in page
    assert "No pulse check-ins have been made yet." in page
    assert "once at least 10 relationships, between at least 3 local authorities" in page
    assert "<svg" not in page
    assert _csv(client) == []


def test_too_few_check_ins_say_why_nothing_is_shown(client: Client):
    all_check_in(relationships_in(NORTH_EAST, 9), Q1_2026, (4, 4, 4, 4))

    page = _page(client)

    assert "Nothing to show yet" in page
    assert "No quarter yet has pulse check-ins from at least 10 relationships" in page
    assert "<table" not in page


def test_the_chart_draws_england_and_the_chosen_region(client: Client):
    all_check_in(relationships_in(NORTH_EAST, 10), Q1_2026, (4, 4, 4, 4))
    all_check_in(relationships_in(YORKSHIRE, 10), Q1_2026, (2, 2, 2, 2))
    all_check_in(relationships_in(NORTH_EAST, 10), Q2_2026, (5, 5, 5, 5))

    alone = _page(client)
    with_region = _page(client, f"?region={YORKSHIRE}")

    assert alone.count("<polyline") == 1  # England over two quarters
    assert '<g data-line="region">' not in alone
    # Yorkshire is shown in the first quarter only (the second has no check-in there): a point, no line.
    assert '<g data-line="region">' in with_region
    assert "<title>Yorkshire and The Humber, Jan to Mar 2026: 2.0</title>" in with_region
    assert f'<option value="{YORKSHIRE}" selected>' in with_region


def test_an_unknown_region_is_refused_with_a_message_and_england_drawn(client: Client):
    all_check_in(relationships_in(NORTH_EAST, 10), Q1_2026, (4, 4, 4, 4))

    page = _page(client, "?region=E12000099")

    assert page.count("Choose a region from the list, or none to draw England alone") == 2  # summary and field
    assert '<a href="#region">' in page
    assert "<title>Error: Sector barometer" in page
    assert '<g data-line="region">' not in page


def test_an_unknown_format_is_refused(client: Client):
    response = client.get(URL + "?format=xlsx")

    assert response.status_code == 400
    assert response.content.decode() == "Ask for format=csv for the figures as CSV, or leave format out for the page."


def test_a_new_check_in_shows_at_once_and_an_unchanged_barometer_is_one_query(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
):
    relationships = relationships_in(NORTH_EAST, 10)
    all_check_in(relationships[:9], Q1_2026, (4, 4, 4, 4))
    assert not sector_barometer().shows_anything

    check_in(relationships[9], Q1_2026, (4, 4, 4, 4))
    assert sector_barometer().shows_anything
    with django_assert_num_queries(1):
        assert sector_barometer().quarters[0].england.relationships == 10


def test_every_local_authority_has_a_region():
    # The barometer counts each relationship in its authority's region; none may fall outside.
    assert not LocalAuthority.objects.filter(region__isnull=True).exists()
    assert not Organisation.objects.filter(kind="local_authority", local_authority__isnull=True).exists()
    assert PulseCheckIn.objects.count() == 0


def test_the_transparency_page_links_to_the_barometer(client: Client):
    response = client.get(reverse("transparency:digests"))

    assert f'<a class="govuk-link" href="{URL}">sector barometer</a>' in response.content.decode()


def test_a_region_asked_of_an_empty_barometer_is_not_an_error_with_nowhere_to_correct_it(client: Client):
    page = _page(client, f"?region={NORTH_EAST}")

    assert "Nothing to show yet" in page
    assert "There is a problem" not in page
