"""The whole placement journey in a real browser (Debian's Chromium), as three people do it:
a commissioner makes a referral, previews the homes it reaches and sends it; provider P
offers a home; provider Q declines; the commissioner compares and accepts P's offer; both
providers see the outcome. Every page on the way is checked with axe-core, and none may have
a violation of impact "serious" or "critical".

Run with `pytest -m browser`. Without Chromium or axe-core (`npm ci`) the test skips, unless
REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import Organisation, User
from commissioning.models import Placement
from providers import services as provider_services
from providers.models import Home, Need, RegisteredSex
from providers.needs import needs_seed_into
from tests.accounts.helpers import totp_code_now
from tests.browser.dates import date_fill
from tests.browser.test_keyboard import (
    TITLE_SUFFIX,
    browser,
    enter_code,
    page,
    screenshot,
    sign_in_with_keyboard,
)
from tests.commissioning.conftest import provider_of
from tests.conftest import Cast, require_service
from tests.factories import PASSWORD, HomeFactory

__all__ = ["browser", "page"]  # the fixtures, shared with the keyboard tests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
# Runs every axe rule on the whole document; returns the violations that fail the test.
AXE_RUN_JS = """async (impacts) => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations
    .filter(violation => impacts.includes(violation.impact))
    .map(violation => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map(node => node.target.join(' ')),
    }));
}"""
# The pages checked, in the order the journey reaches them.
JOURNEY_PAGES = [
    *("commissioner-sign-in", "commissioner-security-code", "commissioner-home"),
    *("referral-list", "referral-form", "referral-form-error", "referral-preview", "referral-sent"),
    *("provider-p-sign-in", "provider-p-security-code", "provider-p-home"),
    *("provider-p-inbox", "provider-p-referral", "provider-p-offer-form", "provider-p-offered"),
    *("provider-q-sign-in", "provider-q-security-code", "provider-q-home"),
    *("provider-q-referral", "provider-q-decline", "provider-q-declined"),
    *("commissioner-attention", "referral-offers", "offer-accept", "referral-placed"),
    *("provider-p-notifications", "provider-p-outcome", "provider-q-notifications", "provider-q-outcome"),
]
NEED = "Emotional and behavioural difficulties"
SUMMARY = "Enjoys football and art; finds change hard and needs a calm home."
OFFER_REASON = "A calm home near her school, with a vacancy now."
DECLINE_NOTE = "We are recruiting two residential workers."


@dataclass
class Accessibility:
    """axe-core's findings on each page visited; asserted once the journey is over, so one
    run reports every page's problems."""

    pages: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def check(self, page: Page, name: str) -> None:
        # Evaluated by the test harness, not added as an inline <script>: the pages' CSP allows
        # no inline script without the request's nonce, and the harness is not the page.
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(f"() => {{ {AXE.read_text()}\n}}")
        found = page.evaluate(AXE_RUN_JS, list(FAILING_IMPACTS))
        self.pages.append(name)
        self.violations += [
            f"{name} ({page.url}): {v['impact']} {v['id']}: {v['help']}; at {', '.join(v['targets'])}" for v in found
        ]
        screenshot(page, f"journey-{len(self.pages):02d}-{name}")


@dataclass
class Homes:
    offered: Home  # P's, which P offers
    declined: Home  # Q's, for which Q declines
    unsuited: Home  # P's, registered for boys only: the preview leaves it out


@pytest.fixture
def homes(cast: Cast) -> Homes:
    needs_seed_into(Need)  # a transactional test's flush removed the migration's list
    authority = cast.local_authority_a.local_authority
    today = timezone.localdate()

    def home(name: str, organisation: Organisation, keeper: User, sexes: str = RegisteredSex.ANY) -> Home:
        made: Home = HomeFactory(name=name, provider_organisation=provider_of(organisation), local_authority=authority)
        provider_services.home_profile_update(
            home=made, user=keeper, age_minimum=11, age_maximum=17, sexes=sexes,
            needs=Need.objects.filter(label=NEED), statement_of_purpose="", takes_emergency_admissions=False,
        )  # fmt: skip
        provider_services.vacancy_add(home=made, user=keeper, places=1, available_from=today)
        return made

    return Homes(
        offered=home("Elm House", cast.provider_organisation_p, cast.provider_p),
        declined=home("Oak Lodge", cast.provider_organisation_q, cast.provider_q),
        unsuited=home("Ash Cottage", cast.provider_organisation_p, cast.provider_p, sexes=RegisteredSex.MALE),
    )


@pytest.fixture
def people(browser: Browser | None) -> Iterator[list[Page]]:
    """The commissioner's, P's and Q's own browsers (separate contexts: their own cookies)."""
    require_service("Chromium", browser is not None, "/usr/bin/chromium is missing (apt-get install chromium)")
    require_service("axe-core", AXE.exists(), f"{AXE} is missing (npm ci)")
    assert browser is not None
    contexts = [
        browser.new_context(viewport={"width": 1024, "height": 900}, locale="en-GB", timezone_id="Europe/London")
        for _ in range(3)
    ]
    yield [context.new_page() for context in contexts]
    for context in contexts:
        context.close()


