"""The pages still work under the Content-Security-Policy: no violation reported on the
dashboards, the sign-in pages, the referral form (with its htmx identifier screen) or the
API docs, and the one inline script runs by its nonce.

Run with `pytest -m browser`. Without Chromium the tests skip, unless REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.accounts.helpers import totp_code_now
from tests.browser.test_dashboards import market
from tests.browser.test_journey import totp_secret_of
from tests.browser.test_keyboard import browser, page
from tests.conftest import Cast
from tests.factories import PASSWORD

__all__ = ["browser", "market", "page"]  # the fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Recorded from the page's first moment: Playwright's init scripts are not subject to the CSP.
RECORD_VIOLATIONS_JS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline')
    + ' at ' + event.sourceFile + ':' + event.lineNumber);
});
"""


class Watched:
    """CSP violations and console errors on every page the browser visits."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS_JS)
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(f"{self.page.url}: console {message.type}: {message.text}")

    def visit(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        self.check()

    def check(self, inline_script: bool = True) -> None:
        violations = self.page.evaluate("window.__cspViolations")
        self.problems += [f"{self.page.url}: {violation}" for violation in violations]
        if inline_script:  # base.html's inline script ran, by its nonce
            assert "js-enabled" in (self.page.locator("body").get_attribute("class") or ""), self.page.url


def test_the_dashboards_draw_under_the_policy(page: Page, live_server, market) -> None:
    watched = Watched(page)
    for path, chart in [
        ("/dashboards/", "#chart-hhi.js-plotly-plot"),
        ("/dashboards/areas/", "#map .rc-hexmap__svg"),  # the hex map's own style element, under the policy
        ("/dashboards/costs/", "#chart-fees-owner-type.js-plotly-plot"),
    ]:
        watched.visit(live_server.url + path)
        expect(page.locator(chart)).to_be_visible()
        watched.check()
    page.goto(f"{live_server.url}/dashboards/present/")
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    watched.check(inline_script=False)
    with page.expect_navigation():
        page.keyboard.press("ArrowRight")  # the next slide
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    watched.check(inline_script=False)  # presentation mode is its own page, without base.html

    assert watched.problems == []


def _sign_in(watched: Watched, base: str, cast: Cast) -> None:
    page = watched.page
    watched.visit(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(cast.commissioner_a.email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/accounts/2fa/authenticate/")
    watched.check()
    page.get_by_label(re.compile("code", re.IGNORECASE)).fill(totp_code_now(totp_secret_of(cast.commissioner_a)))
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Sign in|Continue|Confirm")).click()
    expect(page).to_have_url(f"{base}/")
    watched.check()


def test_sign_in_the_referral_form_and_the_api_docs_work_under_the_policy(page: Page, live_server, cast: Cast) -> None:
    watched = Watched(page)
    base = live_server.url
    _sign_in(watched, base, cast)

    watched.visit(f"{base}/referrals/new/")
    summary = page.get_by_label("Needs and strengths", exact=True)
    summary.click()
    with page.expect_response(re.compile(r"/identifiers/check/")):
        page.keyboard.type("Call her social worker on 07700 900123 after school.")
    expect(page.locator("#id_summary-identifiers, [id$='-identifiers']").first).to_contain_text(
        re.compile("phone", re.IGNORECASE)
    )
    watched.check()

    page.goto(f"{base}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("API")
    watched.problems += [f"{page.url}: {v}" for v in page.evaluate("window.__cspViolations")]

    assert watched.problems == []
