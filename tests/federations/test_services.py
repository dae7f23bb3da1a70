"""Forming a federation, invitations and consent, leaving, coordinators, dissolving: every
refusal changes nothing, and nothing is ever deleted."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Membership, MembershipRole
from federations import services
from federations.models import CoordinatorAppointment, FederationMembership, FederationProfile, MembershipStatus
from geography.models import LocalAuthority
from providers.models import Federation
from tests.factories import MembershipFactory
from tests.federations.samples import (
    CHARTER,
    federation_formed,
    provider_with_administrator,
    registry_record,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def founded(reference_data):
    organisation, administrator = provider_with_administrator("Aire Homes")
    federation = federation_formed(organisation=organisation, administrator=administrator, name="Aire Federation")
    return federation, organisation, administrator


def test_forming_makes_the_founder_a_consenting_member_and_its_administrator_coordinator(founded):
    federation, organisation, administrator = founded
    membership = FederationMembership.objects.get(federation=federation)
    assert (membership.status, membership.provider_organisation.organisation, membership.answered_by) == (
        MembershipStatus.ACTIVE, organisation, administrator,
    )  # fmt: skip
    assert membership.answered_at is not None
    assert list(federation.members.all()) == [registry_record(organisation)]
    assert federation.organisation.kind == "federation"
    assert Membership.objects.get(organisation=federation.organisation).user == administrator
    assert federation.profile.charter == CHARTER
    assert list(federation.profile.local_authorities.values_list("name", flat=True)) == ["Leeds"]


def test_only_an_administrator_of_the_provider_can_form(reference_data):
    organisation, _ = provider_with_administrator("Calder Homes")
    plain_member = MembershipFactory(organisation=organisation, role=MembershipRole.MEMBER).user
    with pytest.raises(ValidationError) as refused:
        federation_formed(organisation=organisation, administrator=plain_member, name="Calder Federation")
    assert "founder" in refused.value.message_dict
    assert Federation.objects.count() == 0


def test_forming_needs_name_purpose_charter_and_area(reference_data):
    organisation, administrator = provider_with_administrator("Wharfe Homes")
    with pytest.raises(ValidationError) as refused:
        services.federation_form(
            founder=registry_record(organisation), user=administrator, name=" ", purpose="", charter="",
            local_authorities=[], regions=[],
        )  # fmt: skip
    assert set(refused.value.message_dict) == {"name", "purpose", "charter", "local_authorities"}
    assert (Federation.objects.count(), FederationProfile.objects.count()) == (0, 0)


def test_a_taken_name_is_refused(founded):
    organisation, administrator = provider_with_administrator("Nidd Homes")
    with pytest.raises(ValidationError) as refused:
        federation_formed(organisation=organisation, administrator=administrator, name="aire federation")
    assert refused.value.message_dict["name"] == ["A federation with this name already exists: choose another name."]
    assert Federation.objects.count() == 1


def test_invitation_accepted_records_consent_and_joins(founded):
    federation, _, coordinator = founded
    invited, invited_admin = provider_with_administrator("Ouse Homes")
    membership = services.federation_member_invite(
        federation=federation, provider_organisation=registry_record(invited), user=coordinator
    )
    assert membership.status == MembershipStatus.INVITED
    assert registry_record(invited) not in federation.members.all()
    services.federation_invitation_answer(membership=membership, user=invited_admin, accept=True)
    membership.refresh_from_db()
    assert (membership.status, membership.answered_by) == (MembershipStatus.ACTIVE, invited_admin)
    # A member, but its referrals stay its own until it chooses the joint inbox.
    assert membership.shares_inbox is False
    assert registry_record(invited) not in federation.members.all()
    services.federation_inbox_share_set(membership=membership, user=invited_admin, shares=True)
    assert registry_record(invited) in federation.members.all()


def test_only_the_invited_providers_administrator_answers(founded):
    federation, _, coordinator = founded
    invited, _ = provider_with_administrator("Ouse Homes")
    membership = services.federation_member_invite(
        federation=federation, provider_organisation=registry_record(invited), user=coordinator
    )
    with pytest.raises(ValidationError):
        services.federation_invitation_answer(membership=membership, user=coordinator, accept=True)
    membership.refresh_from_db()
    assert (membership.status, membership.answered_at) == (MembershipStatus.INVITED, None)


def test_only_coordinators_invite_and_a_provider_is_invited_once(founded):
    federation, _, coordinator = founded
    invited, invited_admin = provider_with_administrator("Ouse Homes")
    with pytest.raises(ValidationError):
        services.federation_member_invite(
            federation=federation, provider_organisation=registry_record(invited), user=invited_admin
        )
    services.federation_member_invite(
        federation=federation, provider_organisation=registry_record(invited), user=coordinator
    )
    with pytest.raises(ValidationError):
        services.federation_member_invite(
            federation=federation, provider_organisation=registry_record(invited), user=coordinator
        )
    assert FederationMembership.objects.filter(provider_organisation=registry_record(invited)).count() == 1


def _joined(federation, coordinator, name):
    organisation, administrator = provider_with_administrator(name)
    membership = services.federation_member_invite(
        federation=federation, provider_organisation=registry_record(organisation), user=coordinator
    )
    services.federation_invitation_answer(membership=membership, user=administrator, accept=True, shares_inbox=True)
    membership.refresh_from_db()
    return membership, administrator


def test_a_member_leaves_and_the_record_stays(founded):
    federation, _, coordinator = founded
    membership, administrator = _joined(federation, coordinator, "Ouse Homes")
    services.federation_member_leave(membership=membership, user=administrator)
    membership.refresh_from_db()
    assert (membership.status, membership.ended_by) == (MembershipStatus.LEFT, administrator)
    assert membership.answered_at is not None  # the consent once given stays on record
    assert membership.provider_organisation not in federation.members.all()


def test_the_last_member_cannot_leave(founded):
    federation, _, administrator = founded
    membership = FederationMembership.objects.get(federation=federation)
    with pytest.raises(ValidationError, match="dissolve the federation instead"):
        services.federation_member_leave(membership=membership, user=administrator)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


def test_a_coordinator_is_chosen_from_the_members_people_and_stands_down(founded):
    federation, _, coordinator = founded
    _, other_admin = _joined(federation, coordinator, "Ouse Homes")
    _outsider_organisation, outsider = provider_with_administrator("Elsewhere Homes")
    with pytest.raises(ValidationError):
        services.federation_coordinator_appoint(federation=federation, person=outsider, user=coordinator)
    appointment = services.federation_coordinator_appoint(federation=federation, person=other_admin, user=coordinator)
    assert Membership.objects.filter(user=other_admin, organisation=federation.organisation).exists()
    services.federation_coordinator_stand_down(appointment=appointment, user=coordinator)
    assert not Membership.objects.filter(user=other_admin, organisation=federation.organisation).exists()
    appointment.refresh_from_db()
    assert appointment.ended_by == coordinator
    assert CoordinatorAppointment.objects.filter(federation=federation).count() == 2


def test_the_last_coordinator_cannot_stand_down(founded):
    federation, _, coordinator = founded
    appointment = CoordinatorAppointment.objects.get(federation=federation)
    with pytest.raises(ValidationError, match="needs a coordinator"):
        services.federation_coordinator_stand_down(appointment=appointment, user=coordinator)
    appointment.refresh_from_db()
    assert appointment.ended_at is None


def test_dissolving_ends_everything_and_keeps_the_history(founded):
    federation, _, coordinator = founded
    membership, _ = _joined(federation, coordinator, "Ouse Homes")
    pending_organisation, _ = provider_with_administrator("Swale Homes")
    invitation = services.federation_member_invite(
        federation=federation, provider_organisation=registry_record(pending_organisation), user=coordinator
    )
    with pytest.raises(ValidationError):
        services.federation_dissolve(federation=federation, user=coordinator, reason="  ")
    services.federation_dissolve(federation=federation, user=coordinator, reason="Members merged.")
    statuses = dict(FederationMembership.objects.filter(federation=federation).values_list("pk", "status"))
    assert statuses[membership.pk] == MembershipStatus.DISSOLVED
    assert statuses[invitation.pk] == MembershipStatus.WITHDRAWN
    assert len(statuses) == 3
    assert federation.members.count() == 0
    assert not Membership.objects.filter(organisation=federation.organisation).exists()
    federation.profile.refresh_from_db()
    assert federation.profile.dissolution_reason == "Members merged."
    with pytest.raises(ValidationError, match="dissolved"):
        services.federation_member_invite(
            federation=federation, provider_organisation=registry_record(pending_organisation), user=coordinator
        )


def test_leeds_is_in_the_reference_data(reference_data):
    assert LocalAuthority.objects.filter(ons_code="E08000035", name="Leeds").exists()