def totp_secret_of(user: User) -> str:
    """The secret behind the authenticator the `cast` fixture gave the user."""
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return decrypt(authenticator.data["secret"])


def sign_in(page: Page, base: str, user: User, who: str, axe: Accessibility) -> None:
    page.goto(f"{base}/accounts/login/")
    axe.check(page, f"{who}-sign-in")
    sign_in_with_keyboard(page, base, user.email, PASSWORD)
    expect(page).to_have_url(f"{base}/accounts/2fa/authenticate/")
    axe.check(page, f"{who}-security-code")
    enter_code(page, totp_code_now(totp_secret_of(user)))
    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hello"))
    axe.check(page, f"{who}-home")


def arrive(page: Page, heading: str | re.Pattern[str], axe: Accessibility, name: str) -> None:
    """The page has loaded with this heading; check it."""
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    axe.check(page, name)


def type_into(page: Page, label: str, text: str) -> None:
    """Click into the field by its label, as a person would, and type."""
    page.get_by_label(label, exact=True).click()
    page.keyboard.type(text)


def click_and_wait(page: Page, role: Literal["button", "link"], name: str) -> None:
    """Click the link or button (GOV.UK styles some links as buttons) and wait for the next page."""
    with page.expect_navigation():
        page.get_by_role(role, name=name, exact=True).click()


def menu_click(page: Page, name: str) -> None:
    """Follow a link of the service's menu (the role's home page may link to the same place)."""
    with page.expect_navigation():
        page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True).click()


def long_date(day: datetime.date) -> str:
    return f"{day:%-d %B %Y}"


def make_referral(page: Page, authority_name: str, start_by: datetime.date, summary: str) -> None:
    type_into(page, "Age in years", "14")
    page.get_by_label("Girl", exact=True).check()
    page.get_by_label("Care order (section 31)", exact=True).check()
    page.get_by_label(NEED, exact=True).check()
    page.get_by_label("Going missing", exact=True).check()
    type_into(page, "Needs and strengths", summary)
    page.get_by_label("More than 5 days", exact=True).check()
    date_fill(page, "start_by", start_by)
    page.get_by_label("Long term", exact=True).check()
    page.get_by_label("Needs a school place", exact=True).check()
    page.get_by_label("The child's home authority", exact=True).select_option(label=authority_name)
    click_and_wait(page, "button", "Save and check which homes it reaches")


