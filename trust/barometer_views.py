"""The sector barometer: pulse check-ins across all relationships, by quarter and region
(issue 15 part 5). Public, with small counts hidden (ADR 28); ?format=csv gives the same figures."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from trust.barometer import (
    CACHE_SECONDS,
    ENGLAND_CODE,
    MINIMUM_AUTHORITIES,
    MINIMUM_RELATIONSHIPS,
    QUESTIONS,
    SOURCE,
    Barometer,
    Cell,
    Region,
    barometer_chart,
    sector_barometer,
)
from trust.models import PulseCheckIn

REGION_UNKNOWN = "Choose a region from the list, or none to draw England alone"


@login_not_required
@require_safe
def barometer(request: HttpRequest) -> HttpResponse:
    found = sector_barometer()
    wanted = request.GET.get("format", "")
    if wanted == "csv":
        return _csv(found)
    if wanted:
        return HttpResponseBadRequest(
            "Ask for format=csv for the figures as CSV, or leave format out for the page.",
            content_type="text/plain; charset=utf-8",
        )
    drawable = [region for region in found.regions if any(q.regions[region.ons_code].shown for q in found.quarters)]
    asked = request.GET.get("region", "")
    region = next((choice for choice in drawable if choice.ons_code == asked), None)
    context = {
        "barometer": found,
        "drawable_regions": drawable,
        "region": region,
        # With nothing to draw there is no chart and no choice of region to correct.
        "region_error": REGION_UNKNOWN if asked and region is None and found.shows_anything else "",
        "questions": PulseCheckIn.QUESTIONS,
        "minimum_relationships": MINIMUM_RELATIONSHIPS,
        "minimum_authorities": MINIMUM_AUTHORITIES,
        "source": SOURCE,
    }
    context["figures"] = _figures(found, region, context) if found.shows_anything else ""
    return render(request, "trust/barometer.html", context)


def _figures(found: Barometer, region: Region | None, context: dict[str, Any]) -> str:
    """The chart and tables, rendered once per barometer and region: the same for everyone, and
    most of the page's cost."""
    key = f"{found.version}:figures:{region.ons_code if region else ''}"
    figures: str | None = cache.get(key) if found.version else None
    if figures is None:
        figures = render_to_string(
            "trust/_barometer_figures.html", {**context, "chart": barometer_chart(found, region)}
        )
        if found.version:
            cache.set(key, figures, timeout=CACHE_SECONDS)
    return mark_safe(figures)  # noqa: S308 - our own template's output, escaped as it was rendered


CSV_COLUMNS = [
    "Quarter starting",
    "Quarter",
    "Area code",
    "Area",
    "Relationships",
    "Average answer (1 to 5)",
    *PulseCheckIn.QUESTIONS.values(),
    "Not shown because",
    "Newest check-in",
    "Source",
]


def _csv_row(found: Barometer, start: str, label: str, code: str, area: str, cell: Cell) -> list[str]:
    newest = timezone.localdate(found.newest_check_in_at).isoformat() if found.newest_check_in_at else ""
    return [
        start,
        label,
        code,
        area,
        str(cell.relationships) if cell.shown else "",
        str(cell.average) if cell.shown else "",
        *[str(cell.by_question[question]) if cell.shown else "" for question in QUESTIONS],
        cell.hidden_because,
        newest,
        SOURCE,
    ]


def _csv(found: Barometer) -> HttpResponse:
    """The page's figures, hidden where the page hides them: one row per quarter and area."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sector-barometer.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    names = {region.ons_code: region for region in found.regions}
    for quarter in found.quarters:
        start = quarter.start.isoformat()
        writer.writerow(_csv_row(found, start, quarter.label, ENGLAND_CODE, "England", quarter.england))
        for code, cell in quarter.regions.items():
            region: Region = names[code]
            writer.writerow(_csv_row(found, start, quarter.label, code, region.name, cell))
    return response
