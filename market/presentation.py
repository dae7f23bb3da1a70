"""Presentation mode: the market's key charts one per screen, for a conference stage (issue 15).

Any place (England, a region or a local authority: ?area=<ONS code>) on any date the market
holds (?as_of=YYYY-MM-DD), one slide at a time (?slide=N), with a speaker-notes view of each
slide (?notes=1). Every slide names its place, date, legend and source, on screen and in its
PNG and SVG exports.
"""

from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from geography.selectors import authorities_in_being_on
from market import dashboard_charts as charts
from market.analytics import selectors
from market.analytics.selectors import Area, MarketOptions
from market.dashboard_charts import Chart
from market.hexmap import HexMap, build_hex_map, measure_for
from market.models import ENGLAND_CODE, GeographyLevel, MarketBasis, MarketSnapshot, RecomputeRun
from market.presentation_notes import definitions_for
from market.views import _area_context, _areas_charts, _costs_charts, _page, as_of_choice, served_from_cache
from ownership.models import OwnerType

ENGLAND = Area(ENGLAND_CODE, "England", GeographyLevel.ENGLAND)
MARKET_SLIDES = ["homes-and-places", "owner-types", "concentration", "hhi", "top-owners", "size-bands"]
# England only: the map of its authorities and the fees (recorded nationally, never per area).
ENGLAND_SLIDES = ["map", "fees-owner-type", "fees-sector"]
# A projector at 1366x768 has room for ten bars with labels readable from the back of a hall;
# twenty drew every other label only. The notes and the dashboard keep all twenty.
OWNERS_ON_A_SLIDE = 10
# Longer owner names are shortened on the axis (the full name is in the hover, table and notes).
LABEL_CHARACTERS = 30
REGISTER_SOURCE = "Ofsted, register of children's social care providers at {date} (Open Government Licence v3.0)"
LINKS_SOURCE = "ownership links from Companies House and the researcher's compilation"


@dataclass(frozen=True)
class LegendEntry:
    label: str
    colour: str = ""  # "" for a key with no colour of its own (a bubble's size)


@dataclass
class Slide:
    number: int
    chart: Chart
    legend: list[LegendEntry]
    source: str
    dates: str  # the dates the slide covers, in words
    hexmap: HexMap | None = None  # the map slide: the areas page's hex map instead of a plot
    download_url: str = ""  # the hex map's SVG file


@dataclass
class Choice:
    """What the visitor asked for, as far as it could be honoured, and why not where not."""

    area: Area = ENGLAND
    as_of: datetime.date | None = None
    dates: list[datetime.date] = field(default_factory=list)  # the market's dates, newest first
    notes: bool = False
    problems: list[str] = field(default_factory=list)
    query: dict[str, str] = field(default_factory=dict)  # the valid parameters, kept by every link

    def url(self, slide: int, *, notes: bool | None = None) -> str:
        keep = {**self.query, "slide": str(slide)}
        with_notes = self.notes if notes is None else notes
        if with_notes:
            keep["notes"] = "1"
        return "?" + urlencode(keep)


# ---------------------------------------------------------------- choosing


def _area(raw: str | None) -> tuple[Area, str]:
    if not raw:
        return ENGLAND, ""
    found = selectors.area_named(raw.strip().upper())
    if found is None:
        return ENGLAND, (
            f"There is no region or local authority with the ONS code “{raw[:20]}”: choose a place from the "
            "list. Showing England."
        )
    return found, ""


def _notes(raw: str | None) -> tuple[bool, str]:
    if raw is None or raw == "0":
        return False, ""
    if raw == "1":
        return True, ""
    return False, f"Speaker notes are shown with notes=1, not “{raw[:20]}”. Showing the slide."


def choose(request: HttpRequest, run: RecomputeRun) -> Choice:
    """The place, date and view asked for; a value that cannot be shown is replaced by the
    default and named in a problem, so bad input changes nothing but the message."""
    area, area_problem = _area(request.GET.get("area"))
    dated = as_of_choice(run, MarketOptions(), request.GET.get("as_of"))
    notes, notes_problem = _notes(request.GET.get("notes"))
    query = {}
    if area != ENGLAND or request.GET.get("area") == ENGLAND_CODE:
        query["area"] = area.code
    if dated.shown is not None and not dated.error and request.GET.get("as_of"):
        query["as_of"] = dated.shown.isoformat()
    problems = [problem for problem in (area_problem, dated.error, dated.note, notes_problem) if problem]
    return Choice(area, dated.shown, dated.dates, notes, problems, query)


