"""Every page each role can reach, in a real browser (Debian's Chromium), on a phone and on a
laptop (issue 16 part 7).

The pages come from the permission matrix (tests/test_permission_matrix.py): every URL whose
outcome is "ok" for the principal, with the sample objects that test builds. Each page is
loaded once at 390 x 844 and checked, then widened to 1366 x 768 and checked again:
  - it answers 200 with an HTML page;
  - the page does not scroll sideways (a wide table scrolls inside its own box instead);
  - axe-core finds no "serious" or "critical" violation, and no "region" one (content
    outside every landmark, which a screen reader's landmark list would skip).
Every offender is reported in one failure message per role. Pages not checked are listed in
NOT_CHECKED with the reason. A page several roles reach is checked as the first role to reach
it, and the home page as every role (see `checked_as`).

Run with `pytest -m browser`. Without Chromium or axe-core the test skips, unless
REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, ViewportSize
from playwright.sync_api import Error as PlaywrightError

from tests.browser.test_journey import AXE
from tests.browser.test_keyboard import browser, screenshot
from tests.conftest import Cast, require_service
from tests.test_permission_matrix import (
    OK,
    Route,
    _sample_url,
    all_routes,
    invitation_token,
    matrix_row,
    samples,
)

__all__ = ["browser", "invitation_token", "samples"]  # fixtures shared with the matrix and keyboard tests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# One person per role. Commissioner B and provider Q reach the same pages as A and P (fewer of
# them: the samples are A's and P's), so they add time and no page.
ROLES = ("anonymous", "commissioner_a", "provider_p", "organiser", "admin")
PHONE = ViewportSize(width=390, height=844)
LAPTOP = ViewportSize(width=1366, height=768)
EVERY_PAGE_AS_EVERY_ROLE = os.environ.get("BROWSER_EVERY_PAGE_AS_EVERY_ROLE") == "1"
# Made for each role, so checked as every role. Signing out asks first (a GET signs nobody
# out); anonymous visitors are sent home.
PER_ROLE_PAGES = {"home", "account_logout"}
FAILING_IMPACTS = ("serious", "critical")
FAILING_RULES = ("region",)  # moderate, but it hides content from a screen reader's landmarks

# URL names (globs) not loaded, and why. Everything else a role may reach is checked.
NOT_CHECKED = {
    "api:*": "JSON for programs, not a page",
    "api_schema": "the OpenAPI schema, not a page",
    "api_docs": "Swagger UI, a third-party page named as a limitation in the accessibility statement",
    "healthz": "a health check for the load balancer, not a page",
    "transparency:feed": "an Atom feed, not a page",
    "*_csv": "a chart's figures as CSV, not a page",
    "market:dashboards_areas_map": "the areas' map as an SVG image, not a page (shown on the areas page)",
    "mfa_download_recovery_codes": "a text file of recovery codes, not a page",
    "admin:*": "Django's own administration pages (not GOV.UK styled, for staff on a desktop); "
    "its index is checked with axe at the laptop width only (ADMIN_INDEX)",
    "admin/*": "Django admin's unnamed redirects",
}
ADMIN_INDEX = "admin:index"

# The outermost elements that stick out past the viewport's right edge and are not inside a
# box that scrolls or clips them: the ones that make the page scroll sideways.
OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const clipped = element => {
    for (let e = element.parentElement; e && e !== document.body; e = e.parentElement) {
      if (getComputedStyle(e).overflowX !== 'visible') return true;
    }
    return false;
  };
  const offenders = [];
  for (const element of document.body.querySelectorAll('*')) {
    if (element.getBoundingClientRect().right <= width + 1 || clipped(element)) continue;
    if (offenders.some(outer => outer.contains(element))) continue;
    offenders.push(element);
  }
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  if (!offenders.length) {  // all inside clipping boxes: name the widest elements instead
    offenders.push(...[...document.body.querySelectorAll('*')]
      .filter(e => e.getBoundingClientRect().right > width + 1)
      .sort((a, b) => b.getBoundingClientRect().width - a.getBoundingClientRect().width));
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    offenders: offenders.slice(0, 4).map(e => `${name(e)} (${Math.round(e.getBoundingClientRect().width)}px)`),
  };
}"""
# What axe does not see: text straight in <body> (outside every landmark), and template syntax
# printed as text (a Django comment spanning lines is not a comment).
STRAY_TEXT_JS = """() => {
  const loose = [...document.body.childNodes]
    .filter(node => node.nodeType === Node.TEXT_NODE && node.textContent.trim())
    .map(node => node.textContent.trim().slice(0, 60));
  const syntax = document.body.innerText.match(/\\{[#%{][^\\n]{0,40}/);
  return [...loose, ...(syntax ? [syntax[0]] : [])].join(' | ');
}"""
AXE_RUN_JS = """async ([impacts, rules]) => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations
    .filter(violation => impacts.includes(violation.impact) || rules.includes(violation.id))
    .map(violation => `${violation.impact} ${violation.id}: ${violation.help}; at `
      + violation.nodes.slice(0, 5).map(node => node.target.join(' ')).join(', '));
}"""


