"""A federation's whole story in a real browser (Debian's Chromium), issue 14 part 8: provider
R's administrator forms a federation (an empty form first, to see the errors), invites provider
P; P's administrator accepts and shares the joint inbox; authority A sends P a referral; the
coordinator finds it in the joint inbox and offers one of P's homes for P; P is told, and sees
the offer it can withdraw. Every page is checked with axe-core.

Run with `pytest -m browser`. Without Chromium or axe-core the test skips, unless REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from commissioning import services as commissioning
from federations.models import FederatedOffer, FederationMembership, MembershipStatus
from providers.models import Need
from providers.needs import needs_seed_into
from tests.browser.dates import date_fill
from tests.browser.test_journey import AXE, Accessibility, arrive, click_and_wait, sign_in, type_into
from tests.browser.test_keyboard import TITLE_SUFFIX, browser
from tests.commissioning.conftest import provider_of, referral_details
from tests.conftest import Cast, require_service
from tests.factories import HomeFactory
from tests.federations.samples import provider_with_administrator

__all__ = ["browser"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "Aire and Calder Federation"


@pytest.fixture
def two_people(browser: Browser | None) -> Iterator[list[Page]]:
    require_service("Chromium", browser is not None, "/usr/bin/chromium is missing (apt-get install chromium)")
    require_service("axe-core", AXE.exists(), f"{AXE} is missing (npm ci)")
    assert browser is not None
    contexts = [
        browser.new_context(viewport={"width": 1024, "height": 900}, locale="en-GB", timezone_id="Europe/London")
        for _ in range(2)
    ]
    yield [context.new_page() for context in contexts]
    for context in contexts:
        context.close()


def form_federation(page: Page, axe: Accessibility) -> None:
    click_and_wait(page, "link", "Form a federation")
    arrive(page, "Form a federation", axe, "federation-form")
    click_and_wait(page, "button", "Form the federation")  # nothing filled in
    arrive(page, "Form a federation", axe, "federation-form-error")
    expect(page).to_have_title(f"Error: Form a federation{TITLE_SUFFIX}")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the federation's name.")
    type_into(page, "Name", NAME)
    type_into(page, "Purpose", "Small homes around Leeds answering referrals together.")
    type_into(page, "Charter", "We answer every referral within a working day, with a reason.")
    page.get_by_label("Local authorities it serves", exact=True).select_option(label="Leeds")
    click_and_wait(page, "button", "Form the federation")
    arrive(page, NAME, axe, "federation-formed")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{NAME} is formed.")


def test_form_invite_accept_and_offer_for_a_member_from_the_joint_inbox(
    two_people: list[Page], live_server, cast: Cast
) -> None:
    needs_seed_into(Need)  # a transactional test's flush removed the migration's list
    base = live_server.url
    axe = Accessibility()
    coordinator_page, member_page = two_people
    _, coordinator = provider_with_administrator("Provider R")

    # R's administrator forms the federation and invites provider P.
    sign_in(coordinator_page, base, coordinator, "coordinator", axe)
    coordinator_page.goto(f"{base}/your-federations/")
    arrive(coordinator_page, "Your federations", axe, "coordinator-federations")
    form_federation(coordinator_page, axe)
    click_and_wait(coordinator_page, "link", "Invite a provider")
    arrive(coordinator_page, "Invite a provider", axe, "federation-invite")
    coordinator_page.get_by_label("Provider to invite", exact=True).select_option(label="Provider P")
    click_and_wait(coordinator_page, "button", "Send the invitation")
    arrive(coordinator_page, NAME, axe, "federation-invited")
    expect(coordinator_page.get_by_role("row").filter(has_text="Provider P")).to_contain_text("Invited")

    # P's administrator accepts, sharing the joint inbox: the consent is recorded.
    sign_in(member_page, base, cast.provider_p, "member", axe)
    member_page.goto(f"{base}/your-federations/")
    arrive(member_page, "Your federations", axe, "member-federations")
    click_and_wait(member_page, "link", f"{NAME} invites Provider P")
    arrive(member_page, f"Join {NAME}?", axe, "member-invitation")
    member_page.get_by_label("Share our referrals with the joint inbox", exact=True).check()
    click_and_wait(member_page, "button", "Accept and join")
    arrive(member_page, NAME, axe, "member-joined")
    expect(member_page.get_by_role("row").filter(has_text="Provider P")).to_contain_text("Shares the joint inbox")
    consent = FederationMembership.objects.get(provider_organisation__organisation=cast.provider_organisation_p)
    assert (consent.status, consent.answered_by, consent.shares_inbox) == (
        MembershipStatus.ACTIVE, cast.provider_p, True,
    )  # fmt: skip

    # Authority A sends P a referral.
    home = HomeFactory(name="Elm House", provider_organisation=provider_of(cast.provider_organisation_p))
    draft = commissioning.placement_request_create(
        organisation=cast.local_authority_a,
        details=referral_details(cast, start_by=timezone.localdate() + datetime.timedelta(days=30)),
        created_by=cast.commissioner_a,
    )
    commissioning.placement_request_send(placement_request=draft, homes=[home], sent_by=cast.commissioner_a)

    # The coordinator finds it in the joint inbox and offers Elm House for P.
    coordinator_page.reload()
    click_and_wait(coordinator_page, "link", "Open the joint inbox")
    arrive(coordinator_page, "Joint inbox", axe, "joint-inbox")
    referral_row = coordinator_page.get_by_role("row").filter(has_text=f"Referral {draft.pk}")
    expect(referral_row).to_contain_text("Provider P")
    with coordinator_page.expect_navigation():
        referral_row.get_by_role("link", name=re.compile(r"^Offer for Provider P")).click()
    arrive(coordinator_page, "Offer a home for Provider P", axe, "federation-offer-form")
    coordinator_page.get_by_label("Elm House", exact=True).check()
    start = timezone.localdate() + datetime.timedelta(days=14)
    date_fill(coordinator_page, "start_date", start)
    type_into(coordinator_page, "Core weekly fee (£)", "5200.00")
    click_and_wait(coordinator_page, "button", "Send the offer for Provider P")
    arrive(coordinator_page, "Joint inbox", axe, "federation-offered")
    expect(coordinator_page.locator(".govuk-notification-banner")).to_contain_text("Offer sent for Provider P.")

    # P is told, and sees the offer made for it, which it can still withdraw.
    member_page.goto(f"{base}/")
    click_and_wait(member_page, "link", "Notifications")
    arrive(member_page, "Notifications", axe, "member-notifications")
    with member_page.expect_navigation():
        member_page.get_by_role("link", name=re.compile(rf"^{NAME} offered Elm House")).click()
    arrive(member_page, f"Offer made for you by {NAME}", axe, "member-offer")
    expect(member_page.locator("main")).to_contain_text("£5,200.00")
    expect(member_page.get_by_role("button", name="Withdraw the offer")).to_be_visible()
    offer = FederatedOffer.objects.get()
    assert (offer.provider_organisation.organisation, offer.offer.home, offer.made_by) == (
        cast.provider_organisation_p, home, coordinator,
    )  # fmt: skip

    assert axe.violations == [], "axe-core found serious or critical problems:\n" + "\n".join(axe.violations)
