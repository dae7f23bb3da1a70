"""Keyboard-only journeys through the sign-in pages, in a real browser (Debian's Chromium).

Run with `pytest -m browser`. Without Chromium the tests skip, unless REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from accounts.models import User
from tests.accounts.helpers import totp_code_now, totp_wrong_code
from tests.conftest import require_service
from tests.factories import PASSWORD, UserFactory, totp_activate

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Enough presses to pass the header and navigation; a page needing more is itself a finding.
MAX_TABS = 25
# base.html titles every page "<page> <en dash> <service>".
TITLE_SUFFIX = " \N{EN DASH} Relational Commissioning"
# Set to a directory to keep screenshots of the pages the tests visit (for looking at them).
SCREENSHOT_DIR = os.environ.get("BROWSER_SCREENSHOT_DIR")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser | None]:
    if not CHROMIUM.exists():
        yield None
        return
    # Playwright's sync API keeps an event loop running in this thread, which makes Django
    # refuse ORM calls from the test; the test never runs async code, so allow them here only.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser | None) -> Iterator[Page]:
    require_service("Chromium", browser is not None, f"{CHROMIUM} is missing (apt-get install chromium)")
    assert browser is not None
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    yield context.new_page()
    context.close()


def focused(page: Page) -> str:
    """The focused element, as `tag#id` or `tag "text"`, for readable assertion messages."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e.tagName.toLowerCase() + (e.id ? '#' + e.id : ' \"' + e.textContent.trim() + '\"'); }"
    )


def tab_to(page: Page, selector: str) -> list[str]:
    """Press Tab until the element is focused; returns what had focus on the way."""
    visited = []
    target = page.locator(selector)
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        visited.append(focused(page))
        if target.evaluate("element => element === document.activeElement"):
            return visited
    raise AssertionError(f"{selector} not reached with {MAX_TABS} presses of Tab; focus went {visited}")


