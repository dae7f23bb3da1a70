"""The scenario planner in a real browser (Debian's Chromium), by keyboard alone.

Run with `pytest -m browser`. Without Chromium the tests skip, unless REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from market.analytics.recompute import market_recompute
from market.models import RecomputeRun
from providers.models import Sector
from tests.browser.test_dashboards import gov_uk_problems
from tests.browser.test_keyboard import browser, focused, page, press_enter_and_wait, screenshot
from tests.market.test_scenarios_page import provider

__all__ = ["browser", "page"]  # the fixtures, shared with the keyboard tests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def yorkshire(reference_data) -> RecomputeRun:
    """The page tests' Yorkshire market (tests/market/test_scenarios_page.py): HHI 3,162.5."""
    provider("Big Group Limited", [5, 5, 5, 5])
    provider("Middle Care Limited", [4, 4])
    provider("Leeds City Council", [5], sector=Sector.LOCAL_AUTHORITY)
    provider("Small One Limited", [3])
    provider("Small Two Limited", [2])
    provider("Small Three Limited", [2])
    return market_recompute(trigger=RecomputeRun.Trigger.COMMAND)


def test_a_scenario_is_built_and_read_with_the_keyboard(page: Page, live_server, yorkshire) -> None:
    page.goto(f"{live_server.url}/dashboards/scenarios/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Scenario planner: ownership density is a choice")
    assert gov_uk_problems(page) == []

    # The area: the select takes typed letters; Tab walks the market's fields to the button.
    page.focus("#id_geography")
    page.keyboard.type("Yorkshire")
    for _ in range(5):
        page.keyboard.press("Tab")
        if "Start a scenario" in focused(page):
            break
    assert "Start a scenario" in focused(page)
    press_enter_and_wait(page)
    expect(
        page.get_by_role("heading", level=2, name="Yorkshire and The Humber at 31 March 2025: before and after")
    ).to_be_visible()

    # Every small provider federates: the shortcut is a button reached by Tab.
    page.focus("#id_open_number")
    for _ in range(10):
        page.keyboard.press("Tab")
        if "Federate all 4 small providers" in focused(page):
            break
    assert "Federate all 4 small providers in Yorkshire and The Humber" in focused(page)
    press_enter_and_wait(page)

    reading = page.locator("#reading")
    expect(reading).to_contain_text("In Yorkshire and The Humber, HHI rises from 3,162 to 4,062")
    expect(reading).to_contain_text("The four largest owners' share rises from 90.0% to 100.0%")
    expect(page.locator("#headline-table caption")).to_contain_text(
        "Concentration of places in Yorkshire and The Humber"
    )

    # Framework reservations, typed and submitted with Enter, join the scenario.
    page.focus("#id_reserve_percent")
    page.keyboard.type("10")
    press_enter_and_wait(page)
    moves = page.locator("#moves li")
    expect(moves).to_have_count(2)
    expect(moves.first).to_contain_text(
        "Framework reservations move 10% of places (4) from the largest owner to 4 small providers"
    )
    assert "federate_small=yes" in page.url
    assert "reserve=10" in page.url
    assert gov_uk_problems(page) == []
    screenshot(page, "scenario-planner")


def test_a_bad_number_is_refused_with_its_message(page: Page, live_server, yorkshire) -> None:
    page.goto(f"{live_server.url}/dashboards/scenarios/?geography=E12000003")
    page.focus("#id_reserve_percent")
    page.keyboard.type("90")
    press_enter_and_wait(page)

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a percentage from 1 to 50")
    expect(page.locator("#moves")).to_contain_text("No moves yet")
    assert gov_uk_problems(page) == []
    summary.get_by_role("link").first.focus()
    press_enter_and_wait_for_anchor(page)
    expect(page.locator("#id_reserve_percent")).to_be_focused()


def press_enter_and_wait_for_anchor(page: Page) -> None:
    """Following an error's link moves focus to its field (GOV.UK Frontend's error summary)."""
    page.keyboard.press("Enter")
    page.wait_for_timeout(200)


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
def test_the_scenario_slide_fits_a_projector_without_scrolling(
    page: Page, live_server, yorkshire, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/dashboards/scenarios/?geography=E12000003&federate_small=yes&reserve=10&present=1")

    expect(page.get_by_role("heading", level=1)).to_have_text("Yorkshire and The Humber, 31 March 2025: what if")
    expect(page.locator("footer")).to_contain_text("Source: Ofsted's register of children's homes at 31 March 2025")
    assert page.evaluate("() => document.scrollingElement.scrollHeight") <= height
    with page.expect_navigation():
        page.keyboard.press("Escape")
    assert "present=1" not in page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Scenario planner: ownership density is a choice")
