"""The trust log in a real browser (Debian's Chromium), as two people keep it: commissioner A
opens the relationship with provider P and raises a concern; P replies, and the reply is shown
under the concern; A opens a restorative case, records the restorative conversation (its day,
and "rapprochement") and an agreement with one action; P records the review that closes the
case. The case page then shows all five stages with their dates, and "Closed".

Every page on the way is checked with axe-core (no violation of impact "serious" or
"critical") and for GOV.UK markup (one h1, every input styled and labelled).

Run with `pytest -m browser`. Without Chromium or axe-core (`npm ci`) the test skips, unless
REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.dates import date_fill
from tests.browser.test_journey import Accessibility, arrive, click_and_wait, people, sign_in, type_into
from tests.browser.test_keyboard import PAGE_PROBLEMS_JS, TITLE_SUFFIX, browser, press_enter_and_wait, tab_to
from tests.conftest import Cast
from tests.trust.samples import trust_sample_objects
from trust.models import Entry, EntryType, RestorativeCase

__all__ = ["browser", "people"]  # the fixtures, shared with the journey and keyboard tests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONCERN = "Two referrals last month had no answer before the deadline."
REPLY = "Our inbox owner was away; a deputy now covers the inbox every day."
CONVERSATION = "We met, listened to each other and understood what went wrong."
AGREEMENT = "We agreed how referrals are covered when someone is away."
ACTION, OWNER = "Name a deputy for the referral inbox", "Registered manager"
REVIEW = "The deputy cover has worked for two months. Both sides are content."
TRUST_PAGES = [
    *("commissioner-sign-in", "commissioner-security-code", "commissioner-home"),
    *("relationships-empty", "relationship-opened", "concern-form", "concern-added"),
    *("provider-sign-in", "provider-security-code", "provider-home", "provider-relationships"),
    *("provider-relationship", "reply-form", "reply-added"),
    *("commissioner-relationship", "case-open", "case-opened", "conversation-form", "conversation-added"),
    *("case-after-conversation", "agreement-form", "agreement-added"),
    *("provider-case", "review-form", "review-added", "case-closed"),
]


class Checks(Accessibility):
    """axe-core on every page, and the GOV.UK markup check of the keyboard tests on the log's."""

    def check(self, page: Page, name: str) -> None:
        super().check(page, name)
        if "/relationships/" not in page.url:
            return  # the sign-in and home pages have tests of their own
        problems = page.evaluate(PAGE_PROBLEMS_JS)
        self.violations += [f"{name} ({page.url}): {problem}" for problem in problems]


def menu_click(page: Page, name: str) -> None:
    """Follow a link of the service's menu (the role's home page may link to the same place)."""
    with page.expect_navigation():
        page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True).click()


def entry_card(page: Page, sequence: int):
    return page.locator(f"article#entry-{sequence}")


