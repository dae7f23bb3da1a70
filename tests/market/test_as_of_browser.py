"""Choosing the dashboards' date in a real browser, by keyboard alone (issue 15 part 1).

Run with `pytest -m browser`. Without Chromium the tests skip, unless REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_dashboards import gov_uk_problems
from tests.browser.test_keyboard import browser, page
from tests.market.snapshot_factories import market_over_time

__all__ = ["browser", "page"]  # the fixtures, shared with the keyboard tests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_date_is_chosen_with_the_keyboard_and_the_pages_keep_it(page: Page, live_server, reference_data) -> None:
    market_over_time()
    page.goto(f"{live_server.url}/dashboards/")

    date = page.get_by_label("Show the market on")
    date.focus()
    page.keyboard.press("ArrowDown")  # the older date, below the latest
    page.keyboard.press("Tab")
    for _ in range(6):  # past the market's own choices, to the Show button
        if page.evaluate("document.activeElement.textContent.trim()") == "Show":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(page).to_have_url(
        f"{live_server.url}/dashboards/?as_of=2023-03-31&level=ultimate&basis=places&include_local_authority=yes"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Who owns England's children's homes at 31 March 2023")
    assert gov_uk_problems(page) == []
    page.get_by_role("link", name="Regions and local authorities").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ownership by region and local authority at 31 March 2023"
    )