def not_checked_because(route: Route) -> str | None:
    for glob, reason in NOT_CHECKED.items():
        if fnmatch.fnmatchcase(route.key, glob):
            return reason
    return None


def pages_of(role: str, cast: Cast, token: str, samples: dict[str, dict[str, str]]) -> dict[str, str | None]:
    """URL name -> sample URL of every page the matrix says the role may reach (None for a URL
    with no row in the matrix: the matrix's own test fails on it too)."""
    reachable: dict[str, str | None] = {}
    for route in all_routes():
        outcome = matrix_row(route.key)
        if outcome is None:
            reachable[route.key] = None
        elif outcome[role] == OK and is_checked(route) and checked_as(route.key, outcome, role):
            reachable[route.key] = _sample_url(route, cast, token, samples)
    return reachable


def is_checked(route: Route) -> bool:
    return route.key == ADMIN_INDEX or not_checked_because(route) is None


def checked_as(key: str, outcome: dict[str, str], role: str) -> bool:
    """A page several roles reach is checked as the first of ROLES to reach it (its navigation,
    the part that differs by role, is checked on each role's home page), which keeps the
    whole sweep to a few minutes; set BROWSER_EVERY_PAGE_AS_EVERY_ROLE=1 to check it as each."""
    if EVERY_PAGE_AS_EVERY_ROLE or key in PER_ROLE_PAGES:
        return True
    return next(each for each in ROLES if outcome[each] == OK) == role


@dataclass
class Findings:
    role: str
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def report(self, role: str) -> str:
        return f"{role}: {len(self.problems)} problems on {len(self.checked)} pages:\n" + "\n".join(self.problems)


def axe_violations(page: Page) -> list[str]:
    # Evaluated by the test harness, not added as an inline <script>: the pages' CSP allows no
    # inline script without the request's nonce.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(f"() => {{ {AXE.read_text()}\n}}")
    found: list[str] = page.evaluate(AXE_RUN_JS, [list(FAILING_IMPACTS), list(FAILING_RULES)])
    return found


def check_at(page: Page, width: str, where: str, findings: Findings, *, check_width: bool = True) -> None:
    screenshot(page, f"roles-{findings.role}-{re.sub(r'[^a-z0-9]+', '-', where.lower()).strip('-')}-{width}")
    if stray := page.evaluate(STRAY_TEXT_JS):
        findings.problems.append(f"{where} at {width}: text outside the page's structure or template syntax: {stray}")
    if check_width and (overflow := page.evaluate(OVERFLOW_JS)):
        findings.problems.append(
            f"{where} at {width}: scrolls sideways to {overflow['scrollWidth']}px; "
            f"sticking out: {', '.join(overflow['offenders'])}"
        )
    findings.problems += [f"{where} at {width}: {violation}" for violation in axe_violations(page)]


def visit(page: Page, base: str, name: str, path: str | None, findings: Findings) -> None:
    if path is None:
        findings.problems.append(f"{name}: no row in the permission matrix, so not known to be reachable")
        return
    where = f"{name} ({path})"
    page.set_viewport_size(PHONE)
    try:
        response = page.goto(base + path, wait_until="load")
    except PlaywrightError as error:  # a download (a file, not a page) among them
        findings.problems.append(f"{where}: not a page ({error.message.splitlines()[0]}) nor excluded")
        return
    findings.checked.append(name)
    if response is None or response.status != 200:
        findings.problems.append(f"{where}: answered {response.status if response else 'nothing'}")
        return
    if not response.headers.get("content-type", "").startswith("text/html"):
        findings.problems.append(f"{where}: not an HTML page ({response.headers.get('content-type')}) nor excluded")
        return
    is_admin = name == ADMIN_INDEX
    if not is_admin:
        check_at(page, "390px", where, findings)
    page.set_viewport_size(LAPTOP)
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    check_at(page, "1366px", where, findings, check_width=not is_admin)


@pytest.fixture
def role_page(browser: Browser | None) -> Iterator[Page]:
    require_service("Chromium", browser is not None, "/usr/bin/chromium is missing (apt-get install chromium)")
    require_service("axe-core", AXE.exists(), f"{AXE} is missing (npm ci)")
    assert browser is not None
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Europe/London")
    yield context.new_page()
    context.close()


def sign_in_as(page: Page, base: str, cast: Cast, role: str) -> None:
    """The role's session, made by Django's test client (the sign-in pages have their own tests)."""
    user = cast.user(role)
    if user is None:
        return
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_works_on_a_phone_and_a_laptop(
    role: str,
    role_page: Page,
    live_server,
    cast: Cast,
    invitation_token: str,
    samples: dict[str, dict[str, str]],
) -> None:
    sign_in_as(role_page, live_server.url, cast, role)
    findings = Findings(role)
    for name, path in sorted(pages_of(role, cast, invitation_token, samples).items()):
        visit(role_page, live_server.url, name, path, findings)
    assert findings.problems == [], findings.report(role)
    assert "home" in findings.checked