def slide_number(raw: str | None, count: int) -> tuple[int, str]:
    """The slide asked for (1-based), or the first with a message saying why."""
    if raw is None:
        return 1, ""
    if raw.isdigit() and 1 <= int(raw) <= max(count, 1):
        return int(raw), ""
    return 1, f"There is no slide “{raw[:20]}”: slides are numbered 1 to {max(count, 1)}. Showing the first."


# ---------------------------------------------------------------- the deck


@dataclass
class Deck:
    slides: list[Slide]
    market: dict[str, Any]  # the place's headline figures and coverage, for the speaker notes
    areas: list[tuple[str, list[tuple[str, str]]]]  # the places the chooser offers on the date


# A run's snapshots never change, so a place's deck on a date is kept as long as the run's
# pages are: every slide of a talk after the first is read from the cache, not drawn again.
DECK_SECONDS = 24 * 60 * 60
MARKET_KEYS = ("headline", "coverage", "coverage_warning", "previous_as_of")


def kept_deck(run: RecomputeRun, choice: Choice) -> Deck:
    key = f"present-deck:{run.pk}:{choice.area.code}:{choice.as_of}"
    kept: Deck | None = cache.get(key)
    if kept is None:
        slides, market = deck(run, choice)
        kept = Deck(slides, {key: market.get(key) for key in MARKET_KEYS}, _areas_to_choose(run, choice.as_of))
        cache.set(key, kept, timeout=DECK_SECONDS)
    return kept


def deck(run: RecomputeRun, choice: Choice) -> tuple[list[Slide], dict[str, Any]]:
    """The slides of the chosen place and date, and the place's market context (headline figures)."""
    options = MarketOptions()
    context = _area_context(run, options, choice.area.code, as_of=choice.as_of)
    found: dict[str, Chart] = dict(context.get("charts", {}))
    maps: dict[str, HexMap] = {}
    if choice.area.level == GeographyLevel.ENGLAND:
        found |= _areas_charts(run, options, "hhi", as_of=choice.as_of)
        found |= {
            slug: chart for slug, chart in _costs_charts(run, as_of=choice.as_of).items() if slug != "owner-types"
        }
        hexmap = _hex_map(run, choice)
        if hexmap is not None:
            found["map"], maps["map"] = _map_chart(hexmap, found.get("map")), hexmap
    wanted = MARKET_SLIDES + (ENGLAND_SLIDES if choice.area.level == GeographyLevel.ENGLAND else [])
    drawn = [found[slug] for slug in wanted if slug in found and (found[slug].figure is not None or slug in maps)]
    latest: MarketSnapshot | None = context.get("latest")
    slides = [
        Slide(number, chart, legend(chart), source(chart, latest, run), dates_covered(chart, latest))
        for number, chart in enumerate((for_the_stage(chart) for chart in drawn), start=1)
    ]
    for slide in slides:
        if slide.chart.slug in maps:
            _show_hex_map(slide, maps[slide.chart.slug])
    return slides, context


def _hex_map(run: RecomputeRun, choice: Choice) -> HexMap | None:
    """The areas page's hex map of the authorities on the date; a hexagon opens its own slides."""
    if choice.as_of is None:
        return None
    as_of = choice.as_of
    authorities = selectors.areas_on(run, MarketOptions(), GeographyLevel.LOCAL_AUTHORITY, as_of)
    present_url = reverse("market:dashboards_present")
    return build_hex_map(
        authorities,
        authorities_in_being_on(as_of),
        measure_for("hhi", MarketBasis.PLACES),
        as_of=as_of,
        area_url=lambda code: f"{present_url}?{urlencode({'area': code, 'as_of': as_of.isoformat()})}",
        source=f"Source: Ofsted's register of children's homes at {charts.display(as_of)}.",
    )


def _map_chart(hexmap: HexMap, bubbles: Chart | None) -> Chart:
    """The map slide's chart: the hex map's figures as rows (for the notes), with the coverage
    of the authorities' owners the dashboards' map gives."""
    return Chart(
        slug="map",
        title="Concentration by local authority",
        columns=["Local authority", "Label", "Region", hexmap.measure.column, "Class"],
        rows=[[h.name, h.label, h.region, h.value, h.class_label] for h in hexmap.hexagons],
        coverage=bubbles.coverage if bubbles else "",
        warning=bubbles.warning if bubbles else "",
    )


