"""Error pages in the service's own look, without debug details."""

import pytest
from django.test import RequestFactory

from config.errors import server_error
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_unknown_address_shows_the_page_not_found_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert "Skip to main content" in page
    assert "Traceback" not in page


def test_refused_action_shows_the_permission_page(client, cast: Cast):
    client.force_login(cast.commissioner_b)  # a member, not an admin, of authority B
    response = client.get(f"/organisations/{cast.local_authority_b.slug}/invitations/new/")
    assert response.status_code == 403
    assert "You cannot see this page" in response.content.decode()


def test_server_error_page_needs_no_database_or_context():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


def test_administrators_reach_an_organisations_page_from_the_admin(client, cast: Cast):
    assert cast.local_authority_a.get_absolute_url() == f"/organisations/{cast.local_authority_a.slug}/"
    client.force_login(cast.admin)
    change_page = client.get(f"/admin/accounts/organisation/{cast.local_authority_a.pk}/change/").content.decode()
    assert "View on site" in change_page


@pytest.mark.parametrize(
    "path",
    ["/registry/homes/%00/", "/api/v1/homes/%00/", "/dashboards/areas/%00/", "/dashboards/areas/%00/map.csv"],
)
def test_odd_characters_in_a_path_are_not_found_not_an_error(client, path):
    assert client.get(path).status_code == 404
