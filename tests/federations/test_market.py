"""Federations in the market (issue 14 part 5): the federated share of places, and the
concentration "if each federation counted as one owner" beside the market as owned."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from federations import selectors, services
from tests.factories import HomeFactory, RegistryProviderFactory
from tests.federations.samples import federation_formed, provider_with_administrator, registry_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(reference_data):
    """A group with three homes of four places; federation F of two small providers with a home of
    four places each; a home whose places are not known."""
    group = RegistryProviderFactory(name="Big Group Limited")
    HomeFactory.create_batch(3, provider_organisation=group, places=4)
    organisation_r, coordinator = provider_with_administrator("Provider R")
    federation = federation_formed(organisation=organisation_r, administrator=coordinator, name="Federation F")
    organisation_s, admin_of_s = provider_with_administrator("Provider S")
    invited = services.federation_member_invite(
        federation=federation, provider_organisation=registry_record(organisation_s), user=coordinator
    )
    # A member that keeps its own inbox is a member all the same: it counts in the federation.
    services.federation_invitation_answer(membership=invited, user=admin_of_s, accept=True)
    for organisation in (organisation_r, organisation_s):
        HomeFactory(provider_organisation=registry_record(organisation), places=4)
    HomeFactory(provider_organisation=group, places=None)
    return federation


def test_the_federated_share_and_the_concentration_if_each_federation_were_one_owner(market):
    figures = selectors.federated_market(as_of=timezone.localdate(), resolutions={})
    assert (figures.places, figures.homes_without_places, figures.places_federated) == (20, 1, 8)
    assert figures.federated_share_percent == 40.0
    assert figures.by_federation == [(market, 8)]
    # As owned: 60%, 20%, 20%. Federation as one: 60%, 40%.
    assert figures.as_owned is not None
    assert (figures.as_owned.hhi, figures.as_owned.cr4, figures.as_owned.owners) == (4400, 100.0, 3)
    assert figures.federations_as_one is not None
    assert (figures.federations_as_one.hhi, figures.federations_as_one.owners) == (5200, 2)


def test_a_dissolved_federation_is_no_grouping(market):
    services.federation_dissolve(federation=market, user=market.profile.formed_by, reason="Merged.")
    figures = selectors.federated_market(as_of=timezone.localdate(), resolutions={})
    assert figures.places_federated == 0
    assert figures.federated_share_percent == 0.0


def test_with_no_places_known_nothing_is_made_up(reference_data):
    HomeFactory(places=None)
    figures = selectors.federated_market(as_of=timezone.localdate(), resolutions={})
    assert (figures.places, figures.federated_share_percent, figures.as_owned) == (0, None, None)


def test_the_public_page_shows_both_columns(market, client: Client):
    page = client.get(reverse("federations:market")).content.decode()
    assert "40.0% (8 places)" in page
    assert ">4400<" in page
    assert ">5200<" in page
    assert "never an owner" in page


def test_the_dashboards_show_the_federated_share_and_the_concentration_as_one_owner(market, client: Client):
    text = " ".join(client.get(reverse("market:dashboards")).content.decode().split())
    assert "40.0% (8 of 20 places, in 1 federation)" in text
    assert "4,400 as owned; 5,200 if each federation counted as one owner" in text
    assert "100.0% as owned; 100.0% if each federation counted as one owner" in text
    assert "3 as owned; 2 if each federation counted as one owner" in text
    assert "never an owner" in text


def test_the_dashboards_say_how_to_form_a_federation_when_there_is_none(reference_data, client: Client):
    HomeFactory(places=4)
    text = client.get(reverse("market:dashboards")).content.decode()
    assert "No federation's members have homes with known places yet" in text
    assert reverse("federations:list") in text
