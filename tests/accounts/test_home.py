"""The home page per role, with its next actions and their counts (issue 16 part 6)."""

from __future__ import annotations

import datetime
import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, MembershipRole
from accounts.services import invitation_create
from commissioning import services as commissioning_services
from commissioning.models import Placement, PlacementRequest
from providers import services as provider_services
from tests.commissioning.conftest import Journey, clock_after_sending, journey, referral_details
from tests.conftest import Cast
from tests.factories import MembershipFactory, totp_activate

__all__ = ["clock_after_sending", "journey"]  # fixtures shared with the commissioning tests

RESEARCH_PAGES = (
    "market:dashboards",
    "market:dashboards_present",
    "market:dashboards_scenarios",
    "market:dashboards_costs",
    "market:dashboards_method",
    "transparency:barometer",
    "registry:homes",
)


def home_of(client: Client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    # One line of plain text per page, so a sentence split over template lines still matches.
    return re.sub(r"\s+", " ", response.content.decode())


def links(page: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', page))


def test_the_public_home_leads_to_sign_in_the_dashboards_presentation_and_scenarios(client: Client, db):
    page = home_of(client)

    assert {reverse(name) for name in (*RESEARCH_PAGES, "account_login")} <= links(page)
    assert "Researchers, conference organisers and the public" in page
    assert "Referrals and placements" not in page


def test_an_organiser_home_leads_to_the_dashboards_and_not_to_referrals(client: Client, cast: Cast):
    client.force_login(cast.organiser)
    page = home_of(client)

    assert {reverse(name) for name in RESEARCH_PAGES} <= links(page)
    assert "Market dashboards and research" in page
    assert "Referrals and placements" not in page
    assert "Referrals to your homes" not in page
    assert reverse("admin:index") not in links(page)


def test_a_commissioner_sees_offers_to_decide_referrals_drafts_and_placements_counted(
    client: Client, journey: Journey, clock_after_sending: datetime.datetime
):
    journey.send()
    journey.offer("p")
    another_draft = commissioning_services.placement_request_create(
        organisation=journey.cast.local_authority_a,
        details=referral_details(journey.cast),
        created_by=journey.cast.commissioner_a,
    )
    authority = journey.cast.local_authority_a.local_authority
    assert authority is not None
    Placement.objects.create(local_authority=authority, home=journey.home_q, start_date=datetime.date(2026, 1, 5))
    Placement.objects.create(
        local_authority=authority,
        home=journey.home_q,
        start_date=datetime.date(2025, 1, 5),
        end_date=datetime.date(2025, 12, 31),
    )  # ended before today: not current
    client.force_login(journey.cast.commissioner_a)

    page = home_of(client)

    assert another_draft.status == PlacementRequest.Status.DRAFT
    assert "1 offer from providers, waiting for your decision" in page
    assert "1 sent to providers and still open" in page
    assert "1 referral started and not yet sent" in page
    assert "1 current placement (started and not ended today)" in page
    assert {
        reverse("commissioning:referral_create"),
        reverse("commissioning:placement_list"),
        reverse("trust:relationship_list"),
    } <= links(page)


def test_another_authoritys_commissioner_sees_none_of_it_and_what_to_do_next(
    client: Client, journey: Journey, clock_after_sending: datetime.datetime
):
    journey.send()
    journey.offer("p")
    client.force_login(journey.cast.commissioner_b)

    page = home_of(client)

    assert "None yet. Providers' offers appear here when they answer a referral you sent." in page
    assert "None open. Make a referral when a child needs a home." in page
    assert "No current placement. A placement starts when you accept an offer." in page
    assert reverse("commissioning:referral_create") in links(page)


def test_provider_staff_see_referrals_to_answer_vacancies_and_homes_without_a_profile(
    client: Client, journey: Journey, clock_after_sending: datetime.datetime
):
    journey.send()
    provider_services.vacancy_add(
        home=journey.home_p1, user=journey.cast.provider_p, places=2, available_from=datetime.date(2026, 3, 1)
    )
    client.force_login(journey.cast.provider_p)

    page = home_of(client)

    assert "1 waiting for your answer; each closes at its deadline" in page
    assert "2 places free now or expected, across your 2 open homes" in page
    assert "2 homes with no profile yet" in page
    assert "Your notifications</a>: 1 unread" in page
    expected = {reverse(name) for name in ("commissioning:invitation_list", "providers:homes", "federations:yours")}
    assert expected <= links(page)
    assert "Referrals and placements" not in page


def test_provider_staff_with_no_home_are_told_what_to_do(client: Client, cast: Cast):
    client.force_login(cast.provider_q)

    page = home_of(client)

    assert "None waiting. New referrals appear here and in your notifications" in page
    assert "You keep no open home yet. Ask your organisation's administrator if this is wrong." in page
    assert "Your notifications</a>: none unread" in page


def test_a_staff_administrator_is_led_to_the_admin_and_the_recompute(client: Client, cast: Cast):
    client.force_login(cast.admin)

    page = home_of(client)

    assert {reverse("admin:index"), reverse("admin:market_recomputerun_changelist")} <= links(page)
    assert "Referrals and placements" not in page
    assert "You do not belong to an organisation yet." in page


def test_an_organisation_admin_sees_the_invitations_still_waiting_and_members_do_not(client: Client, cast: Cast):
    for email in ("waiting@example.org", "revoked@example.org"):
        invitation_create(
            organisation=cast.local_authority_a,
            email=email,
            role=MembershipRole.MEMBER,
            invited_by=cast.commissioner_a,
        )
    Invitation.objects.filter(email="revoked@example.org").update(revoked_at=timezone.now())
    colleague = MembershipFactory(organisation=cast.local_authority_a).user  # a member, not an admin
    totp_activate(colleague)

    client.force_login(cast.commissioner_a)
    admin_page = home_of(client)
    client.force_login(colleague)
    member_page = home_of(client)

    assert "1 invitation you or your fellow administrators sent is waiting to be accepted" in admin_page
    assert "waiting to be accepted" not in member_page