def test_concern_reply_and_a_restorative_case_to_its_close(people: list[Page], live_server, cast: Cast) -> None:
    base = live_server.url
    checks = Checks()
    commissioner, provider = people[0], people[1]
    authority = cast.local_authority_a.name
    held_on = timezone.localdate() - datetime.timedelta(days=1)

    # The commissioner opens the relationship with provider P and raises a concern.
    sign_in(commissioner, base, cast.commissioner_a, "commissioner", checks)
    menu_click(commissioner, "Relationships")
    arrive(commissioner, "Relationships", checks, "relationships-empty")
    expect(commissioner.locator("main")).to_contain_text("You have no relationships yet.")
    commissioner.get_by_label("Provider organisation or federation", exact=True).select_option(label="Provider P")
    click_and_wait(commissioner, "button", "Open the relationship")
    arrive(commissioner, "Relationship with Provider P", checks, "relationship-opened")
    expect(commissioner.locator(".govuk-notification-banner")).to_contain_text("is open.")
    click_and_wait(commissioner, "button", "Raise a concern")
    arrive(commissioner, "Raise a concern", checks, "concern-form")
    type_into(commissioner, "Your concern", CONCERN)
    click_and_wait(commissioner, "button", "Add to the log")
    arrive(commissioner, "Relationship with Provider P", checks, "concern-added")
    concern = Entry.objects.get(entry_type=EntryType.CONCERN)
    expect(commissioner.locator(".govuk-notification-banner")).to_contain_text(
        f"Concern added to the log as entry {concern.sequence}."
    )
    expect(entry_card(commissioner, concern.sequence)).to_contain_text(CONCERN)

    # Provider P replies: its right of reply, shown under the concern.
    sign_in(provider, base, cast.provider_p, "provider", checks)
    menu_click(provider, "Relationships")
    arrive(provider, "Relationships", checks, "provider-relationships")
    click_and_wait(provider, "link", authority)
    arrive(provider, f"Relationship with {authority}", checks, "provider-relationship")
    click_and_wait(provider, "link", f"Reply (entry {concern.sequence})")
    arrive(provider, f"Reply to entry {concern.sequence}", checks, "reply-form")
    # With the keyboard alone: from the reply box, Tab reaches the button and Enter sends.
    type_into(provider, "Your reply", REPLY)
    tab_to(provider, "main form button.govuk-button")
    press_enter_and_wait(provider)
    arrive(provider, f"Relationship with {authority}", checks, "reply-added")
    answers = entry_card(provider, concern.sequence).locator(".govuk-inset-text")
    expect(answers).to_contain_text("Replies and corrections")
    expect(answers).to_contain_text(REPLY)

    # The commissioner opens a restorative case and records the conversation and the agreement.
    commissioner.reload()
    arrive(commissioner, "Relationship with Provider P", checks, "commissioner-relationship")
    expect(entry_card(commissioner, concern.sequence).locator(".govuk-inset-text")).to_contain_text(REPLY)
    click_and_wait(commissioner, "link", f"Open a restorative case (entry {concern.sequence})")
    arrive(commissioner, "Open a restorative case", checks, "case-open")
    click_and_wait(commissioner, "button", "Open a restorative case")
    case_heading = f"Restorative case on concern {concern.sequence}"
    arrive(commissioner, f"{case_heading} Open", checks, "case-opened")
    click_and_wait(commissioner, "link", "Record the conversation")
    arrive(commissioner, "Record a restorative conversation", checks, "conversation-form")
    case = RestorativeCase.objects.get()
    expect(commissioner.get_by_label("Restorative case", exact=True)).to_have_value(str(case.pk))
    date_fill(commissioner, "held_on", held_on)
    type_into(commissioner, "What was said and heard", CONVERSATION)
    commissioner.get_by_label("Rapprochement", exact=True).check()
    click_and_wait(commissioner, "button", "Add to the log")
    arrive(commissioner, "Relationship with Provider P", checks, "conversation-added")
    click_and_wait(commissioner, "link", f"Case on concern {concern.sequence}")
    arrive(commissioner, f"{case_heading} Open", checks, "case-after-conversation")
    expect(commissioner.locator("main")).to_contain_text("Rapprochement, said by")
    click_and_wait(commissioner, "link", "Record the agreement")
    arrive(commissioner, "Record an agreement", checks, "agreement-form")
    type_into(commissioner, "What was agreed", AGREEMENT)
    type_into(commissioner, "Action 1", ACTION)
    type_into(commissioner, "Owner of action 1", OWNER)
    click_and_wait(commissioner, "button", "Add to the log")
    arrive(commissioner, "Relationship with Provider P", checks, "agreement-added")
    agreement = Entry.objects.get(entry_type=EntryType.AGREEMENT)
    expect(entry_card(commissioner, agreement.sequence).get_by_role("table", name="Actions")).to_contain_text(ACTION)

    # Provider P records the review that closes the case.
    provider.reload()
    click_and_wait(provider, "link", f"Case on concern {concern.sequence}")
    arrive(provider, f"{case_heading} Open", checks, "provider-case")
    click_and_wait(provider, "button", "Close the case with a review")
    arrive(provider, "Record a review", checks, "review-form")
    expect(provider.get_by_label("Close the restorative case with this review", exact=True)).to_be_checked()
    type_into(provider, "How it went", REVIEW)
    provider.get_by_label("Democratic", exact=True).check()
    click_and_wait(provider, "button", "Add to the log")
    arrive(provider, f"Relationship with {authority}", checks, "review-added")
    click_and_wait(provider, "link", f"Case on concern {concern.sequence}")
    arrive(provider, f"{case_heading} Closed", checks, "case-closed")
    expect(provider).to_have_title(f"{case_heading}{TITLE_SUFFIX}")

    stages = provider.locator("main dl.govuk-summary-list").first.locator(".govuk-summary-list__row")
    expect(stages.locator("dt")).to_have_text(["Concern raised", "Reply", "Conversation held", "Agreement", "Review"])
    today = f"{timezone.localdate():%-d %B %Y}"
    dates = [today, today, f"{held_on:%-d %B %Y}", today, today]
    for row, date in zip(stages.all(), dates, strict=True):
        expect(row.locator("dd").first).to_contain_text(re.compile(rf"^\s*{re.escape(date)}: entry \d+"))
    expect(provider.get_by_role("link", name="Close the case with a review")).to_have_count(0)
    case.refresh_from_db()
    assert case.closed_at is not None

    assert checks.violations == [], "Problems found:\n" + "\n".join(checks.violations)
    assert checks.pages == TRUST_PAGES