def _show_hex_map(slide: Slide, hexmap: HexMap) -> None:
    slide.hexmap = hexmap
    slide.legend = [LegendEntry(f"{kind.label} ({kind.count})", kind.fill) for kind in hexmap.classes]
    slide.download_url = f"{reverse('market:dashboards_areas_map')}?{urlencode({'as_of': hexmap.as_of.isoformat()})}"


def for_the_stage(chart: Chart) -> Chart:
    """A projector's copy of a chart: its legend left to the slide, the largest owners cut to
    ten with every label drawn."""
    if chart.figure is None:
        return chart
    figure = copy.deepcopy(chart.figure)
    # The slide's own legend beneath the plot names every colour, larger; Plotly's would repeat it.
    figure["layout"]["showlegend"] = False
    if chart.slug != "top-owners":
        return replace(chart, figure=figure)
    return _largest_owners(chart, figure)


def _largest_owners(chart: Chart, figure: dict[str, Any]) -> Chart:
    rows = chart.rows[:OWNERS_ON_A_SLIDE]
    kept = {str(row[1]).strip() for row in rows}
    figure["data"] = [trace for trace in (_bars_of(trace, kept) for trace in figure["data"]) if trace["y"]]
    yaxis = figure["layout"].setdefault("yaxis", {})
    order = yaxis.get("categoryarray") or [name for trace in figure["data"] for name in trace["y"]]
    categories = [name for name in order if str(name).strip() in kept]
    # Every category labelled (Plotly thins crowded labels), long names shortened on the axis.
    yaxis |= {
        "categoryarray": categories,
        "tickmode": "array",
        "tickvals": categories,
        "ticktext": [_shortened(str(name).strip()) + " " for name in categories],
        "automargin": True,
    }
    figure["layout"]["margin"] = {"l": 20, "r": 30, "t": 20, "b": 60}
    cut = f" (of the {len(chart.rows)} on the dashboard)" if len(chart.rows) > len(rows) else ""
    return replace(chart, title=f"The {len(rows)} largest owners{cut}", rows=rows, figure=figure, links=[])


def _bars_of(trace: dict[str, Any], kept: set[str]) -> dict[str, Any]:
    """The trace's bars of the kept owners only, each with the owner's full name on hover."""
    keep = [index for index, name in enumerate(trace.get("y", [])) if str(name).strip() in kept]
    trace = {**trace, "x": [trace["x"][i] for i in keep], "y": [trace["y"][i] for i in keep]}
    colours = trace.get("marker", {}).get("color")
    if isinstance(colours, list):
        trace["marker"] = {**trace["marker"], "color": [colours[i] for i in keep]}
    trace["hovertext"] = [str(name).strip() for name in trace["y"]]
    trace["hoverinfo"] = "text+x"
    return trace


def _shortened(name: str) -> str:
    return name if len(name) <= LABEL_CHARACTERS else name[: LABEL_CHARACTERS - 1].rstrip() + "\N{HORIZONTAL ELLIPSIS}"


def legend(chart: Chart) -> list[LegendEntry]:
    """What each colour (or size) on the slide stands for."""
    if chart.slug == "top-owners":
        shown = {str(row[2]) for row in chart.rows}
        return [
            LegendEntry(label, charts.OWNER_TYPE_COLOURS[OwnerType(value)])
            for value, label in OwnerType.choices
            if label in shown
        ]
    if chart.slug == "map":
        return [
            LegendEntry("Each circle: a local authority; its area: its number of places"),
            LegendEntry("Colour: its HHI (darker is more concentrated; the scale is beside the map)"),
        ]
    figure = chart.figure or {}
    return [
        LegendEntry(trace.get("name") or _axis_title(figure), _trace_colour(trace, index))
        for index, trace in enumerate(figure.get("data", []))
    ]


def _axis_title(figure: dict[str, Any]) -> str:
    return str(figure.get("layout", {}).get("yaxis", {}).get("title", {}).get("text") or "Value")


def _trace_colour(trace: dict[str, Any], index: int) -> str:
    for colour in (trace.get("line", {}).get("color"), trace.get("marker", {}).get("color")):
        if isinstance(colour, str):
            return colour
    return charts.PALETTE[index % len(charts.PALETTE)]


