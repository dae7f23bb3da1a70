"""The owner pages and API, and the curation of owners: merges, overrides, the cache."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from ownership.models import Entity, Interest, OwnerTypeOverride
from ownership.services import provider_entity_ensure
from providers.models import Home, HomeKind, Sector
from tests.factories import HomeFactory, RegistryProviderFactory
from tests.ownership.factories import acorn_market

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(reference_data):
    """Three providers: two held by one group (majority shares), one independent; 14 places."""
    return acorn_market()


def test_owner_page_gives_shares_of_england_and_regions(client: Client, market):
    text = client.get(f"/registry/owners/{market['fund'].pk}/").content.decode()
    # 10 of 14 places and 2 of 3 homes.
    assert (
        "Ultimately owns 2 children's homes with 10 places: 71.43% of England's places and 66.67% of its homes" in text
    )
    assert "North West" in text
    assert "Yorkshire and The Humber" in text
    assert "Nobody holds majority control of Oakfield Capital Partners: it is the ultimate owner" in text
    assert "Acorn Care Group Holdings Limited" in text  # the example chain reaches down to a provider
    body = Client().get(f"/api/v1/owners/{market['fund'].pk}/").json()
    assert body["places"] == 10
    assert body["share_of_england_places"] == pytest.approx(71.4286, abs=1e-4)
    assert body["regions"]["North West"] == {"homes": 1, "places": 6, "share_of_places": 100.0}
    assert sorted(body["homes"]) == sorted([market["a"].urn, market["b"].urn])


def test_owners_are_ranked_by_places(client: Client, market):
    rows = client.get("/api/v1/owners/").json()["results"]
    assert [(row["name"], row["homes"], row["places"]) for row in rows] == [
        ("Oakfield Capital Partners", 2, 10),
        ("Little Brook Care Limited", 1, 4),
    ]
    assert rows[0]["owner_type"] == "private_investment"


def test_merging_spellings_keeps_homes_names_and_the_ownership_chain(client: Client, market, cast):
    from ownership.services import provider_organisations_merge

    keep = market["a"].provider_organisation
    other = market["c"].provider_organisation
    other.companies_house_number = "01234567"
    other.save()
    provider_organisations_merge(keep=keep, others=[other], merged_by=cast.admin)

    keep.refresh_from_db()
    assert keep.companies_house_number == "01234567"
    assert set(keep.names.values_list("name", flat=True)) == {"Little Brook Care Limited"}
    assert set(keep.homes.values_list("urn", flat=True)) == {market["a"].urn, market["c"].urn}
    assert Entity.objects.filter(provider_organisation=keep).count() == 1
    body = client.get(f"/api/v1/homes/{market['c'].urn}/").json()
    assert body["ultimate_owner"]["name"] == "Oakfield Capital Partners"  # now through keep's chain


def test_admin_merges_selected_providers(client: Client, market, cast):
    keep = market["a"].provider_organisation
    other = market["b"].provider_organisation
    client.force_login(cast.admin)
    response = client.post(
        "/admin/providers/providerorganisation/",
        {"action": "merge_into_first", "_selected_action": [keep.pk, other.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Merged 1 provider(s)" in response.content.decode()
    assert set(keep.homes.values_list("urn", flat=True)) == {market["a"].urn, market["b"].urn}
    from django.contrib.admin.models import LogEntry

    assert LogEntry.objects.filter(object_id=str(keep.pk), change_message__contains="Merged").count() == 1


def test_admin_records_owner_type_overrides_with_reasons(client: Client, market, cast):
    entity = market["fund"]
    client.force_login(cast.admin)
    url = f"/admin/ownership/entity/{entity.pk}/change/"
    form = {
        "name": entity.name,
        "kind": entity.kind,
        "category": entity.category,
        "jurisdiction": "",
        "company_number": "",
        "charity_number": "",
        "identifiers": "[]",
        "source": entity.source,
        "research_owner_type": "",
        "owner_type_overrides-TOTAL_FORMS": "1",
        "owner_type_overrides-INITIAL_FORMS": "0",
        "owner_type_overrides-MIN_NUM_FORMS": "0",
        "owner_type_overrides-MAX_NUM_FORMS": "1000",
        "owner_type_overrides-0-owner_type": "private_corporate",
        "owner_type_overrides-0-reason": "Fund wound up in 2024; now held by a trading group.",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    override = OwnerTypeOverride.objects.get(entity=entity)
    assert override.reason == "Fund wound up in 2024; now held by a trading group."
    assert override.decided_by == cast.admin


def test_a_provider_adopts_the_entity_the_graph_already_knows_by_company_number(reference_data):
    known = Entity.objects.create(name="ACORN HOMES LTD", company_number="07654321", record_id="curated-acorn")
    provider = RegistryProviderFactory(name="Acorn Homes Limited", companies_house_number="07654321")
    assert provider_entity_ensure(provider_organisation=provider, sector=Sector.PRIVATE) == known
    known.refresh_from_db()
    assert known.provider_organisation == provider
    # A second provider with the same number gets its own entity without the number.
    twin = RegistryProviderFactory(name="Acorn Homes (North) Limited", companies_house_number="07654321")
    other = provider_entity_ensure(provider_organisation=twin, sector=Sector.PRIVATE)
    assert other != known
    assert other.company_number == ""
    assert Entity.objects.filter(company_number="07654321").count() == 1


def test_curated_override_file_applies_once_with_its_reason(tmp_path, market):
    from ownership.services import owner_type_overrides_load

    path = tmp_path / "owner_type_overrides.csv"
    path.write_text(
        "name,company_number,owner_type,reason\n"
        "oakfield capital partners,,private_corporate,Fund became a trading group.\n"
        "Nobody Limited,,private_corporate,No such owner.\n"
        "Acorn Care Group Holdings Limited,09999999,not_a_type,Bad type.\n"
    )
    run = owner_type_overrides_load(path=path)
    assert run.counts == {"new": 1, "rejected": 2}
    assert [row["line"] for row in run.rejected_rows] == [3, 4]
    assert "no owner called 'Nobody Limited'" in run.rejected_rows[0]["reason"]
    assert owner_type_overrides_load(path=path).counts == {"unchanged": 1, "rejected": 2}
    assert list(market["fund"].owner_type_overrides.values_list("owner_type", "reason")) == [
        ("private_corporate", "Fund became a trading group.")
    ]


def test_an_admin_edit_of_a_share_is_not_hidden_by_the_cache(client: Client, market, cast):
    assert client.get(f"/api/v1/homes/{market['a'].urn}/").json()["ultimate_owner"]["name"] == (
        "Oakfield Capital Partners"
    )
    client.get("/api/v1/homes/")  # resolutions cached
    interest = Interest.objects.get(record_id="i-a")
    client.force_login(cast.admin)
    response = client.post(
        f"/admin/ownership/interest/{interest.pk}/change/",
        {
            "subject": interest.subject_id,
            "interested_party": interest.interested_party_id,
            "interest_type": interest.interest_type,
            "share_exact": "30",
            "record_id": interest.record_id,
            "source": interest.source,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    client.logout()
    rows = {row["urn"]: row for row in client.get("/api/v1/homes/").json()["results"]}
    assert rows[market["a"].urn]["ultimate_owner"]["name"] == "Acorn Homes North Limited"


def test_a_process_reads_its_own_copy_of_the_resolutions_until_the_graph_changes(market, monkeypatch):
    """Under load the registry unpickled every home's chain from the shared cache on each
    request; a process now keeps the latest copy, and still sees a change at once."""
    from ownership import pages

    first = pages.resolutions_on(pages.today())
    shared_reads: list[str] = []

    def shared_get(key: str, default: object = None) -> object:
        shared_reads.append(key)
        return default

    monkeypatch.setattr(pages.cache, "get", shared_get)
    assert pages.resolutions_on(pages.today()) is first
    assert not [key for key in shared_reads if key.startswith("registry:resolutions:")]
    monkeypatch.undo()

    Interest.objects.filter(record_id="i-a").update(share_exact=30)
    pages.registry_changed()
    changed = pages.resolutions_on(pages.today())
    assert changed is not first
    owner = changed[market["a"].pk].owner
    assert owner is not None
    assert owner.name == "Acorn Homes North Limited"


def test_an_owner_has_one_owner_type_in_the_api_and_on_its_page(client: Client, market):
    # The group's homes are investment-owned (the research classifies a subsidiary so); the
    # group's own walk stops at itself and, alone, knows nothing of its kind of owner.
    Interest.objects.filter(subject=market["group"], interested_party=market["fund"]).delete()
    subsidiary = Entity.objects.get(provider_organisation=market["a"].provider_organisation)
    Entity.objects.filter(pk=subsidiary.pk).update(research_owner_type="private_investment")

    body = Client().get(f"/api/v1/owners/{market['group'].pk}/").json()
    text = client.get(f"/registry/owners/{market['group'].pk}/").content.decode()

    assert (body["owner_type"], body["controlled_by"]["owner_type"]) == ("private_investment", "private_investment")
    assert body["controlled_by"]["name"] == "Acorn Care Group Holdings Limited"
    assert "Owner type: <strong>Private, investment-owned</strong>" in text


def test_owner_figures_count_childrens_homes_only_as_the_dashboards_do(client: Client, market):
    secure = HomeFactory(
        provider_organisation=market["a"].provider_organisation,
        local_authority=market["a"].local_authority,
        places=8,
        kind=HomeKind.SECURE_CHILDRENS_HOME,
        provision_type="Secure children's home",
    )

    body = Client().get(f"/api/v1/owners/{market['fund'].pk}/").json()
    rows = Client().get("/api/v1/owners/").json()["results"]
    text = client.get(f"/registry/owners/{market['fund'].pk}/").content.decode()

    assert secure.urn not in body["homes"]
    assert (body["places"], body["share_of_england_places"]) == (10, pytest.approx(71.4286, abs=1e-4))
    assert (rows[0]["name"], rows[0]["homes"], rows[0]["places"]) == ("Oakfield Capital Partners", 2, 10)
    assert "as the market dashboards do" in text


OWNER_PAGE_HOME = re.compile(r'href="/registry/homes/(SC\d+)/"')


def test_an_owner_page_lists_its_homes_a_page_at_a_time_and_counts_them_all(client: Client, market):
    """A large group ultimately owns hundreds of homes: the list comes 25 to a page, by URN, each
    home on exactly one page, while the figures above it count every home."""
    provider = market["a"].provider_organisation
    HomeFactory.create_batch(28, provider_organisation=provider, places=1)  # 30 homes owned in all
    owned = sorted(
        Home.objects.filter(provider_organisation__in=[provider, market["b"].provider_organisation]).values_list(
            "urn", flat=True
        )
    )
    url = f"/registry/owners/{market['fund'].pk}/"

    first = client.get(url).content.decode()
    second = client.get(f"{url}?page=2").content.decode()

    assert OWNER_PAGE_HOME.findall(first) == owned[:25]
    assert OWNER_PAGE_HOME.findall(second) == owned[25:]
    assert "Ultimately owns 30 children's homes with 38 places" in first
    assert "Ultimately owns 30 children's homes with 38 places" in second
    assert "Homes 1 to 25 of 30, by URN." in first
    assert 'href="?page=2#homes" rel="next"' in first
    assert 'href="?page=1#homes" rel="prev"' in second


def test_a_bad_page_of_an_owners_homes_shows_the_nearest_page(client: Client, market):
    HomeFactory.create_batch(28, provider_organisation=market["a"].provider_organisation, places=1)
    url = f"/registry/owners/{market['fund'].pk}/"
    second = OWNER_PAGE_HOME.findall(client.get(f"{url}?page=2").content.decode())

    past_the_end = client.get(f"{url}?page=99")
    not_a_number = client.get(f"{url}?page=first")

    assert past_the_end.status_code == not_a_number.status_code == 200
    assert OWNER_PAGE_HOME.findall(past_the_end.content.decode()) == second
    assert "Homes 1 to 25 of 30" in not_a_number.content.decode()
