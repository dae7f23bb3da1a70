"""The market as open data: /api/v1/market/ gives market_summary's figures, /api/v1/market/costs/
the costs dashboard's fees with its suppression; bad parameters are named and refused."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from market.analytics.recompute import market_recompute
from market.models import ENGLAND_CODE, RecomputeRun
from tests.market.snapshot_factories import (
    FIRST,
    LATEST,
    NORTH_EAST,
    CostSnapshotFactory,
    RecomputeRunFactory,
    SuppressedCostSnapshotFactory,
    market_over_time,
)
from tests.market.test_recompute import observed_home

MARCH_2025 = datetime.date(2025, 3, 31)
MARKET_URL = "/api/v1/market/"
COSTS_URL = "/api/v1/market/costs/"


def market_summary(*arguments: str) -> dict[str, Any]:
    stdout = io.StringIO()
    call_command("market_summary", *arguments, "--json", stdout=stdout)
    summary: dict[str, Any] = json.loads(stdout.getvalue())
    return summary


def get(client: Client, url: str, **parameters: str) -> tuple[int, dict[str, Any]]:
    response = client.get(url, parameters)
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


# --- The market -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_market_endpoint_gives_exactly_the_figures_of_market_summary(reference_data, client: Client) -> None:
    observed_home("Summary Care Limited", places=3)
    observed_home("Other Care Limited", places=1)
    run = market_recompute(trigger=RecomputeRun.Trigger.COMMAND)

    status, body = get(client, MARKET_URL, as_of="2025-03-31")

    assert status == 200
    expected = market_summary("--as-of=2025-03-31")
    assert {key: body[key] for key in expected} == expected
    assert (body["hhi"], body["cr4"], body["owners"], body["run"]) == (6250.0, 100.0, 2, run.pk)
    assert body["dates"] == ["2025-03-31"]
    assert body["source"].startswith("Ofsted's register of children's homes on as_of")
    assert set(body) - set(expected) == {"dates", "computed_at", "source"}

    status, local = get(
        client,
        MARKET_URL,
        as_of="2025-03-31",
        geography="e08000035",
        basis="homes",
        level="registered",
        include_local_authority="false",
    )
    expected = market_summary(
        "--as-of=2025-03-31",
        "--geography=E08000035",
        "--basis=homes",
        "--level=registered",
        "--exclude-local-authority",
    )
    assert status == 200
    assert {key: local[key] for key in expected} == expected
    assert (local["geography_code"], local["homes"], local["hhi"]) == ("E08000035", 2, 5000.0)


@pytest.mark.django_db
def test_without_parameters_it_is_england_on_the_latest_date_ultimate_owners_places_councils_homes_in(
    client: Client,
) -> None:
    market_over_time()

    status, body = get(client, MARKET_URL)

    assert status == 200
    assert {
        key: body[key] for key in ("as_of", "geography_code", "level", "basis", "include_local_authority", "units")
    } == {
        "as_of": LATEST.isoformat(),
        "geography_code": ENGLAND_CODE,
        "level": "ultimate",
        "basis": "places",
        "include_local_authority": True,
        "units": 1000,
    }
    assert body["dates"] == [FIRST.isoformat(), LATEST.isoformat()]
    # A form's empty fields ask for the defaults too.
    status, empty = get(client, MARKET_URL, as_of="", geography="", level="", basis="", include_local_authority="")
    assert (status, empty) == (200, body)
    status, earlier = get(client, MARKET_URL, as_of=FIRST.isoformat(), geography=NORTH_EAST, basis="homes")
    assert (status, earlier["as_of"], earlier["geography_name"], earlier["units"]) == (
        200,
        "2023-03-31",
        "North East",
        38,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("parameter", "value", "message"),
    [
        ("as_of", "2024-13-01", "Not a date: give the register's date as YYYY-MM-DD, e.g. 2024-03-31."),
        ("as_of", "31/03/2024", "Not a date: give the register's date as YYYY-MM-DD, e.g. 2024-03-31."),
        ("level", "owner", 'Unknown level "owner": use one of registered, provider, ultimate.'),
        ("basis", "beds", 'Unknown basis "beds": use one of homes, places.'),
        ("include_local_authority", "maybe", "Give true or false: whether councils' own homes count."),
        (
            "geography",
            "Leeds",
            "Not an ONS code: give a letter and eight digits, e.g. E92000001 (England), E12000001 (a region) "
            "or E08000021 (a local authority).",
        ),
        (
            "geograpy",
            "E08000035",
            "Unknown parameter: use only as_of, basis, geography, include_local_authority, level.",
        ),
    ],
)
def test_each_bad_parameter_is_named_with_what_is_allowed(
    client: Client, parameter: str, value: str, message: str
) -> None:
    market_over_time()

    status, body = get(client, MARKET_URL, **{parameter: value})

    assert (status, body) == (400, {parameter: [message]})


@pytest.mark.django_db
def test_every_bad_parameter_is_named_at_once(client: Client) -> None:
    market_over_time()

    status, body = get(client, MARKET_URL, as_of="yesterday", level="owner", basis="beds")

    assert status == 400
    assert sorted(body) == ["as_of", "basis", "level"]


@pytest.mark.django_db
def test_a_market_with_no_snapshot_is_not_found_with_the_reason(client: Client) -> None:
    status, body = get(client, MARKET_URL)
    assert (status, body) == (404, {"detail": "No market recompute has succeeded yet: there are no figures to give."})

    market_over_time()
    status, body = get(client, MARKET_URL, geography="E06000001")
    assert (status, body) == (
        404,
        {
            "detail": "No snapshot of E06000001 (places, ultimate, local-authority homes in) on any date: an area "
            "with no homes, or a code that is not an area of England, has none."
        },
    )
    status, body = get(client, MARKET_URL, as_of="2020-03-31")
    assert status == 404
    assert body["detail"].startswith("No snapshot for E92000001 on 2020-03-31 (places, ultimate, local-authority")
    assert "Dates: 2023-03-31, 2024-03-31" in body["detail"]


@pytest.mark.django_db
def test_only_the_current_run_is_read(client: Client) -> None:
    market_over_time(RecomputeRunFactory(is_current=False))
    current = market_over_time()

    status, body = get(client, MARKET_URL)

    assert (status, body["run"]) == (200, current.pk)


@pytest.mark.django_db
def test_an_answer_is_kept_until_another_run_is_current(client: Client, django_assert_max_num_queries) -> None:
    cache.clear()
    first = market_over_time()
    status, body = get(client, MARKET_URL, geography=NORTH_EAST, basis="homes")

    with django_assert_max_num_queries(1):  # the current run; the answer itself is kept
        again = get(client, MARKET_URL, geography=NORTH_EAST, basis="homes")

    assert again == (status, body)
    RecomputeRun.objects.filter(pk=first.pk).update(is_current=False)
    second = market_over_time()
    assert get(client, MARKET_URL, geography=NORTH_EAST, basis="homes")[1]["run"] == second.pk


# --- Costs ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_costs_suppress_small_groups_as_the_costs_dashboard_does(client: Client) -> None:
    run = RecomputeRunFactory()
    CostSnapshotFactory(run=run, figures={"label": "Private, investment-owned"})
    SuppressedCostSnapshotFactory(run=run, group_value="voluntary", figures={"label": "Voluntary"})
    # Secondary suppression: enough placements, hidden so the small group's count cannot be worked out.
    CostSnapshotFactory(run=run, group_value="private_corporate", placements=7, suppressed=True)

    status, body = get(client, COSTS_URL)

    assert status == 200
    assert (body["count"], body["next"], body["previous"], body["run"], body["suppress_under"]) == (
        3,
        None,
        None,
        run.pk,
        5,
    )
    by_group = {row["group_value"]: row for row in body["results"]}
    assert by_group["private_investment"] == {
        "financial_year": 2024,
        "financial_year_label": "2024-25",
        "group_kind": "owner_type",
        "group_value": "private_investment",
        "label": "Private, investment-owned",
        "placements": 42,
        "suppressed": False,
        "suppression_reason": None,
        "median_weekly_fee": "6120.00",
        "lower_quartile": "5200.50",
        "upper_quartile": "7350.00",
        "synthetic": True,
    }
    for hidden in ("voluntary", "private_corporate"):
        row = by_group[hidden]
        assert row["suppressed"] is True
        assert (row["placements"], row["median_weekly_fee"], row["lower_quartile"], row["upper_quartile"]) == (
            None,
            None,
            None,
            None,
        )
        assert row["suppression_reason"].startswith("Fewer than 5 placements, or hidden so that a smaller group's")


@pytest.mark.django_db
def test_costs_filter_by_year_and_kind_and_come_a_page_at_a_time(client: Client) -> None:
    run = RecomputeRunFactory()
    for year in range(1960, 2015):  # 55 years of one group
        CostSnapshotFactory(run=run, financial_year=year, group_kind="all", group_value="all")
    CostSnapshotFactory(run=run, financial_year=2014, median_weekly_fee=Decimal("4000.00"))

    status, first = get(client, COSTS_URL, group_kind="all")
    assert (status, first["count"], len(first["results"])) == (200, 55, 50)
    assert first["next"] == "http://testserver/api/v1/market/costs/?group_kind=all&page=2"
    status, second = get(client, COSTS_URL, group_kind="all", page="2")
    assert [row["financial_year"] for row in second["results"]] == [2010, 2011, 2012, 2013, 2014]
    status, one_year = get(client, COSTS_URL, financial_year="2014")
    assert [(row["group_kind"], row["median_weekly_fee"]) for row in one_year["results"]] == [
        ("all", "6120.00"),
        ("owner_type", "4000.00"),
    ]
    status, past = get(client, COSTS_URL, page="3")
    assert (status, past) == (404, {"detail": "Invalid page."})


@pytest.mark.django_db
def test_costs_refuse_bad_parameters_and_say_when_nothing_has_run(client: Client) -> None:
    status, body = get(client, COSTS_URL)
    assert (status, body) == (404, {"detail": "No market recompute has succeeded yet: there are no figures to give."})

    RecomputeRunFactory()
    status, body = get(client, COSTS_URL, group_kind="size", financial_year="2024-25", colour="red")
    assert (status, body) == (
        400,
        {
            "colour": ["Unknown parameter: use only financial_year, group_kind, page."],
            "financial_year": ["Not a year: give the year the financial year starts, e.g. 2024 for 2024-25."],
            "group_kind": ['Unknown group_kind "size": use one of all, owner_type, region, sector.'],
        },
    )
    status, body = get(client, COSTS_URL)
    assert (status, body["count"], body["results"]) == (200, 0, [])