def source(chart: Chart, latest: MarketSnapshot | None, run: RecomputeRun) -> str:
    """Where the slide's figures come from, with their dates."""
    computed = (
        f"computed by Relational Commissioning on {charts.display(run.finished_at.date())}" if run.finished_at else ""
    )
    if chart.slug.startswith("fees-"):
        synthetic = "synthetic demonstration placements, not real ones" if "synthetic" in chart.title else ""
        what = "Weekly fees of the placements recorded in this service" + (f" ({synthetic})" if synthetic else "")
        return "; ".join(part for part in (what, computed) if part)
    if latest is None:
        return computed
    parts = [REGISTER_SOURCE.format(date=charts.display(latest.as_of))]
    if chart.slug == "homes-and-places":
        parts.append("Ofsted's official totals where it publishes them")
    elif latest.links_oldest and latest.links_newest:
        dated = f"dated {charts.display(latest.links_oldest)} to {charts.display(latest.links_newest)}"
        parts.append(f"{LINKS_SOURCE}, {dated}")
    else:
        parts.append(LINKS_SOURCE)
    return "; ".join([*parts, computed] if computed else parts)


def dates_covered(chart: Chart, latest: MarketSnapshot | None) -> str:
    """The slide's date in words: the date shown, and the span of a trend."""
    firsts = [row[0] for row in chart.rows if row]
    if chart.slug.startswith("fees-"):
        years = sorted({str(year) for year in firsts})
        return f"Financial years {years[0]} to {years[-1]}" if len(years) > 1 else f"Financial year {years[0]}"
    if latest is None:
        return ""
    trend = [cell for cell in firsts if isinstance(cell, datetime.date)]
    if chart.columns[:1] == ["Date"] and len(trend) > 1:
        return f"At {charts.display(latest.as_of)}, with the trend from {charts.display(min(trend))}"
    return f"At {charts.display(latest.as_of)}"


# ---------------------------------------------------------------- the page


def _areas_to_choose(run: RecomputeRun, as_of: datetime.date | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """England, then the regions and local authorities with figures on the date, for the chooser."""
    groups: list[tuple[str, list[tuple[str, str]]]] = [("England", [(ENGLAND_CODE, "England")])]
    if as_of is None:
        return groups
    for level, heading in [(GeographyLevel.REGION, "Regions"), (GeographyLevel.LOCAL_AUTHORITY, "Local authorities")]:
        found = selectors.areas_on(run, MarketOptions(), level, as_of)
        groups.append((heading, [(snapshot.geography_code, snapshot.geography_name) for snapshot in found]))
    return groups


def _navigation(choice: Choice, number: int, slides: list[Slide]) -> dict[str, Any]:
    count = len(slides)
    return {
        "previous_url": choice.url(number - 1) if number > 1 else "",
        "next_url": choice.url(number + 1) if number < count else "",
        "first_url": choice.url(1),
        "last_url": choice.url(max(count, 1)),
        "slide_url": choice.url(number, notes=False),
        "notes_url": choice.url(number, notes=True),
        "contents": [(slide.chart.title, choice.url(slide.number)) for slide in slides],
        # The scenario planner (its own page and slide) opens on the same place and date.
        "scenario_url": reverse("market:dashboards_scenarios")
        + "?"
        + urlencode({"geography": choice.area.code, **({"as_of": choice.as_of.isoformat()} if choice.as_of else {})}),
    }


@login_not_required
@served_from_cache
def present(request: HttpRequest) -> HttpResponse:
    run = selectors.current_run()
    if run is None:
        return _page(request, "present.html", {"run": None, "number": 1, "count": 1})
    choice = choose(request, run)
    kept = kept_deck(run, choice)
    slides = kept.slides
    number, problem = slide_number(request.GET.get("slide"), len(slides))
    slide = slides[number - 1] if slides else None
    context = {
        "run": run,
        "choice": choice,
        "slide": slide,
        "slides": slides,
        "number": number,
        "count": len(slides),
        "problems": [*choice.problems, *([problem] if problem else [])],
        "as_of": choice.as_of,
        "areas": kept.areas,
        **kept.market,
        "definitions": definitions_for(slide.chart.slug) if slide else [],
        **_navigation(choice, number, slides),
    }
    return _page(request, "present_notes.html" if choice.notes else "present.html", context)
