"""The public registry pages and API: homes and providers, for anonymous users."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client

from ownership.models import Entity, Interest, OwnerTypeOverride
from providers.models import Home, HomeObservation, ImportRun, Judgement, Sector
from tests.factories import HomeFactory
from tests.ownership.factories import acorn_market

PROVIDER_PAGE_HOME = re.compile(r'href="/registry/homes/(SC\d+)/"')

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(reference_data):
    """Three providers: two held by one group (majority shares), one independent; 14 places."""
    return acorn_market()


def test_anyone_can_search_homes_and_filter_by_area(client: Client, market):
    page = client.get("/registry/", {"local_authority": "E08000035"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "2 homes" in text
    assert market["a"].urn in text
    assert market["c"].urn in text
    assert market["b"].urn not in text


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"region": "E12000002"}, {"b"}),  # North West: Manchester
        ({"size": "6-10"}, {"b"}),
        ({"size": "4-5"}, {"a", "c"}),
        ({"query": "little brook"}, {"c"}),
        ({"owner_type": "private_investment"}, {"a", "b"}),
        ({"rating": "good"}, {"a", "b", "c"}),
        ({"rating": "inadequate"}, set()),
        ({"sector": "local_authority"}, set()),
    ],
)
def test_filters(client: Client, market, filters, expected):
    body = client.get("/api/v1/homes/", filters).json()
    assert {row["urn"] for row in body["results"]} == {market[key].urn for key in expected}


def test_a_bad_filter_value_is_explained_and_the_rest_still_applies(client: Client, market):
    page = client.get("/registry/", {"rating": "brilliant", "local_authority": "E08000003"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in text
    assert "Choose an Ofsted rating from the list, or Any" in text
    assert "1 home" in text  # Manchester's filter still applied
    api = client.get("/api/v1/homes/", {"rating": "brilliant"})
    assert api.status_code == 400
    assert "rating" in api.json()["errors"]


def test_home_page_shows_registration_chain_and_history(client: Client, market):
    home: Home = market["a"]
    run = ImportRun.objects.create(kind=ImportRun.Kind.OFSTED, source_name="test.csv", as_of=datetime.date(2024, 3, 31))
    HomeObservation.objects.create(
        home=home,
        import_run=run,
        as_of=datetime.date(2024, 3, 31),
        provision_type="Children's home",
        sector=Sector.PRIVATE,
        places=3,
        registered_owner_name="ACORN HOMES NORTH LTD",
        overall_judgement=Judgement.REQUIRES_IMPROVEMENT,
    )
    text = client.get(f"/registry/homes/{home.urn}/").content.decode()
    assert "Ofsted does not publish the names and addresses of children's homes" in text
    assert "Acorn Homes North Limited" in text
    assert "Oakfield Capital Partners" in text  # top of the chain
    assert "<svg" in text
    assert "75% shareholding" in text
    assert "ACORN HOMES NORTH LTD" in text  # the spelling of that year's register


def test_an_override_changes_the_owner_type_shown(client: Client, market):
    OwnerTypeOverride.objects.create(
        entity=Entity.objects.get(provider_organisation=market["c"].provider_organisation),
        owner_type="private_individual",
        reason="Owned by its two founding directors (Companies House PSC register).",
    )
    body = client.get(f"/api/v1/homes/{market['c'].urn}/").json()
    assert body["ultimate_owner"]["owner_type"] == "private_individual"
    assert body["ultimate_owner"]["overridden"] is True


def test_provider_page_lists_spellings_and_homes(client: Client, market):
    provider = market["b"].provider_organisation
    provider.names.create(name="ACORN HOMES WEST LTD", first_seen_on=datetime.date(2019, 3, 31))
    text = client.get(f"/registry/providers/{provider.pk}/").content.decode()
    assert "ACORN HOMES WEST LTD" in text
    assert market["b"].urn in text


def test_unknown_urn_is_404(client: Client, market):
    assert client.get("/registry/homes/SC000000/").status_code == 404
    assert client.get("/api/v1/homes/SC000000/").status_code == 404


def test_a_closed_home_shows_the_owner_of_its_last_day_open(client: Client, market):
    home = market["a"]
    interest = Interest.objects.get(record_id="i-a")
    interest.end_date = datetime.date(2025, 3, 31)  # the group's control ended the day it closed
    interest.save()
    Home.objects.filter(pk=home.pk).update(closed_on=datetime.date(2025, 3, 31))
    body = client.get(f"/api/v1/homes/{home.urn}/").json()
    assert body["ultimate_owner"]["name"] == "Oakfield Capital Partners"


def test_a_page_of_results_is_built_once_per_registry_state(client: Client, market, monkeypatch):
    """Under load every request rebuilt the same public page; now each filter's page is built
    once, and a change to the registry is shown at once."""
    from ownership import pages
    from registry import selectors

    built: list[tuple[object, ...]] = []
    matching = selectors.homes_matching

    def counted(*args: Any) -> Any:
        built.append(args)
        return matching(*args)

    monkeypatch.setattr(selectors, "homes_matching", counted)
    for _ in range(3):
        assert "3 homes" in client.get("/registry/").content.decode()
        assert client.get("/api/v1/homes/").json()["count"] == 3
    assert len(built) == 2  # the page and the API, once each
    assert client.get("/registry/", {"region": "E12000002"}).content.decode().count("1 home") == 1
    assert len(built) == 3  # another filter is another page

    Home.objects.filter(pk=market["b"].pk).update(places=9, closed_on=datetime.date(2026, 1, 1))
    pages.registry_changed()  # what a curator's edit in the admin calls
    assert "2 homes" in client.get("/registry/").content.decode()
    assert client.get("/api/v1/homes/").json()["count"] == 2


def test_a_provider_page_lists_its_homes_a_page_at_a_time(client: Client, market):
    """Closed homes first (by when they closed), then open ones, by URN; each home on one page."""
    provider = market["b"].provider_organisation
    HomeFactory.create_batch(26, provider_organisation=provider)  # 27 homes in all
    Home.objects.filter(urn__in=sorted(provider.homes.values_list("urn", flat=True))[-2:]).update(
        closed_on=datetime.date(2024, 3, 31)
    )
    expected = list(provider.homes.order_by("closed_on", "urn").values_list("urn", flat=True))
    url = f"/registry/providers/{provider.pk}/"

    pages = [client.get(url, {"page": page}).content.decode() for page in ("1", "2", "99", "none")]

    shown = [PROVIDER_PAGE_HOME.findall(page) for page in pages]
    assert shown == [expected[:25], expected[25:], expected[25:], expected[:25]]
    assert "Homes 1 to 25 of 27." in pages[0]
    assert 'href="?page=2#homes" rel="next"' in pages[0]
