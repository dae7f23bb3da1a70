"""Sending a referral on a 390 px phone, in a real browser (Debian's Chromium): the commissioner
checks the answers, changes one through its "Change" link, sends; compares the offers and accepts
one; reads the placements list. No page scrolls sideways; the wide tables scroll in their own
focusable boxes; axe-core finds nothing serious or critical on the way.

Run with `pytest -m browser`. Without Chromium or axe-core (`npm ci`) the test skips, unless
REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, ViewportSize, expect

from commissioning import services
from commissioning.models import Invitation, PlacementRequest
from tests.browser.test_journey import (
    AXE,
    NEED,
    SUMMARY,
    Accessibility,
    Homes,
    arrive,
    browser,
    click_and_wait,
    homes,
    make_referral,
    sign_in,
)
from tests.conftest import Cast, require_service

__all__ = ["browser", "homes"]  # the fixtures, shared with the journey's test

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser | None) -> Iterator[Page]:
    require_service("Chromium", browser is not None, "/usr/bin/chromium is missing (apt-get install chromium)")
    require_service("axe-core", AXE.exists(), f"{AXE} is missing (npm ci)")
    assert browser is not None
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Europe/London")
    yield context.new_page()
    context.close()


def page_width(page: Page) -> int:
    """How wide the page's content is: more than the window means it scrolls sideways."""
    return int(page.evaluate("() => document.documentElement.scrollWidth"))


def assert_no_sideways_scroll(page: Page) -> None:
    assert page_width(page) <= PHONE["width"], f"{page.url} is {page_width(page)} px wide on a 390 px phone"


def _offers_made(cast: Cast, homes: Homes) -> None:
    """P offers Elm House and Q Oak Lodge, through the service (their pages have tests of their own)."""
    for user, organisation, home, core in [
        (cast.provider_p, cast.provider_organisation_p, homes.offered, "5000.00"),
        (cast.provider_q, cast.provider_organisation_q, homes.declined, "4600.00"),
    ]:
        services.offer_make(
            invitation=Invitation.objects.get(provider_organisation__organisation=organisation), home=home,
            start_date=timezone.localdate() + datetime.timedelta(days=14),
            fees=services.WeeklyFees(core=Decimal(core), additional_support=Decimal("369.66")),
            conditions="", made_by=user,
        )  # fmt: skip


def test_check_send_compare_and_accept_on_a_phone(phone: Page, live_server, cast: Cast, homes: Homes) -> None:
    base = live_server.url
    axe = Accessibility()
    authority = cast.local_authority_a.local_authority
    assert authority is not None
    start_by = timezone.localdate() + datetime.timedelta(days=30)

    sign_in(phone, base, cast.commissioner_a, "phone-commissioner", axe)
    phone.goto(f"{base}/referrals/new/")
    make_referral(phone, authority.name, start_by, SUMMARY)

    # Check your answers: nothing is sent yet; every answer can be changed.
    arrive(phone, re.compile(r"^Check and send referral \d+$"), axe, "phone-check-answers")
    assert_no_sideways_scroll(phone)
    referral = PlacementRequest.objects.get()
    assert referral.status == PlacementRequest.Status.DRAFT
    answers = phone.locator(".govuk-summary-list").first
    expect(answers).to_contain_text(NEED)
    expect(answers).to_contain_text("14")
    with phone.expect_navigation():
        phone.get_by_role("link", name="Change age", exact=True).click()
    assert phone.url.endswith(f"/referrals/{referral.pk}/edit/#id_age_years")
    phone.get_by_label("Age in years", exact=True).fill("15")
    click_and_wait(phone, "button", "Save and check which homes it reaches")
    arrive(phone, f"Check and send referral {referral.pk}", axe, "phone-check-answers-changed")
    expect(phone.locator(".govuk-summary-list").first).to_contain_text("15")
    expect(phone.locator("main")).to_contain_text("Fit 1 of a possible 1: registered for 1 of the 1 needs asked for")
    expect(phone.locator("main")).to_contain_text("0 km in a straight line from the centre of")
    click_and_wait(phone, "button", "Send referral")
    arrive(phone, f"Referral {referral.pk} Sent", axe, "phone-sent")
    assert_no_sideways_scroll(phone)
    assert Invitation.objects.filter(placement_request=referral).count() == 2

    # Both providers offer; the commissioner compares on the phone and accepts P's.
    _offers_made(cast, homes)
    phone.reload()
    arrive(phone, f"Referral {referral.pk} Sent", axe, "phone-offers")
    assert_no_sideways_scroll(phone)
    offers_box = phone.get_by_role("region", name="Offers compared (scrolls sideways)")
    expect(offers_box).to_have_attribute("tabindex", "0")
    expect(offers_box).to_contain_text("£5,369.66")
    click_and_wait(phone, "button", "Accept the offer from Provider P")
    arrive(phone, "Accept the offer from Provider P", axe, "phone-accept")
    assert_no_sideways_scroll(phone)
    phone.get_by_label("Reason", exact=True).fill("Near her school.")
    click_and_wait(phone, "button", "Accept this offer")
    arrive(phone, f"Referral {referral.pk} Placed", axe, "phone-placed")
    assert_no_sideways_scroll(phone)
    expect(offers_box).to_contain_text("Not selected: placed with Provider P")
    expect(offers_box).not_to_contain_text("\N{EN DASH}")  # what fit and distance read when lost

    # The placements list says who the placement is with, and what it costs.
    phone.goto(f"{base}/placements/")
    arrive(phone, "Placements", axe, "phone-placements")
    assert_no_sideways_scroll(phone)
    placements = phone.get_by_role("region", name="Placements (scrolls sideways)")
    expect(placements).to_contain_text("Elm House")
    expect(placements).to_contain_text("Provider P")
    expect(placements).to_contain_text("£5,369.66")
    expect(placements.get_by_role("link", name=f"Referral {referral.pk}")).to_be_visible()

    assert axe.violations == [], "axe-core found serious or critical problems:\n" + "\n".join(axe.violations)
