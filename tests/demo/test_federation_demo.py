"""The demo's federation (issue 14 part 7): real small providers near Leeds from the register,
in a synthetic federation labelled so, public on /federations/ and in the API, with a
coordinator login whose joint inbox holds the demo commissioner's referrals to the demo
provider."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from commissioning.models import Invitation
from commissioning.selectors import inbox_of
from demo.federation import COORDINATOR_EMAIL, FEDERATION_NAME
from demo.journey import demo_journey_load
from demo.services import demo_load
from federations.models import FederationMembership, FederationProfile, MembershipStatus
from geography.models import LocalAuthority
from providers.models import Federation, ProviderOrganisation
from tests.demo.conftest import PASSWORD, registry_create
from tests.factories import HomeFactory, RegistryProviderFactory

pytestmark = pytest.mark.django_db
WEST_YORKSHIRE_SMALL = {
    "Calder Homes Limited": ("E08000033",),
    "Kirklees Care Limited": ("E08000034", "E08000034"),
    "Wakefield Small Homes Limited": ("E08000036",),
    "Bradford Hearth Limited": ("E08000032", "E08000032", "E08000035"),
    "Leeds Lantern Homes Limited": ("E08000035",),
    "Otley Homes Limited": ("E08000035", "E08000035"),
    "Ilkley Care Limited": ("E08000032",),
}


@pytest.fixture(scope="module")
def loaded(module_transaction) -> ProviderOrganisation:
    chosen = registry_create()
    for name, areas in WEST_YORKSHIRE_SMALL.items():
        provider = RegistryProviderFactory(name=name)
        for ons_code in areas:
            HomeFactory(provider_organisation=provider, local_authority=LocalAuthority.objects.get(ons_code=ons_code))
    logins = demo_load(password=PASSWORD)
    assert [login.role for login in logins] == ["Commissioner", "Provider", "Coordinator", "Organiser", "Administrator"]
    demo_journey_load(referrals=48, sample=50, seed=7)
    return chosen


def test_the_federation_is_of_five_to_eight_real_small_providers_near_leeds_and_labelled(loaded):
    federation = Federation.objects.get(name=FEDERATION_NAME)
    members = list(federation.members.all())
    assert 5 <= len(members) <= 8
    assert loaded in members  # the demo provider login's provider
    assert all(member.homes.exists() for member in members)  # real registered providers, from the register
    assert all(member.homes.filter(closed_on__isnull=True).count() <= 4 for member in members if member != loaded)
    assert FederationProfile.objects.get(federation=federation).is_synthetic
    consents = FederationMembership.objects.filter(federation=federation, status=MembershipStatus.ACTIVE)
    assert not consents.filter(answered_at__isnull=True).exists()


def test_the_federation_is_public_with_its_members_and_homes(loaded, client: Client):
    federation = Federation.objects.get(name=FEDERATION_NAME)
    listed = client.get(reverse("federations:list")).content.decode()
    assert FEDERATION_NAME in listed
    assert "Synthetic membership" in listed
    page = client.get(reverse("federations:detail", args=[federation.organisation.slug])).content.decode()
    assert "Aire Valley Care Limited" in page
    assert "they have not formed this federation" in page
    (row,) = [r for r in client.get("/api/v1/federations/").json()["results"] if r["name"] == FEDERATION_NAME]
    assert row["synthetic"] is True
    assert {member["name"] for member in row["members"]} == set(federation.members.values_list("name", flat=True))
    assert sum(len(member["homes"]) for member in row["members"]) == sum(
        member.homes.filter(closed_on__isnull=True).count() for member in federation.members.all()
    )


def test_the_coordinator_login_reads_the_demo_providers_referrals_in_the_joint_inbox(loaded, settings):
    settings.REQUIRE_MFA = False  # as in `make run`
    coordinator = User.objects.get(email=COORDINATOR_EMAIL)
    assert coordinator.is_active
    assert coordinator.check_password(PASSWORD)
    to_demo_provider = Invitation.objects.filter(provider_organisation=loaded)
    assert to_demo_provider.exists()
    assert set(to_demo_provider.values_list("pk", flat=True)) <= set(inbox_of(coordinator).values_list("pk", flat=True))
    client = Client()
    client.force_login(coordinator)
    federation = Federation.objects.get(name=FEDERATION_NAME)
    assert client.get(reverse("federations:manage", args=[federation.organisation.slug])).status_code == 200


def test_loading_again_adds_no_second_federation(loaded):
    before = FederationMembership.objects.count()
    logins = demo_load(password=PASSWORD)
    assert [login.email for login in logins if login.role == "Coordinator"] == [COORDINATOR_EMAIL]
    assert Federation.objects.filter(name=FEDERATION_NAME).count() == 1
    assert FederationMembership.objects.count() == before
