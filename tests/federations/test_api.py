"""/api/v1/federations/: anonymous read, paginated, each federation with its members and homes."""

from __future__ import annotations

import pytest
from django.test import Client

from federations import services
from geography.models import LocalAuthority
from tests.factories import HomeFactory
from tests.federations.samples import federation_formed, provider_with_administrator

pytestmark = pytest.mark.django_db


@pytest.fixture
def federation(reference_data):
    organisation, administrator = provider_with_administrator("Aire Homes")
    formed = federation_formed(organisation=organisation, administrator=administrator, name="Aire Federation")
    leeds = LocalAuthority.objects.get(ons_code="E08000035")
    HomeFactory(urn="SC111111", provider_organisation=formed.members.get(), places=4, local_authority=leeds)
    HomeFactory(urn="SC111112", provider_organisation=formed.members.get(), places=None, local_authority=leeds,
                overall_judgement="outstanding")  # fmt: skip
    return formed, administrator


def test_anonymous_callers_read_federations_with_members_and_homes(federation, client: Client):
    formed, _ = federation
    body = client.get("/api/v1/federations/").json()
    assert body["count"] == 1
    assert body["next"] is None
    (row,) = body["results"]
    assert (row["name"], row["slug"], row["places"], row["homes_without_places"]) == (
        "Aire Federation", formed.organisation.slug, 4, 1,
    )  # fmt: skip
    assert row["synthetic"] is False
    assert [member["name"] for member in row["members"]] == ["Aire Homes"]
    assert [home["urn"] for home in row["members"][0]["homes"]] == ["SC111111", "SC111112"]
    assert row["home_areas"] == [{"ons_code": "E08000035", "name": "Leeds"}]
    # Best judgement first, as Ofsted orders them.
    assert row["ratings"] == [{"judgement": "Outstanding", "homes": 1}, {"judgement": "Good", "homes": 1}]


def test_the_list_is_paginated(reference_data, client: Client):
    for number in range(21):
        organisation, administrator = provider_with_administrator(f"Provider {number:02d}")
        federation_formed(organisation=organisation, administrator=administrator, name=f"Federation {number:02d}")
    first = client.get("/api/v1/federations/").json()
    assert (first["count"], len(first["results"])) == (21, 20)
    second = client.get(first["next"]).json()
    assert [row["name"] for row in second["results"]] == ["Federation 20"]


def test_one_federation_and_a_dissolved_one_leaves_the_list(federation, client: Client):
    formed, administrator = federation
    slug = formed.organisation.slug
    assert client.get(f"/api/v1/federations/{slug}/").json()["name"] == "Aire Federation"
    services.federation_dissolve(federation=formed, user=administrator, reason="Merged.")
    assert client.get("/api/v1/federations/").json()["count"] == 0
    assert client.get(f"/api/v1/federations/{slug}/").json()["dissolved_at"] is not None
    assert client.get("/api/v1/federations/no-such-federation/").status_code == 404
