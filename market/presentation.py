"""Presentation mode: the market's key charts one per screen, for a conference stage (issue 15)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse

from market.analytics import selectors
from market.analytics.selectors import MarketOptions
from market.dashboard_charts import Chart
from market.models import ENGLAND_CODE, RecomputeRun
from market.views import _area_context, _areas_charts, _costs_charts, _figures_as_of, _page, served_from_cache


def _slides(run: RecomputeRun) -> list[Chart]:
    """The key charts of the default market, one per screen."""
    options = MarketOptions()
    england = _area_context(run, options, ENGLAND_CODE).get("charts", {})
    costs = _costs_charts(run)
    wanted = [
        england.get("homes-and-places"),
        england.get("owner-types"),
        england.get("concentration"),
        england.get("hhi"),
        england.get("top-owners"),
        england.get("size-bands"),
        _areas_charts(run, options, "hhi").get("map"),
        costs.get("fees-owner-type"),
        costs.get("fees-sector"),
    ]
    return [chart for chart in wanted if chart is not None]


def _slide_number(raw: str | None, count: int) -> tuple[int, str]:
    """The slide asked for (1-based), or the first with a message saying why."""
    if raw is None:
        return 1, ""
    if raw.isdigit() and 1 <= int(raw) <= max(count, 1):
        return int(raw), ""
    return 1, f"There is no slide “{raw[:20]}”: slides are numbered 1 to {max(count, 1)}. Showing the first."


@login_not_required
@served_from_cache
def present(request: HttpRequest) -> HttpResponse:
    run = selectors.current_run()
    slides = _slides(run) if run is not None else []
    number, problem = _slide_number(request.GET.get("slide"), len(slides))
    context = {
        "run": run,
        "slide": slides[number - 1] if slides else None,
        "number": number,
        "count": len(slides),
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if number < len(slides) else None,
        "problem": problem,
        "as_of": _figures_as_of(run, MarketOptions()) if run is not None else None,
    }
    return _page(request, "present.html", context)