OTHER_PAGES = [
    *("commissioner-sign-in", "commissioner-security-code", "commissioner-home"),
    *("relationship", "entry-choice", "commitment-form", "commitment-form-error", "commitment-update-form"),
    *("agreement-added", "action-update-form", "action-done", "pulse-form", "pulse-answered"),
    *("admin-sign-in", "admin-security-code", "admin-home", "admin-relationships", "audited-access"),
    "audited-log",
]


def test_the_other_pages_of_the_log_are_accessible(people: list[Page], live_server, cast: Cast) -> None:
    """Commitments, their updates, actions, the pulse check-in, and a staff administrator's
    audited access: each page checked as in the journey above."""
    base = live_server.url
    checks = Checks()
    commissioner, admin = people[0], people[1]
    samples = trust_sample_objects(cast)
    relationship_url = f"{base}/relationships/{samples.relationship.pk}/"

    sign_in(commissioner, base, cast.commissioner_a, "commissioner", checks)
    commissioner.goto(relationship_url)
    arrive(commissioner, "Relationship with Provider P", checks, "relationship")
    click_and_wait(commissioner, "button", "Add an entry")
    arrive(commissioner, "Add an entry", checks, "entry-choice")
    commissioner.get_by_label("Commitment", exact=True).check()
    click_and_wait(commissioner, "button", "Continue")
    arrive(commissioner, "Record a commitment", checks, "commitment-form")
    type_into(commissioner, "What is promised", "Monthly visit")
    click_and_wait(commissioner, "button", "Add to the log")
    arrive(commissioner, "Record a commitment", checks, "commitment-form-error")
    expect(commissioner).to_have_title(f"Error: Record a commitment{TITLE_SUFFIX}")
    expect(commissioner.locator(".govuk-error-summary")).to_be_focused()
    expect(commissioner.get_by_label("What is promised", exact=True)).to_have_value("Monthly visit")

    commissioner.goto(relationship_url)
    click_and_wait(commissioner, "link", f"Record an update (entry {samples.commitment.sequence})")
    arrive(commissioner, "Record an update to a commitment", checks, "commitment-update-form")
    commissioner.goto(f"{relationship_url}entries/new/?type=agreement")
    type_into(commissioner, "What was agreed", "One thing.")
    type_into(commissioner, "Action 1", "Share the rota")
    type_into(commissioner, "Owner of action 1", "Registered manager")
    click_and_wait(commissioner, "button", "Add to the log")
    arrive(commissioner, "Relationship with Provider P", checks, "agreement-added")
    agreement = Entry.objects.get(entry_type=EntryType.AGREEMENT)
    click_and_wait(commissioner, "link", f"Mark action done (action 1 of entry {agreement.sequence})")
    arrive(commissioner, "Record progress on an action", checks, "action-update-form")
    expect(commissioner.get_by_label("Done", exact=True)).to_be_checked()
    type_into(commissioner, "Progress", "The rota is shared.")
    click_and_wait(commissioner, "button", "Add to the log")
    arrive(commissioner, "Relationship with Provider P", checks, "action-done")
    expect(entry_card(commissioner, agreement.sequence).get_by_role("table", name="Actions")).to_contain_text("Done")

    click_and_wait(commissioner, "link", "Quarterly pulse check-in")
    arrive(commissioner, "Pulse check-in", checks, "pulse-form")
    for question in ("commitments_honoured", "heard", "information_timely", "learn_together"):
        commissioner.locator(f"input[name={question}][value='4']").check()
    click_and_wait(commissioner, "button", "Send your answers")
    commissioner.goto(f"{relationship_url}pulse/")
    arrive(commissioner, "Pulse check-in", checks, "pulse-answered")
    expect(commissioner.locator("main")).to_contain_text("Your organisation has answered for this quarter.")

    sign_in(admin, base, cast.admin, "admin", checks)
    admin.goto(f"{base}/relationships/")
    arrive(admin, "Relationships", checks, "admin-relationships")
    admin.goto(f"{relationship_url}audited/")
    arrive(admin, "Read a log by audited access", checks, "audited-access")
    type_into(admin, "Why do you need to read this log?", "Provider P asked for help with an entry.")
    click_and_wait(admin, "button", "Record my reason and read the log")
    arrive(admin, f"Log of {cast.local_authority_a.name} and Provider P", checks, "audited-log")
    expect(admin.locator("main")).to_contain_text("Reason given: Provider P asked for help with an entry.")

    assert checks.violations == [], "Problems found:\n" + "\n".join(checks.violations)
    assert checks.pages == OTHER_PAGES
