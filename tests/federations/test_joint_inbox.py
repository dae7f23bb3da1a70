"""The joint inbox (issue 14 part 3): referrals to members who share it reach the coordinators,
never those of members who keep their own; a coordinator offers for a member with one of its
homes; the member is told and may withdraw within the set time; decline reasons are gathered
per federation; the matching preview shows membership and sends to a federation as one."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import Notification, User
from commissioning import services as commissioning
from commissioning.models import DeclineReason, Invitation, Offer, PlacementRequest
from commissioning.selectors import inbox_of
from federations import selectors, services
from federations.models import FederatedOffer
from providers.models import Federation, Home
from tests.commissioning.conftest import SENT_AT, provider_of, referral_details
from tests.commissioning.sending import confirmation
from tests.conftest import Cast
from tests.factories import AdminMembershipFactory, HomeFactory
from tests.federations.samples import federation_formed, provider_with_administrator, registry_record
from tests.idempotency import keyed

pytestmark = pytest.mark.django_db


@dataclass
class Inbox:
    federation: Federation
    coordinator: User
    referral: PlacementRequest
    home_p: Home
    home_q: Home

    def invitation(self, organisation) -> Invitation:
        return Invitation.objects.get(placement_request=self.referral, provider_organisation__organisation=organisation)


@pytest.fixture
def clock() -> Iterator[datetime.datetime]:
    moment = SENT_AT + datetime.timedelta(hours=1)
    with time_machine.travel(moment, tick=False):
        yield moment


@pytest.fixture
def inbox(cast: Cast, clock) -> Inbox:
    """R's administrator forms F and coordinates it; P joins sharing the inbox, Q joins keeping its
    own; authority A sends a referral to a home of P and a home of Q."""
    organisation_r, coordinator = provider_with_administrator("Provider R")
    federation = federation_formed(organisation=organisation_r, administrator=coordinator, name="Federation F")
    admin_of_q = AdminMembershipFactory(organisation=cast.provider_organisation_q).user
    for organisation, administrator, shares in (
        (cast.provider_organisation_p, cast.provider_p, True),
        (cast.provider_organisation_q, admin_of_q, False),
    ):
        invited = services.federation_member_invite(
            federation=federation, provider_organisation=registry_record(organisation), user=coordinator
        )
        services.federation_invitation_answer(membership=invited, user=administrator, accept=True, shares_inbox=shares)
    draft = commissioning.placement_request_create(
        organisation=cast.local_authority_a, details=referral_details(cast), created_by=cast.commissioner_a
    )
    home_p = HomeFactory(provider_organisation=provider_of(cast.provider_organisation_p))
    home_q = HomeFactory(provider_organisation=provider_of(cast.provider_organisation_q))
    commissioning.placement_request_send(
        placement_request=draft, homes=[home_p, home_q], sent_by=cast.commissioner_a, now=SENT_AT
    )
    return Inbox(federation, coordinator, draft, home_p, home_q)


def _offer(inbox: Inbox, cast: Cast) -> FederatedOffer:
    return services.federation_offer_make(
        federation=inbox.federation, invitation=inbox.invitation(cast.provider_organisation_p), home=inbox.home_p,
        start_date=datetime.date(2026, 3, 16), fees=commissioning.WeeklyFees(core=Decimal("5200.00")),
        conditions="", user=inbox.coordinator,
    )  # fmt: skip


def test_only_referrals_to_sharing_members_reach_the_joint_inbox(inbox: Inbox, cast: Cast):
    to_p = inbox.invitation(cast.provider_organisation_p)
    assert list(selectors.joint_inbox_of(inbox.federation, inbox.coordinator)) == [to_p]
    assert list(inbox_of(inbox.coordinator)) == [to_p]  # commissioning's own scoped inbox agrees
    # Q's own people still see theirs; nobody outside the federation reads its inbox.
    assert selectors.joint_inbox_of(inbox.federation, cast.provider_q).count() == 0
    assert selectors.joint_inbox_of(inbox.federation, cast.commissioner_a).count() == 0


def test_a_coordinator_offers_for_a_member_who_is_told(inbox: Inbox, cast: Cast):
    federated = _offer(inbox, cast)
    offer = federated.offer
    assert (offer.home, offer.status, offer.made_by) == (inbox.home_p, Offer.Status.OPEN, inbox.coordinator)
    assert federated.withdrawable_until == federated.made_at + datetime.timedelta(hours=24)
    told = Notification.objects.get(
        organisation=cast.provider_organisation_p, url__contains="/your-federations/offers/"
    )
    assert "Federation F offered" in told.message
    assert inbox.invitation(cast.provider_organisation_p).status == Invitation.Status.OFFERED


def test_no_offer_for_a_member_keeping_its_own_inbox(inbox: Inbox, cast: Cast):
    with pytest.raises((ValidationError, Invitation.DoesNotExist)):
        services.federation_offer_make(
            federation=inbox.federation, invitation=inbox.invitation(cast.provider_organisation_q),
            home=inbox.home_q, start_date=datetime.date(2026, 3, 16),
            fees=commissioning.WeeklyFees(core=Decimal("5200.00")), conditions="", user=inbox.coordinator,
        )  # fmt: skip
    assert Offer.objects.count() == 0


def test_the_withdraw_page_shows_the_fee_in_pounds_and_pence(inbox: Inbox, cast: Cast, client: Client):
    federated = _offer(inbox, cast)
    client.force_login(cast.provider_p)

    text = client.get(reverse("federations:offer_withdraw", args=[federated.pk])).content.decode()

    assert "£5,200.00" in text
    assert "£5200.00" not in text


def test_the_member_withdraws_within_the_set_time(inbox: Inbox, cast: Cast):
    federated = _offer(inbox, cast)
    services.federated_offer_withdraw(federated_offer=federated, user=cast.provider_p)
    federated.refresh_from_db()
    federated.offer.refresh_from_db()
    assert federated.withdrawn_by == cast.provider_p
    assert federated.offer.status == Offer.Status.WITHDRAWN
    assert inbox.invitation(cast.provider_organisation_p).status == Invitation.Status.OPEN  # may be answered again
    assert Notification.objects.filter(organisation=cast.local_authority_a, message__contains="withdrew").exists()
    assert Notification.objects.filter(
        organisation=inbox.federation.organisation, message__contains="withdrew"
    ).exists()


def test_after_the_set_time_the_offer_stands(inbox: Inbox, cast: Cast, clock):
    federated = _offer(inbox, cast)
    later = time_machine.travel(clock + datetime.timedelta(hours=25), tick=False)
    with later, pytest.raises(ValidationError, match="The time to withdraw this offer ended"):
        services.federated_offer_withdraw(federated_offer=federated, user=cast.provider_p)
    federated.offer.refresh_from_db()
    assert federated.offer.status == Offer.Status.OPEN


def test_only_the_members_own_people_withdraw(inbox: Inbox, cast: Cast):
    federated = _offer(inbox, cast)
    with pytest.raises(ValidationError):
        services.federated_offer_withdraw(federated_offer=federated, user=inbox.coordinator)
    federated.offer.refresh_from_db()
    assert federated.offer.status == Offer.Status.OPEN


def test_decline_reasons_are_gathered_per_federation(inbox: Inbox, cast: Cast):
    commissioning.invitation_decline(
        invitation=inbox.invitation(cast.provider_organisation_p), reason=DeclineReason.STAFFING, note="",
        declined_by=inbox.coordinator,
    )  # fmt: skip
    commissioning.invitation_decline(
        invitation=inbox.invitation(cast.provider_organisation_q), reason=DeclineReason.LOCATION, note="",
        declined_by=AdminMembershipFactory(organisation=cast.provider_organisation_q).user,
    )  # fmt: skip
    # Q keeps its own inbox: its decline is its own, not the federation's.
    assert selectors.decline_reasons_of(inbox.federation, inbox.coordinator) == [("Staffing", 1)]


def test_the_inbox_and_offer_pages_answer_the_coordinator_only(inbox: Inbox, cast: Cast, client: Client):
    slug = inbox.federation.organisation.slug
    to_p = inbox.invitation(cast.provider_organisation_p)
    pages = [reverse("federations:inbox", args=[slug]), reverse("federations:offer", args=[slug, to_p.pk])]
    _, outsider = provider_with_administrator("Provider Z")
    for user, expected in ((inbox.coordinator, 200), (cast.provider_p, 404), (cast.provider_q, 404), (outsider, 404)):
        client.force_login(user)
        assert [client.get(page).status_code for page in pages] == [expected, expected], user
    client.force_login(inbox.coordinator)
    assert f"Offer for {cast.provider_organisation_p.name}" in client.get(pages[0]).content.decode()
    data = keyed({
        "home": inbox.home_p.pk, "start_date": "2026-03-16", "weekly_fee_core": "5200.00", "conditions": "",
    })  # fmt: skip
    assert client.post(pages[1], data).status_code == 302
    assert client.post(pages[1], data).status_code == 302  # a repeat writes once
    assert FederatedOffer.objects.count() == 1


def test_the_preview_shows_membership_and_sends_to_the_federation_as_one(cast: Cast, clock, client: Client):
    organisation_r, coordinator = provider_with_administrator("Provider R")
    federation = federation_formed(organisation=organisation_r, administrator=coordinator, name="Federation F")
    invited = services.federation_member_invite(
        federation=federation, provider_organisation=registry_record(cast.provider_organisation_p), user=coordinator
    )
    services.federation_invitation_answer(membership=invited, user=cast.provider_p, accept=True, shares_inbox=True)
    draft = commissioning.placement_request_create(
        organisation=cast.local_authority_a,
        details=referral_details(cast, start_by=datetime.date(2026, 3, 20)),
        created_by=cast.commissioner_a,
    )
    from commissioning.matching import Candidate

    member_home = HomeFactory(provider_organisation=provider_of(cast.provider_organisation_p))
    other_home = HomeFactory(provider_organisation=provider_of(cast.provider_organisation_q))
    candidates = [Candidate(member_home, member_home.provider_organisation, 5.0, 3),
                  Candidate(other_home, other_home.provider_organisation, 6.0, 3)]  # fmt: skip
    from unittest import mock

    client.force_login(cast.commissioner_a)
    with mock.patch("commissioning.matching.candidate_homes", side_effect=lambda *a, **k: _federated(candidates)):
        url = reverse("commissioning:referral_preview", args=[draft.pk])
        page = client.get(url).content.decode()
        assert "Federation F</a> answers for 1 of these homes in one joint inbox." in page
        assert "Member of Federation F (joint inbox)" in page
        client.post(
            url, confirmation(page, {"homes": [member_home.pk, other_home.pk], "federation": str(federation.pk)})
        )
    sent_to = set(Invitation.objects.filter(placement_request=draft).values_list("provider_organisation", flat=True))
    assert sent_to == {member_home.provider_organisation_id}


def _federated(candidates):
    from commissioning.matching import _with_federations

    return _with_federations(candidates)


def test_commissionings_offer_page_sends_a_coordinator_to_the_joint_inbox(inbox: Inbox, cast: Cast, client: Client):
    """So every offer a coordinator makes for a member is recorded and the member told."""
    to_p = inbox.invitation(cast.provider_organisation_p)
    client.force_login(inbox.coordinator)
    response = client.get(reverse("commissioning:offer_create", args=[to_p.pk]))
    assert response["Location"] == reverse("federations:offer", args=[inbox.federation.organisation.slug, to_p.pk])
    client.force_login(cast.provider_p)  # the member's own people offer as before
    assert client.get(reverse("commissioning:offer_create", args=[to_p.pk])).status_code == 200