def test_the_whole_placement_journey(people: list[Page], live_server, cast: Cast, homes: Homes) -> None:
    base = live_server.url
    axe = Accessibility()
    commissioner, provider_p, provider_q = people
    authority = cast.local_authority_a.local_authority
    assert authority is not None
    today = timezone.localdate()
    start_by = today + datetime.timedelta(days=30)
    offered_start = today + datetime.timedelta(days=14)

    # The commissioner makes the referral, previews the homes it reaches and sends it.
    sign_in(commissioner, base, cast.commissioner_a, "commissioner", axe)
    menu_click(commissioner, "Referrals")
    arrive(commissioner, "Referrals", axe, "referral-list")
    click_and_wait(commissioner, "button", "Make a referral")
    arrive(commissioner, "New referral", axe, "referral-form")
    # A phone number in the summary would identify the child: refused, and nothing typed is lost.
    make_referral(commissioner, authority.name, start_by, f"{SUMMARY} Foster carer on 07700 900123.")
    arrive(commissioner, "New referral", axe, "referral-form-error")
    expect(commissioner).to_have_title(f"Error: New referral{TITLE_SUFFIX}")
    expect(commissioner.locator(".govuk-error-summary")).to_contain_text("phone number")
    expect(commissioner.get_by_label(NEED, exact=True)).to_be_checked()
    commissioner.get_by_label("Needs and strengths", exact=True).click()
    commissioner.keyboard.press("ControlOrMeta+A")
    commissioner.keyboard.type(SUMMARY)
    click_and_wait(commissioner, "button", "Save and check which homes it reaches")

    arrive(commissioner, re.compile(r"^Check and send referral \d+$"), axe, "referral-preview")
    referral_id = int(commissioner.get_by_role("heading", level=1).inner_text().rsplit(" ", 1)[1])
    expect(commissioner.locator("main")).to_contain_text("This referral would reach 2 homes run by 2 providers.")
    homes_listed = commissioner.locator(".govuk-checkboxes__label")
    expect(homes_listed).to_have_text(["Elm House (Provider P)", "Oak Lodge (Provider Q)"])
    expect(commissioner.get_by_label("Elm House (Provider P)")).to_be_checked()
    click_and_wait(commissioner, "button", "Send referral")

    arrive(commissioner, f"Referral {referral_id} Sent", axe, "referral-sent")
    expect(commissioner.locator(".govuk-notification-banner")).to_contain_text("Referral sent to 2 providers.")

    # Provider P offers Elm House.
    sign_in(provider_p, base, cast.provider_p, "provider-p", axe)
    menu_click(provider_p, "Referrals received")
    arrive(provider_p, "Referrals received", axe, "provider-p-inbox")
    click_and_wait(provider_p, "link", f"Referral {referral_id}")
    arrive(provider_p, f"Referral {referral_id} from {authority.name}", axe, "provider-p-referral")
    click_and_wait(provider_p, "button", "Offer a home")
    arrive(provider_p, "Offer a home", axe, "provider-p-offer-form")
    provider_p.get_by_label("Elm House", exact=True).check()
    date_fill(provider_p, "start_date", offered_start)
    type_into(provider_p, "Core weekly fee (£)", "5200.00")
    type_into(provider_p, "Additional support (£ a week)", "300.00")
    click_and_wait(provider_p, "button", "Send offer")
    arrive(provider_p, f"Referral {referral_id} from {authority.name}", axe, "provider-p-offered")
    expect(provider_p.locator("main")).to_contain_text("Offer sent to the local authority.")
    expect(provider_p.locator("main table").first).to_contain_text("£5,500.00")

    # Provider Q declines, with a reason, on one screen.
    sign_in(provider_q, base, cast.provider_q, "provider-q", axe)
    menu_click(provider_q, "Referrals received")
    click_and_wait(provider_q, "link", f"Referral {referral_id}")
    arrive(provider_q, f"Referral {referral_id} from {authority.name}", axe, "provider-q-referral")
    click_and_wait(provider_q, "button", "Decline")
    arrive(provider_q, "Decline this referral", axe, "provider-q-decline")
    provider_q.get_by_label("Staffing", exact=True).check()
    type_into(provider_q, "Note for the local authority", DECLINE_NOTE)
    click_and_wait(provider_q, "button", "Decline")
    arrive(provider_q, "Referrals received", axe, "provider-q-declined")
    expect(provider_q.locator("main")).to_contain_text("Declined. The local authority has been told.")

    # The commissioner compares the offers and accepts P's.
    commissioner.goto(f"{base}/")
    arrive(commissioner, re.compile(r"^Hello"), axe, "commissioner-attention")
    offer_to_consider = commissioner.get_by_role("listitem").filter(has_text="an offer of Elm House")
    with commissioner.expect_navigation():
        offer_to_consider.get_by_role("link", name=f"Referral {referral_id}").click()
    arrive(commissioner, f"Referral {referral_id} Sent", axe, "referral-offers")
    offers = commissioner.get_by_role("table", name="Offers compared")
    expect(offers.locator("tbody tr")).to_have_count(1)
    expect(offers).to_contain_text("Provider P")
    expect(offers).to_contain_text("£5,500.00")
    invited = commissioner.get_by_role("table", name="Providers invited and their answers")
    expect(invited).to_contain_text(f"Declined: Staffing ({DECLINE_NOTE})")
    click_and_wait(commissioner, "button", "Accept the offer from Provider P")
    arrive(commissioner, "Accept the offer from Provider P", axe, "offer-accept")
    type_into(commissioner, "Reason", OFFER_REASON)
    click_and_wait(commissioner, "button", "Accept this offer")
    arrive(commissioner, f"Referral {referral_id} Placed", axe, "referral-placed")
    expect(commissioner.locator(".govuk-notification-banner")).to_contain_text("Offer accepted.")
    placement = Placement.objects.get()
    assert (placement.home, placement.start_date) == (homes.offered, offered_start)

    # Both providers see the outcome, from their notifications.
    accepted = (
        f"Your offer of Elm House for referral {referral_id} was accepted. "
        f"The placement starts on {long_date(offered_start)}."
    )
    not_chosen = (
        f"Referral {referral_id} from {authority.name} is closed: "
        f"another provider's offer was accepted. The reason given: {OFFER_REASON}"
    )
    for provider, outcome, who in [(provider_p, accepted, "provider-p"), (provider_q, not_chosen, "provider-q")]:
        click_and_wait(provider, "link", "Notifications")
        arrive(provider, "Notifications", axe, f"{who}-notifications")
        click_and_wait(provider, "link", outcome)
        arrive(provider, f"Referral {referral_id} from {authority.name}", axe, f"{who}-outcome")
        expect(provider.get_by_role("region", name="Outcome")).to_contain_text(outcome)
    expect(provider_p.get_by_role("table", name="Your offers")).to_contain_text("Accepted")

    assert axe.violations == [], "axe-core found serious or critical problems:\n" + "\n".join(axe.violations)
    assert axe.pages == JOURNEY_PAGES
