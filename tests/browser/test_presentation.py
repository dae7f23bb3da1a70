"""Presentation mode and the dashboards' charts in a real browser (Debian's Chromium): slides
legible on a projector, pictures that carry their title and source, and no serious axe finding.

Run with `pytest -m browser`. Without Chromium or axe-core the tests skip, unless REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from market.models import RecomputeRun
from tests.browser.test_journey import AXE, FAILING_IMPACTS
from tests.browser.test_keyboard import SCREENSHOT_DIR, browser, screenshot
from tests.conftest import require_service
from tests.market.snapshot_factories import NORTH_EAST, CostSnapshotFactory, market_over_time

__all__ = ["browser"]  # the fixture, shared with the keyboard tests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROJECTORS = [(1366, 768), (1920, 1080)]
SIZES = [(1366, 768), (390, 844)]
CHART_PAGES = ["/dashboards/", "/dashboards/areas/", f"/dashboards/areas/{NORTH_EAST}/", "/dashboards/present/"]
NOTES = "/dashboards/present/?slide=5&notes=1"  # the speaker notes: a page of definitions and tables
SLIDES = 9
TOP_OWNERS_SLIDE = 5
# test_journey's axe run, on the whole document or on every element a selector finds.
AXE_RUN_IN_JS = """async ([where, impacts]) => {
  const context = where === 'document' ? document : {include: [...document.querySelectorAll(where)]};
  const results = await axe.run(context, {resultTypes: ['violations']});
  return results.violations
    .filter(violation => impacts.includes(violation.impact))
    .map(violation => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map(node => node.target.join(' ')),
    }));
}"""


@pytest.fixture
def market(reference_data) -> RecomputeRun:
    run = market_over_time()
    # Financial years begun by the latest date (31 March 2024), so the fees slides show.
    CostSnapshotFactory(run=run, financial_year=2022)
    CostSnapshotFactory(run=run, financial_year=2023, median_weekly_fee="5900.00")
    CostSnapshotFactory(run=run, financial_year=2023, group_kind="sector", group_value="independent")
    return run


def sized_page(browser: Browser | None, width: int, height: int) -> Iterator[Page]:
    require_service("Chromium", browser is not None, "/usr/bin/chromium is missing (apt-get install chromium)")
    assert browser is not None
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    yield context.new_page()
    context.close()


@pytest.fixture(params=PROJECTORS, ids=lambda size: f"{size[0]}x{size[1]}")
def projector(request: pytest.FixtureRequest, browser: Browser | None) -> Iterator[Page]:
    yield from sized_page(browser, *request.param)


@pytest.fixture
def laptop(browser: Browser | None) -> Iterator[Page]:
    yield from sized_page(browser, 1366, 768)


@pytest.fixture(params=SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def screen(request: pytest.FixtureRequest, browser: Browser | None) -> Iterator[Page]:
    yield from sized_page(browser, *request.param)


def test_every_slide_shows_its_title_legend_source_and_date(projector: Page, live_server, market) -> None:
    for number in range(1, SLIDES + 1):
        projector.goto(f"{live_server.url}/dashboards/present/?slide={number}")

        expect(projector.locator("#slide-heading")).to_be_visible()
        expect(projector.locator(".rc-slide__place")).to_contain_text(
            re.compile(r"^England · (At 31 March 2024|Financial years? )")
        )
        expect(projector.locator(".rc-slide__legend li").first).to_be_visible()
        expect(projector.locator(".rc-slide__source")).to_contain_text(re.compile(r"^Source: (Ofsted|Weekly fees)"))
        plot = projector.locator(".js-plotly-plot, .rc-hexmap__svg")  # the map slide is the hex map
        expect(plot).to_be_visible()
        box = plot.bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= projector.viewport_size["height"], f"slide {number} runs off the screen"  # type: ignore[index]
        next_link = projector.locator(".rc-presentation__pagination a").last
        box = next_link.bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= projector.viewport_size["height"], f"slide {number}: links off screen"  # type: ignore[index]
        screenshot(projector, f"present-{projector.viewport_size['width']}-{number}")  # type: ignore[index]


def test_the_largest_owners_slide_labels_every_owner(projector: Page, live_server, market) -> None:
    projector.goto(f"{live_server.url}/dashboards/present/?slide={TOP_OWNERS_SLIDE}")
    expect(projector.locator("#chart-top-owners.js-plotly-plot")).to_be_visible()

    labels = [text.strip() for text in projector.locator("#chart-top-owners .ytick text").all_text_contents()]

    assert labels[0] == "Owner 10 Limited"  # drawn from the bottom up
    assert labels[-1] == "Owner 1 Limited"  # the largest owner, at the top
    assert len(labels) == 10
    sizes = projector.locator("#chart-top-owners .ytick text").first.evaluate("e => getComputedStyle(e).fontSize")
    assert float(sizes.removesuffix("px")) >= 16  # readable from the back of a hall


def test_an_svg_of_a_slide_carries_its_title_place_date_and_source(laptop: Page, live_server, market) -> None:
    page = laptop
    page.goto(f"{live_server.url}/dashboards/present/?slide=4")
    expect(page.locator("#chart-hhi.js-plotly-plot")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("button", name="Download SVG picture: Herfindahl-Hirschman index (HHI)").click()

    assert download.value.suggested_filename == "england-2024-03-31-hhi.svg"
    if SCREENSHOT_DIR:  # kept beside the screenshots, to look at
        download.value.save_as(f"{SCREENSHOT_DIR}/export-hhi.svg")
    svg = Path(download.value.path()).read_text()
    assert svg.startswith("<svg")
    assert "Herfindahl-Hirschman index (HHI)" in svg
    assert "England · At 31 March 2024, with the trend from 31 March 2023" in svg
    assert "Source: Ofsted, register of children's social care providers at 31 March 2024" in svg.replace("&#39;", "'")


def test_a_dashboard_chart_downloads_as_a_png_with_its_title(laptop: Page, live_server, market) -> None:
    page = laptop
    page.goto(f"{live_server.url}/dashboards/areas/{NORTH_EAST}/")
    expect(page.locator("#chart-hhi.js-plotly-plot")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("button", name="Download PNG picture: Herfindahl-Hirschman index (HHI)").click()

    assert download.value.suggested_filename == "north-east-2024-03-31-hhi.png"
    assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_chooser_shows_a_region_on_an_earlier_date_without_a_mouse(laptop: Page, live_server, market) -> None:
    page = laptop
    page.goto(f"{live_server.url}/dashboards/present/")

    page.locator(".rc-presentation__chooser summary").focus()
    page.keyboard.press("Enter")
    page.locator("#present-area").select_option(NORTH_EAST)
    page.locator("#present-as-of").select_option("2023-03-31")
    page.get_by_role("button", name="Show these slides").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator(".rc-slide__place")).to_have_text("North East · At 31 March 2023")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#slide-heading")).to_have_text("Share by type of owner")
    assert f"area={NORTH_EAST}" in page.url
    assert "as_of=2023-03-31" in page.url


def test_axe_finds_no_serious_problem_in_the_charts_and_slides(screen: Page, live_server, market) -> None:
    """The dashboards' charts (each in its section: figure, table, exports) and presentation
    mode's pages whole. The rest of a dashboard page (its options, the hex map) is other parts'
    to check (tests/browser/test_accessibility.py)."""
    require_service("axe-core", AXE.exists(), f"{AXE} is missing (npm ci)")
    found: list[str] = []
    for path in [*CHART_PAGES, NOTES]:
        screen.goto(live_server.url + path)
        if screen.locator(".js-chart").count():  # every Plotly chart drawn before axe looks
            expect(screen.locator(".js-chart:not(.js-plotly-plot)")).to_have_count(0)
        name = re.sub(r"\W+", "-", path)
        screenshot(screen, f"axe-{screen.viewport_size['width']}-{name}")  # type: ignore[index]
        # Evaluated by the test harness, not added as an inline <script> (the CSP allows none).
        screen.evaluate(f"() => {{ {AXE.read_text()}\n}}")
        where = "document" if path.startswith("/dashboards/present/") else ".rc-chart"
        found += [
            f"{path}: {v['impact']} {v['id']}: {v['help']}; at {', '.join(v['targets'])}"
            for v in screen.evaluate(AXE_RUN_IN_JS, [where, list(FAILING_IMPACTS)])
        ]

    assert found == []
