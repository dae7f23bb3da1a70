"""The page's structure for assistive technology and phones, in a real browser (Debian's
Chromium): landmarks, the back link's navigation, a wide table's own scrolling box, and the
service navigation behind a menu button on a phone (issue 16 part 7).

Run with `pytest -m browser`. Without Chromium the tests skip, unless REQUIRE_SERVICES=1.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from providers.models import Home
from tests.browser.test_keyboard import browser
from tests.conftest import require_service
from tests.factories import HomeFactory

__all__ = ["browser"]  # the fixture, shared with the keyboard tests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = ViewportSize(width=390, height=844)


@pytest.fixture
def phone(browser: Browser | None) -> Iterator[Page]:
    require_service("Chromium", browser is not None, "/usr/bin/chromium is missing (apt-get install chromium)")
    assert browser is not None
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    yield context.new_page()
    context.close()


def test_the_phase_banner_is_in_the_header_and_no_empty_back_navigation_is_announced(phone: Page, live_server):
    phone.goto(f"{live_server.url}/")

    expect(phone.get_by_role("banner").locator(".govuk-phase-banner")).to_be_visible()
    expect(phone.get_by_role("navigation", name="Back")).to_have_count(0)  # the home page has no back link


def test_a_back_link_is_in_its_own_navigation(phone: Page, live_server, reference_data):
    home: Home = HomeFactory()
    phone.goto(f"{live_server.url}/registry/homes/{home.urn}/")

    back = phone.get_by_role("navigation", name="Back")
    expect(back).to_have_count(1)
    expect(back.get_by_role("link")).to_have_text("All children's homes")


def test_the_service_navigation_is_behind_a_menu_button_on_a_phone(phone: Page, live_server):
    phone.goto(f"{live_server.url}/")
    menu = phone.get_by_role("button", name="Menu")
    dashboards = phone.get_by_role("navigation", name="Menu").get_by_role("link", name="Dashboards")
    expect(dashboards).to_be_hidden()

    menu.focus()
    phone.keyboard.press("Enter")

    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(dashboards).to_be_visible()
    assert phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_a_wide_table_scrolls_in_its_own_box_which_the_keyboard_reaches_and_scrolls(
    phone: Page, live_server, reference_data
):
    for _ in range(3):
        HomeFactory()
    phone.goto(f"{live_server.url}/registry/")
    box = phone.locator(".rc-table-scroll").first
    expect(box).to_have_attribute("tabindex", "0")
    assert box.evaluate("box => box.scrollWidth > box.clientWidth"), "the table fits: nothing to scroll"
    assert phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

    box.focus()
    focus_ring = box.evaluate("box => getComputedStyle(box).boxShadow")
    phone.keyboard.press("ArrowRight")
    phone.keyboard.press("ArrowRight")

    assert focus_ring != "none"
    phone.wait_for_function("box => box.scrollLeft > 0", arg=box.element_handle(), timeout=2000)
    assert phone.evaluate("() => window.scrollX") == 0  # the page itself stayed put
