"""The registry page's table of register editions beside Ofsted's totals, in a real browser.

Run with `pytest -m browser`. Without Chromium the tests skip, unless REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import Page, expect

from providers.models import ImportRun
from registry.models import OfficialTotal
from tests.browser.test_dashboards import gov_uk_problems
from tests.browser.test_keyboard import browser, page, screenshot

__all__ = ["browser", "page"]  # the fixtures, shared with the keyboard tests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _register(year: int, *, homes: int, places: int | None, owners: bool, lists: str, complete: bool) -> None:
    ImportRun.objects.create(
        kind=ImportRun.Kind.OFSTED,
        source_name=f"provider_at_march_{year}.csv",
        as_of=datetime.date(year, 3, 31),
        status=ImportRun.Status.SUCCEEDED,
        summary={"children_homes": homes, "places": places},
        has_owner_names=owners,
        has_places=places is not None,
        lists=lists,
        is_complete_register=complete,
    )


def test_the_registry_shows_which_figure_is_the_registers_and_which_ofsteds(
    page: Page, live_server, reference_data
) -> None:
    _register(2015, homes=1850, places=None, owners=False, lists="every provider on the register", complete=True)
    _register(2023, homes=2821, places=11103, owners=True, lists="the inspected homes", complete=False)
    OfficialTotal.objects.create(
        as_of=datetime.date(2023, 3, 31), homes=3050, places=11857, source="Ofsted time series"
    )

    page.goto(f"{live_server.url}/registry/")

    table = page.locator("#editions-heading + p + .rc-table-scroll > table")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("td")).to_have_text(
        ["every provider on the register names no owners", "1,850", "not given", "not known", "not known"]
    )
    expect(rows.nth(1).locator("td")).to_have_text(
        ["the inspected homes not the whole register", "2,821", "11,103", "3,050", "11,857"]
    )
    expect(page.get_by_text("2023 total: Ofsted time series.")).to_be_visible()
    assert gov_uk_problems(page) == []
    screenshot(page, "registry-editions")
