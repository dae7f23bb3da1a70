"""The JSON API shows each person only their own organisations."""

import pytest

from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_me_lists_the_callers_memberships(client, cast: Cast):
    local_authority = cast.local_authority_a.local_authority
    assert local_authority is not None
    client.force_login(cast.commissioner_a)
    body = client.get("/api/v1/me/").json()
    assert body["email"] == cast.commissioner_a.email
    assert body["is_staff"] is False
    assert body["memberships"] == [
        {
            "organisation": {
                "slug": cast.local_authority_a.slug,
                "name": cast.local_authority_a.name,
                "kind": "local_authority",
                "local_authority_ons_code": local_authority.ons_code,
            },
            "role": "admin",
        }
    ]


def test_organisations_are_scoped_to_the_caller(client, cast: Cast):
    client.force_login(cast.provider_q)
    slugs = [organisation["slug"] for organisation in client.get("/api/v1/organisations/").json()]
    assert slugs == [cast.provider_organisation_q.slug]
    other = client.get(f"/api/v1/organisations/{cast.local_authority_a.slug}/")
    assert other.status_code == 404


def test_staff_see_every_organisation(client, cast: Cast):
    client.force_login(cast.admin)
    slugs = {organisation["slug"] for organisation in client.get("/api/v1/organisations/").json()}
    assert slugs == {
        cast.local_authority_a.slug,
        cast.local_authority_b.slug,
        cast.provider_organisation_p.slug,
        cast.provider_organisation_q.slug,
        cast.organiser_organisation.slug,
    }


def test_anonymous_callers_get_json_403(client, cast: Cast):
    response = client.get("/api/v1/organisations/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_local_authorities_list_has_the_153(client, cast: Cast):
    client.force_login(cast.organiser)
    body = client.get("/api/v1/local-authorities/").json()
    assert len(body) == 153
    leeds = next(authority for authority in body if authority["ons_code"] == "E08000035")
    assert leeds == {
        "ons_code": "E08000035",
        "name": "Leeds",
        "region_ons_code": "E12000003",
        "region": "Yorkshire and The Humber",
    }


def test_openapi_schema_describes_the_endpoints(client, cast: Cast):
    client.force_login(cast.organiser)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/me/", "/api/v1/organisations/", "/api/v1/local-authorities/"} <= set(paths)