def sign_in_with_keyboard(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    tab_to(page, "#id_login")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert focused(page) == "input#id_password"
    page.keyboard.type(password)
    press_enter_and_wait(page)


def enter_code(page: Page, code: str) -> None:
    tab_to(page, "#id_code")
    page.keyboard.type(code)
    press_enter_and_wait(page)


def press_enter_and_wait(page: Page) -> None:
    """Submit the form or follow the link that has focus, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def screenshot(page: Page, name: str) -> None:
    if SCREENSHOT_DIR:
        page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{name}.png"), full_page=True)


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_main_content(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    skip_link = page.locator(".govuk-skip-link")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_have_text("Skip to main content")
    box = skip_link.bounding_box()
    assert box is not None
    assert box["width"] > 10  # visually hidden (1px) until it has focus, then shown

    page.keyboard.press("Enter")

    expect(page.locator("#main-content")).to_be_focused()


def test_sign_in_with_the_keyboard_alone(page: Page, live_server) -> None:
    user: User = UserFactory()
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page).to_have_title(f"Sign in{TITLE_SUFFIX}")
    expect(page.locator("main")).to_contain_text(
        "Accounts are by invitation from an administrator of your organisation"
    )
    expect(page.locator("main")).not_to_contain_text(re.compile("sign up", re.IGNORECASE))
    screenshot(page, "signin")

    sign_in_with_keyboard(page, live_server.url, user.email, PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hello"))
    expect(page.get_by_role("link", name="Sign out")).to_be_visible()


def test_the_sign_in_page_is_in_a_sensible_keyboard_order(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    before_form = tab_to(page, "#id_login")
    assert before_form[0] == 'a "Skip to main content"'
    tab_to(page, "#id_password")
    page.keyboard.press("Tab")
    assert focused(page) == 'button "Sign in"'
    page.keyboard.press("Tab")
    assert focused(page) == 'a "Forgotten your password?"'

    press_enter_and_wait(page)

    expect(page).to_have_url(f"{live_server.url}/accounts/password/reset/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")


def test_a_wrong_password_shows_the_error_summary_and_keeps_the_email(page: Page, live_server) -> None:
    user: User = UserFactory()

    sign_in_with_keyboard(page, live_server.url, user.email, "not the password")

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # GOV.UK Frontend's script moves focus to the summary
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("The email address and/or password you specified are not correct.")
    expect(page).to_have_title(f"Error: Sign in{TITLE_SUFFIX}")
    expect(page.locator("#id_login")).to_have_value(user.email)
    expect(page.locator("#id_password")).to_have_value("")
    screenshot(page, "signin-error")


def test_a_user_with_totp_is_asked_for_the_code_and_a_wrong_code_is_refused(page: Page, live_server) -> None:
    user: User = UserFactory()
    secret = totp_activate(user)

    sign_in_with_keyboard(page, live_server.url, user.email, PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/authenticate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    screenshot(page, "mfa-authenticate")
    enter_code(page, totp_wrong_code(secret))

    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page).to_have_title(f"Error: Enter your security code{TITLE_SUFFIX}")
    expect(page.locator("#id_code-error")).to_have_text("Error: Incorrect code.")
    expect(page.get_by_role("link", name="Sign out")).to_have_count(0)  # still not signed in
    screenshot(page, "mfa-authenticate-error")

    enter_code(page, totp_code_now(secret))

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hello"))


# Every page must be GOV.UK markup: one h1, styled controls and text, labels tied to inputs.
# An allauth element or page left unstyled shows up here as a bare <p>, <input> or <button>.
PAGE_PROBLEMS_JS = """() => {
  const problems = [];
  const main = document.querySelector('main');
  const headings = main.querySelectorAll('h1');
  if (headings.length !== 1) problems.push(headings.length + ' h1 elements');
  for (const e of main.querySelectorAll('input:not([type=hidden]), textarea, select')) {
    const styled = /govuk-(input|textarea|select|checkboxes__input|radios__input)/.test(e.className);
    if (!styled) problems.push('unstyled ' + e.outerHTML);
    if (!e.labels.length) problems.push('unlabelled ' + e.outerHTML);
  }
  for (const e of main.querySelectorAll('button')) {
    if (!/govuk-button|rc-link-button/.test(e.className)) problems.push('unstyled ' + e.outerHTML);
  }
  for (const e of main.querySelectorAll('p, h1, h2, ul, ol, table, a')) {
    if (!e.className && !e.closest('.govuk-error-summary__list')) problems.push('unstyled ' + e.outerHTML);
  }
  return problems;
}"""


def assert_gov_uk_page(page: Page, url: str, heading: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, f"{url} answered {response.status}"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page).to_have_title(f"{heading}{TITLE_SUFFIX}")
    assert page.evaluate(PAGE_PROBLEMS_JS) == [], url
    screenshot(page, re.sub(r"\W+", "-", heading.lower()))


def reauthenticate_with_password(page: Page, password: str) -> None:
    """allauth asks for the password again before any change to two-factor authentication."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    assert page.evaluate(PAGE_PROBLEMS_JS) == []
    tab_to(page, "#id_password")
    page.keyboard.type(password)
    press_enter_and_wait(page)


def test_every_account_page_is_gov_uk_markup(page: Page, live_server) -> None:
    base = live_server.url
    for path, heading in [
        ("/accounts/login/", "Sign in"),
        ("/accounts/signup/", "You need an invitation"),
        ("/accounts/password/reset/", "Reset your password"),
        ("/accounts/password/reset/done/", "Check your email"),
        ("/accounts/password/reset/key/0-not-a-key/", "This link does not work"),
    ]:
        assert_gov_uk_page(page, base + path, heading)

    user: User = UserFactory()
    sign_in_with_keyboard(page, base, user.email, PASSWORD)
    assert_gov_uk_page(page, f"{base}/accounts/2fa/", "Two-factor authentication")
    assert_gov_uk_page(page, f"{base}/accounts/password/change/", "Change your password")
    assert_gov_uk_page(page, f"{base}/accounts/reauthenticate/", "Confirm it is you")
    assert_gov_uk_page(page, f"{base}/accounts/logout/", "Sign out")

    tab_to(page, "main button.govuk-button")
    press_enter_and_wait(page)

    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def test_set_up_two_factor_authentication_with_the_keyboard(page: Page, live_server) -> None:
    base = live_server.url
    user: User = UserFactory()
    sign_in_with_keyboard(page, base, user.email, PASSWORD)
    page.goto(f"{base}/accounts/2fa/totp/activate/")
    reauthenticate_with_password(page, PASSWORD)

    expect(page).to_have_url(f"{base}/accounts/2fa/totp/activate/")
    assert_gov_uk_page(page, page.url, "Set up two-factor authentication")
    tab_to(page, "summary.govuk-details__summary")
    page.keyboard.press("Enter")  # opens "I cannot scan the QR code"
    secret = page.locator("#authenticator_secret")
    expect(secret).to_be_visible()
    enter_code(page, totp_code_now(secret.inner_text()))

    expect(page).to_have_url(f"{base}/accounts/2fa/recovery-codes/")
    expect(page.locator("#recovery_codes li")).to_have_count(10)
    assert_gov_uk_page(page, page.url, "Recovery codes")
    download = page.request.get(f"{base}/accounts/2fa/recovery-codes/download/")
    assert download.status == 200
    assert download.text().split() == page.locator("#recovery_codes li").all_inner_texts()
    assert_gov_uk_page(page, f"{base}/accounts/2fa/", "Two-factor authentication")
    expect(page.locator(".govuk-summary-card")).to_have_count(2)
    expect(page.locator(".govuk-summary-card").first).to_contain_text("On")


def test_a_user_with_totp_reaches_the_pages_that_manage_it(page: Page, live_server) -> None:
    base = live_server.url
    user: User = UserFactory()
    secret = totp_activate(user)
    sign_in_with_keyboard(page, base, user.email, PASSWORD)
    enter_code(page, totp_code_now(secret))
    page.goto(f"{base}/accounts/2fa/recovery-codes/generate/")
    reauthenticate_with_password(page, PASSWORD)

    assert_gov_uk_page(page, page.url, "Generate new recovery codes")
    tab_to(page, "main button.govuk-button")
    press_enter_and_wait(page)

    expect(page).to_have_url(f"{base}/accounts/2fa/recovery-codes/")
    expect(page.locator("#recovery_codes li")).to_have_count(10)
    assert_gov_uk_page(page, f"{base}/accounts/2fa/reauthenticate/", "Confirm it is you")
    assert_gov_uk_page(page, f"{base}/accounts/2fa/totp/deactivate/", "Turn off two-factor authentication")
    expect(page.locator("main button.govuk-button--warning")).to_have_text("Turn off two-factor authentication")


def test_reset_a_forgotten_password_through_the_email_with_the_keyboard(page: Page, live_server, mailoutbox) -> None:
    base = live_server.url
    user: User = UserFactory()
    new_password = "a new and quite long passphrase"
    page.goto(f"{base}/accounts/login/")
    tab_to(page, "main a[href='/accounts/password/reset/']")
    press_enter_and_wait(page)
    tab_to(page, "#id_email")
    page.keyboard.type(user.email)
    press_enter_and_wait(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]
    link = re.search(rf"{re.escape(base)}/accounts/password/reset/key/\S+/", mailoutbox[0].body)
    assert link is not None, mailoutbox[0].body
    page.goto(link.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a new password")
    tab_to(page, "#id_password1")
    page.keyboard.type(new_password)
    page.keyboard.press("Tab")
    assert focused(page) == "input#id_password2"
    page.keyboard.type(new_password)
    press_enter_and_wait(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Your password has been changed")
    page.goto(link.group(0))  # a reset link works once
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    sign_in_with_keyboard(page, base, user.email, new_password)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Hello"))
