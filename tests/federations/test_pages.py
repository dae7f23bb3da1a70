"""The federation pages over HTTP: forming (once, however often it is submitted), inviting,
answering, the public profile, and who reads a federation's own page: its coordinators and
members, never another federation's people, non-members or anonymous visitors."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from federations import services
from federations.models import FederationMembership, MembershipStatus
from geography.models import LocalAuthority
from providers.models import Federation, HomeProfile, Need
from tests.factories import HomeFactory, MembershipFactory, totp_activate
from tests.federations.samples import federation_formed, provider_with_administrator, registry_record
from tests.idempotency import keyed

pytestmark = pytest.mark.django_db


def test_forming_through_the_page_writes_once(reference_data, client: Client):
    organisation, administrator = provider_with_administrator("Aire Homes")
    client.force_login(administrator)
    leeds = LocalAuthority.objects.get(ons_code="E08000035")
    data = keyed({
        "founder": registry_record(organisation).pk, "name": "Aire Federation", "purpose": "Small homes together.",
        "charter": "We answer within a day.", "local_authorities": [leeds.pk],
    })  # fmt: skip
    first = client.post(reverse("federations:form"), data)
    again = client.post(reverse("federations:form"), data)
    federation = Federation.objects.get()
    manage = reverse("federations:manage", args=[federation.organisation.slug])
    assert (first.status_code, first["Location"]) == (302, manage)
    assert (again.status_code, again["Location"]) == (302, manage)
    assert Federation.objects.count() == 1


def test_a_form_with_errors_says_what_to_fix_and_writes_nothing(reference_data, client: Client):
    organisation, administrator = provider_with_administrator("Aire Homes")
    client.force_login(administrator)
    data = keyed({"founder": registry_record(organisation).pk, "name": "", "purpose": "", "charter": "x"})
    page = client.post(reverse("federations:form"), data)
    html = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in html
    assert "Enter the federation&#x27;s name." in html
    assert "Choose at least one local authority or region the federation serves." not in html  # shape errors first
    assert Federation.objects.count() == 0


def test_the_area_is_required_when_the_rest_is_valid(reference_data, client: Client):
    organisation, administrator = provider_with_administrator("Aire Homes")
    client.force_login(administrator)
    data = keyed({"founder": registry_record(organisation).pk, "name": "A", "purpose": "B", "charter": "C"})
    page = client.post(reverse("federations:form"), data)
    assert "Choose at least one local authority or region the federation serves." in page.content.decode()
    assert Federation.objects.count() == 0


@pytest.fixture
def world(reference_data):
    """Federation F (coordinator, a plain member's person), federation G (other), a non-member."""
    organisation_f, coordinator = provider_with_administrator("Aire Homes")
    federation_f = federation_formed(organisation=organisation_f, administrator=coordinator, name="Federation F")
    member_staff = MembershipFactory(organisation=organisation_f).user
    totp_activate(member_staff)
    organisation_g, other_coordinator = provider_with_administrator("Tees Homes")
    federation_formed(organisation=organisation_g, administrator=other_coordinator, name="Federation G")
    _, non_member = provider_with_administrator("Wear Homes")
    people = {"coordinator": coordinator, "member": member_staff, "other_federation": other_coordinator,
              "non_member": non_member, "anonymous": None}  # fmt: skip
    return federation_f, people


# What each kind of person gets from F's own pages (after following redirects).
OWN_PAGES: dict[str, dict[str, object]] = {
    "manage": {"coordinator": 200, "member": 200, "other_federation": 404, "non_member": 404, "anonymous": "login"},
    "invite": {"coordinator": 200, "member": 404, "other_federation": 404, "non_member": 404, "anonymous": "login"},
    "coordinator_add": {
        "coordinator": 200, "member": 404, "other_federation": 404, "non_member": 404, "anonymous": "login",
    },
    "dissolve": {"coordinator": 200, "member": 404, "other_federation": 404, "non_member": 404, "anonymous": "login"},
    "detail": dict.fromkeys(("coordinator", "member", "other_federation", "non_member", "anonymous"), 200),
}  # fmt: skip


@pytest.mark.parametrize("page", OWN_PAGES)
def test_a_federations_pages_answer_members_only(world, page: str, client: Client):
    federation, people = world
    url = reverse(f"federations:{page}", args=[federation.organisation.slug])
    for who, expected in OWN_PAGES[page].items():
        client.logout()
        if people[who] is not None:
            client.force_login(people[who])
        response = client.get(url)
        outcome = "login" if response.status_code == 302 and "/accounts/login/" in response["Location"] else None
        assert (outcome or response.status_code) == expected, who


def test_a_coordinator_invites_and_the_invited_administrator_accepts(world, client: Client):
    federation, people = world
    invited, invited_admin = provider_with_administrator("Ouse Homes")
    client.force_login(people["coordinator"])
    slug = federation.organisation.slug
    response = client.post(
        reverse("federations:invite", args=[slug]), keyed({"provider_organisation": registry_record(invited).pk})
    )
    assert response.status_code == 302
    membership = FederationMembership.objects.get(provider_organisation=registry_record(invited))
    client.force_login(invited_admin)
    yours = client.get(reverse("federations:yours")).content.decode()
    assert "Federation F invites Ouse Homes" in yours
    answer_url = reverse("federations:answer", args=[slug, membership.pk])
    assert "Accept and join" in client.get(answer_url).content.decode()
    client.post(answer_url, keyed({"answer": "accept"}))
    membership.refresh_from_db()
    assert (membership.status, membership.answered_by) == (MembershipStatus.ACTIVE, invited_admin)


def test_an_invitation_cannot_be_answered_by_someone_else(world, client: Client):
    federation, people = world
    invited, _ = provider_with_administrator("Ouse Homes")
    membership = services.federation_member_invite(
        federation=federation, provider_organisation=registry_record(invited), user=people["coordinator"]
    )
    client.force_login(people["non_member"])
    url = reverse("federations:answer", args=[federation.organisation.slug, membership.pk])
    assert client.post(url, keyed({"answer": "accept"})).status_code == 404
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.INVITED


def test_the_public_profile_shows_members_homes_places_needs_and_ratings(world, client: Client):
    federation, _people = world
    provider = federation.members.get()
    leeds = LocalAuthority.objects.get(ons_code="E08000035")
    home = HomeFactory(provider_organisation=provider, places=3, local_authority=leeds, overall_judgement="good")
    HomeFactory(provider_organisation=provider, places=None, local_authority=leeds, overall_judgement="")
    need = Need.objects.order_by("code").first()
    assert need is not None  # the migration's list
    profile = HomeProfile.objects.create(home=home)
    profile.needs.set([need])
    page = client.get(reverse("federations:detail", args=[federation.organisation.slug])).content.decode()
    assert "Aire Homes" in page
    assert f'href="{reverse("registry:home", args=[home.urn])}"' in page
    assert "(places not known for 1 home)" in page
    assert "Good: 1" in page
    assert "Not yet judged: 1" in page
    assert need.label in page
    listed = client.get(reverse("federations:list")).content.decode()
    assert "Federation F" in listed
    assert "Federation G" in listed


def test_a_dissolved_federation_leaves_the_list_and_its_page_says_why(world, client: Client):
    federation, people = world
    services.federation_dissolve(federation=federation, user=people["coordinator"], reason="Members merged.")
    assert "Federation F" not in client.get(reverse("federations:list")).content.decode()
    page = client.get(reverse("federations:detail", args=[federation.organisation.slug])).content.decode()
    assert "dissolved on" in page
    assert "Members merged." in page


def test_every_page_leads_to_the_federations(reference_data, client: Client):
    page = client.get(reverse("registry:homes")).content.decode()
    assert f'href="{reverse("federations:list")}"' in page


def test_the_registry_names_a_providers_federation_as_a_grouping_not_an_owner(world, client: Client):
    federation, people = world
    provider = federation.members.get()
    url = reverse("registry:provider", args=[provider.pk])
    page = client.get(url).content.decode()
    assert "Federations it belongs to" in page
    assert f'href="{reverse("federations:detail", args=[federation.organisation.slug])}">Federation F<' in page
    assert "a grouping of providers who work together, not an owner" in page
    services.federation_dissolve(federation=federation, user=people["coordinator"], reason="Merged.")
    assert "Federations it belongs to" not in client.get(url).content.decode()
