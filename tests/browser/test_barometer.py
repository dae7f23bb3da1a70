"""The sector barometer in a real browser (Debian's Chromium): a region chosen and drawn by
keyboard alone, the table reached by Tab as the chart's alternative, and axe-core's check at a
phone's width and a laptop's.

Run with `pytest -m browser`. Without Chromium or axe-core the test skips, unless REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journey import AXE, Accessibility
from tests.browser.test_keyboard import PAGE_PROBLEMS_JS, browser, focused, page, tab_to
from tests.conftest import require_service
from tests.trust.barometer_samples import NORTH_EAST, Q1_2026, Q2_2026, YORKSHIRE, all_check_in, relationships_in

__all__ = ["browser", "page"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def check_ins(reference_data: None) -> None:
    north_east, yorkshire = relationships_in(NORTH_EAST, 10), relationships_in(YORKSHIRE, 10)
    all_check_in(north_east, Q1_2026, (4, 4, 4, 4))
    all_check_in(yorkshire, Q1_2026, (2, 2, 2, 2))
    all_check_in(north_east, Q2_2026, (5, 4, 4, 4))
    all_check_in(yorkshire, Q2_2026, (3, 3, 2, 2))


def test_a_region_is_drawn_by_keyboard_and_the_table_is_reached_by_tab(page: Page, live_server, check_ins) -> None:
    require_service("axe-core", AXE.exists(), f"{AXE} is missing (npm ci)")
    axe = Accessibility()
    page.goto(f"{live_server.url}/transparency/barometer/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sector barometer: trust between local authorities and providers"
    )
    expect(page.get_by_role("img", name="Average answer (1 to 5) by quarter: England")).to_be_visible()
    axe.check(page, "barometer")

    # Choose Yorkshire and The Humber with the keyboard alone, and draw it.
    tab_to(page, "#region")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#region")).to_have_value(YORKSHIRE)
    page.keyboard.press("Tab")
    assert focused(page) == 'button "Draw the chart"'
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"?region={YORKSHIRE}")
    expect(
        page.get_by_role("img", name="Average answer (1 to 5) by quarter: England and Yorkshire and The Humber")
    ).to_be_visible()
    expect(page.locator('g[data-line="region"] polyline')).to_have_count(1)
    axe.check(page, "barometer-region")

    # The table, the chart's alternative, scrolls in a region that takes focus.
    tab_to(page, '.rc-table-scroll[aria-labelledby="table-heading"]')
    table = page.get_by_role("region", name="The figures as a table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").first).to_contain_text("Jan to Mar 2026")
    expect(table.locator("tbody tr").first).to_contain_text("3.0 (20)")  # England: 10 at 4, 10 at 2
    expect(table.locator("tbody tr").last).to_contain_text("2.5 (10)")  # Yorkshire: (3 + 3 + 2 + 2) / 4
    assert page.evaluate(PAGE_PROBLEMS_JS) == []

    # A phone's width: nothing scrolls sideways but the table's own region.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    axe.check(page, "barometer-phone")
    assert axe.violations == []
