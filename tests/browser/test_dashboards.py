"""The public dashboards in a real browser (Debian's Chromium): charts drawn, slides by keyboard.

Run with `pytest -m browser`. Without Chromium the tests skip, unless REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from market.models import ENGLAND_CODE
from tests.browser.test_keyboard import PAGE_PROBLEMS_JS, SCREENSHOT_DIR, browser, page, screenshot
from tests.conftest import require_service
from tests.market.snapshot_factories import (
    NORTH_EAST,
    CostSnapshotFactory,
    SuppressedCostSnapshotFactory,
    market_over_time,
)

__all__ = ["browser", "page"]  # the fixtures, shared with the keyboard tests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def gov_uk_problems(page: Page) -> list[str]:
    """The keyboard tests' GOV.UK markup check, leaving out Plotly's own toolbar buttons."""
    return [problem for problem in page.evaluate(PAGE_PROBLEMS_JS) if 'class="modebar-btn' not in problem]


def screenshot_parts(page: Page, name: str) -> None:
    """The top of the page and each chart on its own, readable at a glance (when keeping them)."""
    if not SCREENSHOT_DIR:
        return
    page.screenshot(path=f"{SCREENSHOT_DIR}/{name}-top.png")
    for index, section in enumerate(page.locator(".rc-chart").all()):
        section.screenshot(path=f"{SCREENSHOT_DIR}/{name}-chart{index}.png")


@pytest.fixture
def market(reference_data):
    run = market_over_time()
    CostSnapshotFactory(run=run)
    CostSnapshotFactory(run=run, financial_year=2023, median_weekly_fee="5900.00")
    CostSnapshotFactory(run=run, group_value="local_authority", median_weekly_fee="7400.00")
    SuppressedCostSnapshotFactory(run=run, group_kind="region", group_value=NORTH_EAST)
    return run


def test_the_overview_draws_its_charts_and_their_tables(page: Page, live_server, market) -> None:
    page.goto(f"{live_server.url}/dashboards/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Who owns England's children's homes at 31 March 2024")
    expect(page.locator("#chart-hhi.js-plotly-plot")).to_be_visible()
    expect(page.locator("#chart-hhi .modebar-btn[data-title='Download plot as a PNG']")).to_have_count(1)
    table = page.locator("#chart-hhi ~ .rc-table-scroll table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").last).to_contain_text("31 March 2024")
    expect(table.locator("tbody tr").last).to_contain_text("412.5")
    assert gov_uk_problems(page) == []
    screenshot_parts(page, "dashboard-overview")


def test_the_other_dashboards_draw_their_charts(page: Page, live_server, market) -> None:
    for path, chart in [
        ("/dashboards/areas/", "#map .rc-hexmap__svg"),  # the hex map is drawn on the server
        (f"/dashboards/areas/{NORTH_EAST}/", "#chart-owner-types.js-plotly-plot"),
        ("/dashboards/costs/", "#chart-fees-owner-type.js-plotly-plot"),
    ]:
        page.goto(live_server.url + path)
        expect(page.locator(chart)).to_be_visible()
        assert gov_uk_problems(page) == [], path
        screenshot_parts(page, re.sub(r"\W+", "-", path.strip("/")))
    assert ENGLAND_CODE not in page.url


def test_the_hex_map_is_walked_from_north_to_south_with_the_keyboard(page: Page, live_server, market) -> None:
    page.goto(live_server.url + "/dashboards/areas/")
    hexagons = page.locator(".rc-hexmap__svg a")
    expect(hexagons.first).to_be_attached()
    labels = hexagons.evaluate_all("links => links.map(link => link.getAttribute('aria-label'))")

    hexagons.first.focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")

    assert focused == labels[1]
    assert labels[0].split(", ", 1)[1].startswith("Northumberland")  # the most northerly authority comes first
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text(labels[1].split(":")[0].split(", ", 1)[1])


def test_presentation_mode_moves_between_slides_with_the_keyboard(page: Page, live_server, market) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})  # a projector
    page.goto(f"{live_server.url}/dashboards/present/")
    heading = page.locator("#slide-heading")
    expect(heading).to_have_text("Children's homes and places")
    expect(page.locator(".js-plotly-plot")).to_be_visible()
    screenshot(page, "present-1")

    page.keyboard.press("ArrowRight")
    expect(heading).to_have_text("Share by type of owner")
    page.keyboard.press("PageDown")
    expect(heading).to_have_text("Share of the 4 and 10 largest owners (CR4, CR10)")
    page.keyboard.press("ArrowLeft")
    expect(heading).to_have_text("Share by type of owner")
    page.keyboard.press("End")
    expect(heading).to_have_text(re.compile(r"^Weekly fees"))
    expect(page.locator(".js-plotly-plot")).to_be_visible()
    screenshot(page, "present-last")
    page.keyboard.press("Home")
    expect(heading).to_have_text("Children's homes and places")

    page.keyboard.press("Escape")

    expect(page).to_have_url(f"{live_server.url}/dashboards/")


def test_presentation_links_work_without_javascript(browser, live_server, market) -> None:
    require_service("Chromium", browser is not None, "/usr/bin/chromium is missing (apt-get install chromium)")
    assert browser is not None
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/dashboards/present/")

    page.get_by_role("link", name="Next slide").click()

    expect(page.locator("#slide-heading")).to_have_text("Share by type of owner")
    context.close()


def test_a_market_whose_owners_are_too_little_known_is_warned_beside_its_figures(
    page: Page, live_server, market
) -> None:
    from tests.market.test_coverage_pages import WARNING, low_coverage

    low_coverage(market)
    page.goto(f"{live_server.url}/dashboards/")

    expect(page.locator(".rc-coverage-warning").first).to_contain_text(WARNING)
    expect(page.locator("#chart-owner-types-heading")).to_have_text(
        "Share by type of owner, of the places whose owner is known"
    )
    expect(page.locator("#chart-owner-types.js-plotly-plot")).to_be_visible()
    hhi = page.locator("section", has=page.locator("#chart-hhi"))
    expect(hhi.locator(".rc-coverage-warning")).to_contain_text(WARNING)
    page.get_by_role("link", name="How the figures are made").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How the figures are made")
    assert gov_uk_problems(page) == []
    screenshot_parts(page, "dashboard-low-coverage")
