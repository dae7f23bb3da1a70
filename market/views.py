"""The public market dashboards: ownership density and costs, read from the current snapshots."""

from __future__ import annotations

import csv
import datetime
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from federations.selectors import FederatedMarket, federated_market
from market import dashboard_charts as charts
from market.analytics import selectors
from market.analytics.market import TOP_OWNERS
from market.analytics.selectors import MarketOptions
from market.dashboard_charts import Chart
from market.hexmap import areas_hex_map
from market.models import ENGLAND_CODE, GeographyLevel, MarketBasis, MarketSnapshot, OwnerLevel, RecomputeRun
from ownership import pages
from ownership.models import OwnerType

YES_NO = [("yes", "Yes"), ("no", "No")]
DEFAULTS = {"level": OwnerLevel.ULTIMATE.value, "basis": MarketBasis.PLACES.value, "include_local_authority": "yes"}
# Areas without a figure (a register naming no owners) rank last.
SORTS: dict[str, tuple[str, Callable[[MarketSnapshot], Any], bool]] = {
    "hhi": ("HHI, highest first", lambda s: s.hhi if s.hhi is not None else -1.0, True),
    "cr4": ("CR4, highest first", lambda s: s.cr4 if s.cr4 is not None else -1.0, True),
    "units": ("Size, largest first", lambda s: s.units, True),
    "name": ("Name, A to Z", lambda s: s.geography_name, False),
}


class AsOfForm(forms.Form):
    # Read by resolve_as_of against the run's own dates, which a form field cannot know; the
    # field is here so that its error shows in the error summary and beside the select.
    as_of = forms.CharField(label="Show the market on", required=False)


class MarketOptionsForm(AsOfForm):
    level = forms.ChoiceField(
        label="Count owners as",
        choices=OwnerLevel.choices,
        error_messages={"invalid_choice": "Choose registered owner, provider organisation or ultimate owner"},
    )
    basis = forms.ChoiceField(
        label="Measure the market by",
        choices=[(MarketBasis.PLACES, "Places"), (MarketBasis.HOMES, "Homes")],
        error_messages={"invalid_choice": "Choose places or homes"},
    )
    include_local_authority = forms.ChoiceField(
        label="Include local authorities' own homes",
        choices=YES_NO,
        error_messages={"invalid_choice": "Choose yes or no for local authorities' own homes"},
    )

    def options(self) -> MarketOptions:
        """The valid choices, with the default for any that was not valid."""
        chosen = {**DEFAULTS, **getattr(self, "cleaned_data", {})}
        return MarketOptions(
            level=chosen["level"],
            basis=chosen["basis"],
            include_local_authority=chosen["include_local_authority"] == "yes",
        )


class AreaOptionsForm(MarketOptionsForm):
    sort = forms.ChoiceField(
        label="Rank areas by",
        choices=[(key, label) for key, (label, _, _) in SORTS.items()],
        error_messages={"invalid_choice": "Choose to rank by HHI, CR4, size or name"},
    )

    def sort_key(self) -> str:
        return str(getattr(self, "cleaned_data", {}).get("sort") or "hhi")


FormT = TypeVar("FormT", bound=AsOfForm)


def _bound_form(request: HttpRequest, form_class: type[FormT]) -> FormT:
    """Always bound (defaults filled in), so a missing parameter is a default, a wrong one an error."""
    form = form_class(data={**DEFAULTS, "sort": "hhi", **request.GET.dict()})
    form.is_valid()
    return form


def _sorted(snapshots: Sequence[MarketSnapshot], sort: str) -> list[MarketSnapshot]:
    _, key, descending = SORTS[sort]
    return sorted(snapshots, key=key, reverse=descending)


def _csv_url(url_name: str, slug: str, query: str, **kwargs: str) -> str:
    return reverse(url_name, kwargs={**kwargs, "chart": slug}) + (f"?{query}" if query else "")


def _with_csv_urls(found: dict[str, Chart], url_name: str, query: str, **kwargs: str) -> dict[str, Chart]:
    for chart in found.values():
        chart.csv_url = _csv_url(url_name, chart.slug, query, **kwargs)
    return found


def _link_areas(chart: Chart, query: str) -> Chart:
    """Each ranked area's name links to its own page, keeping the market and the date chosen."""
    suffix = f"?{query}" if query else ""
    chart.links = [reverse("market:dashboards_area", args=[row[2]]) + suffix for row in chart.rows]
    return chart


def _by_slug(*found: Chart) -> dict[str, Chart]:
    return {chart.slug: chart for chart in found}


def _figures_as_of(
    run: RecomputeRun, options: MarketOptions, *, as_of: datetime.date | None = None
) -> datetime.date | None:
    """The date of the snapshot shown: the latest on or before `as_of` (the latest of all without)."""
    dates = [date for date in selectors.snapshot_dates(run, options) if as_of is None or date <= as_of]
    return dates[-1] if dates else None


@dataclass(frozen=True)
class AsOfChoice:
    """The date a visitor asked for and the snapshot date shown for it.

    `error` says why the asked-for date cannot be shown (the latest is shown instead);
    `note` says in plain words that a date between registers shows the register before it.
    """

    shown: datetime.date | None
    dates: list[datetime.date]  # the dates the market holds, newest first
    error: str = ""
    note: str = ""

    @property
    def is_latest(self) -> bool:
        return not self.dates or self.shown == self.dates[0]


def as_of_choice(run: RecomputeRun, options: MarketOptions, raw: str | None) -> AsOfChoice:
    dates = sorted(selectors.snapshot_dates(run, options), reverse=True)
    if not dates:
        return AsOfChoice(None, [])
    latest, first = dates[0], dates[-1]
    if not raw:
        return AsOfChoice(latest, dates)
    asked, problem = _parse_date(raw)
    if asked is None:
        return AsOfChoice(latest, dates, error=f"{problem} Showing the latest figures, {charts.display(latest)}.")
    if asked < first:
        return AsOfChoice(
            latest,
            dates,
            error=f"There are no figures before {charts.display(first)}, the first register these figures "
            f"hold: choose a date from the list. Showing the latest figures, {charts.display(latest)}.",
        )
    shown = next(date for date in dates if date <= asked)
    if shown == asked:
        return AsOfChoice(shown, dates)
    note = (
        f"There is no register dated {charts.display(asked)}: these are the figures of the latest register "
        f"before it, dated {charts.display(shown)}."
    )
    return AsOfChoice(shown, dates, note=note)


def _parse_date(raw: str) -> tuple[datetime.date | None, str]:
    shape = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", raw)
    if shape is None:
        return None, f"Enter the date as year, month and day, for example 2018-03-31 (not “{raw[:20]}”)."
    try:
        return datetime.date(*(int(part) for part in shape.groups())), ""
    except ValueError:  # 2023-02-30: the right shape, but no such day
        return None, f"{raw} is not a real date: choose a date from the list."


def resolve_as_of(run: RecomputeRun, options: MarketOptions, raw: str | None) -> tuple[datetime.date | None, str]:
    """The snapshot date to show for ?as_of= (None when the market holds no date), and the
    message to show beside it ("" when none): why the date asked for cannot be shown, or that
    a date between registers shows the register before it."""
    choice = as_of_choice(run, options, raw)
    return choice.shown, choice.error or choice.note


def _headline_figures(snapshot: MarketSnapshot) -> list[tuple[str, Any, str | None]]:
    """The date's figures, each with the key of its change since the previous date; the owner
    figures (none on a date whose register names no owners) with their coverage."""
    units = charts.units_label(snapshot.basis)
    counts: list[tuple[str, Any, str | None]] = [
        ("Homes", snapshot.homes, None),
        *([(units, snapshot.units, "units")] if snapshot.basis == MarketBasis.PLACES else []),
    ]
    owners: list[tuple[str, Any, str | None]] = [
        ("Owners", snapshot.owners, "owners"),
        ("HHI", snapshot.hhi, "hhi"),
        ("CR4: share of the 4 largest owners (%)", snapshot.cr4, "cr4"),
        ("CR10: share of the 10 largest owners (%)", snapshot.cr10, "cr10"),
        (f"Owners holding a quarter of the {units.lower()}", snapshot.figures.get("owners_for_25_percent"), None),
        (f"Owners holding half of the {units.lower()}", snapshot.figures.get("owners_for_50_percent"), None),
    ]
    coverage: list[tuple[str, Any, str | None]] = [
        ("Owner known (% of homes)", snapshot.coverage_homes, None),
        *(
            [("Owner known (% of places)", snapshot.coverage_places, None)]
            if snapshot.coverage_places is not None
            else []
        ),
    ]
    return counts + ([] if charts.is_counts_only(snapshot) else owners + coverage)


def headline(snapshot: MarketSnapshot) -> list[dict[str, Any]]:
    """The date's figures for display, each with its change since the previous date where known."""
    change = snapshot.figures.get("change_since_previous") or {}
    return [
        {"label": label, "value": charts.display(value), "change": _change(change, key) if key else ""}
        for label, value, key in _headline_figures(snapshot)
    ]


def headline_table(snapshot: MarketSnapshot) -> Chart:
    """The headline figures as a table for their CSV: each figure, its value and its change."""
    change = snapshot.figures.get("change_since_previous") or {}
    previous = _date(change.get("as_of"))
    rows: list[list[charts.Cell]] = []
    for label, value, key in _headline_figures(snapshot):
        difference = change.get(key) if key else None
        if difference is not None and change.get("edition_break"):
            difference = "not comparable: the register changed edition"
        rows.append([label, value, difference, previous if difference is not None else None])
    columns = ["Figure", "Value", "Change since the previous register", "Previous register"]
    title = f"{snapshot.geography_name} at a glance"
    return Chart(slug="headline", title=title, columns=columns, rows=rows, as_of=snapshot.as_of)


def federations_table(figures: FederatedMarket) -> Chart:
    """The federations section as a table for its CSV, on its own date (today's)."""
    owned, as_one = figures.as_owned, figures.federations_as_one
    rows: list[list[charts.Cell]] = [
        ["Places", figures.places, None],
        ["Places in a federation's homes", figures.places_federated, None],
        ["Federated share of places (%)", figures.federated_share_percent, None],
        ["Federations", len(figures.by_federation), None],
        ["HHI of places (0 to 10,000)", owned.hhi if owned else None, as_one.hhi if as_one else None],
        ["CR4: share of the 4 largest (%)", owned.cr4 if owned else None, as_one.cr4 if as_one else None],
        ["Owners", owned.owners if owned else None, as_one.owners if as_one else None],
    ]
    columns = ["Figure", "As owned", "If each federation counted as one owner"]
    title = "Federations of small providers"
    return Chart(slug="federations", title=title, columns=columns, rows=rows, as_of=figures.as_of)


def _change(change: dict[str, Any], key: str) -> str:
    difference = change.get(key)
    if difference is None:
        return ""
    if change.get("edition_break"):  # not like with like: never shown as growth
        return "not comparable with the previous register, which holds different homes or figures"
    return f"{'+' if difference > 0 else ''}{charts.display(difference)}"


def _market_charts(
    series: list[MarketSnapshot], homes: list[MarketSnapshot], places: list[MarketSnapshot], basis: str
) -> dict[str, Chart]:
    latest = series[-1]
    return _by_slug(
        charts.homes_places_chart(homes, places),
        charts.owner_types_chart(series, basis),
        charts.concentration_chart(series),
        charts.hhi_chart(series),
        charts.top_owners_chart(latest),
        charts.size_bands_chart(latest),
    )


def _area_context(
    run: RecomputeRun, options: MarketOptions, code: str, *, as_of: datetime.date | None = None
) -> dict[str, Any]:
    """An area's market on a date (the latest without one): headline, coverage and trend charts
    over the dates up to it."""
    series = selectors.area_series(run, options, code, until=as_of)
    if not series:
        return {}
    places = series
    if options.basis != MarketBasis.PLACES:
        places = selectors.area_series(run, options.on_places(), code, until=as_of)
    homes = series
    if options.basis != MarketBasis.HOMES:
        homes = selectors.area_series(run, options.on_homes(), code, until=as_of)
    latest = series[-1]
    return {
        "latest": latest,
        "headline": headline(latest),
        "coverage": charts.coverage_text(latest),
        "coverage_warning": charts.coverage_warning(latest),
        "previous_as_of": _date((latest.figures.get("change_since_previous") or {}).get("as_of")),
        "charts": _market_charts(series, homes, places, options.basis),
    }


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def served_from_cache(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Keep each public dashboard response for anonymous visitors until the next recompute.

    The pages read only snapshots, so a response stays true until another run becomes
    current (its id is in the key). Signed-in people see their own navigation, and a page
    with a message waiting is personal too: both are rendered afresh.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated or _has_pending_messages(request):
            return view(request, *args, **kwargs)
        run = selectors.current_run()
        if not _cacheable(request, run):
            return view(request, *args, **kwargs)
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"dashboards:{run.pk if run else 'none'}:{path}"
        nonce = getattr(request, "csp_nonce", "")
        kept: tuple[HttpResponse, str] | None = cache.get(key)
        if kept is None:
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                cache.set(key, (response, nonce), timeout=CACHE_SECONDS)
            return response
        response, rendered_with = kept
        # The page's one inline script carries the nonce of the request that rendered it; this
        # request's Content-Security-Policy names a new one, so the kept page is given it.
        if rendered_with and nonce:
            old, new = f'nonce="{rendered_with}"'.encode(), f'nonce="{nonce}"'.encode()
            response.content = response.content.replace(old, new)
        return response

    return wrapper


CACHE_SECONDS = 24 * 60 * 60
# Only the pages' own parameters with their valid values are cached, so that made-up query
# strings cannot fill the cache (they are rendered afresh, with their errors shown).
_CACHEABLE_VALUES: dict[str, set[str]] = {
    "level": set(OwnerLevel.values),
    "basis": set(MarketBasis.values),
    "include_local_authority": {"yes", "no"},
    "sort": set(SORTS),
    "slide": {str(number) for number in range(1, 21)},
    "notes": {"1"},  # presentation mode's speaker notes
}


def _cacheable(request: HttpRequest, run: RecomputeRun | None) -> bool:
    """Only known values are kept: a date only if the current run holds it (a date between
    registers, or made up, is rendered afresh every time)."""
    for key, values in request.GET.lists():
        if len(values) != 1:
            return False
        if key == "as_of":
            if run is None or values[0] not in _held_dates(run):
                return False
        elif key == "area":  # presentation mode's place: only one the run holds figures for
            if run is None or values[0] not in _held_areas(run):
                return False
        elif values[0] not in _CACHEABLE_VALUES.get(key, set()):
            return False
    return True


def _held_areas(run: RecomputeRun) -> set[str]:
    key = f"market-areas:{run.pk}"
    held: set[str] | None = cache.get(key)
    if held is None:
        held = selectors.run_geography_codes(run)
        cache.set(key, held, timeout=CACHE_SECONDS)
    return held


def _held_dates(run: RecomputeRun) -> set[str]:
    """The dates (ISO) the run holds snapshots for, kept as long as its pages are."""
    key = f"market-dates:{run.pk}"
    held: set[str] | None = cache.get(key)
    if held is None:
        held = {date.isoformat() for date in selectors.run_dates(run)}
        cache.set(key, held, timeout=CACHE_SECONDS)
    return held


def _has_pending_messages(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    return "messages" in request.COOKIES or bool(session is not None and session.get("_messages"))


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context.setdefault("query", request.GET.urlencode())
    return render(request, f"market/dashboards/{template}", context)


def _choose_date(request: HttpRequest, form: AsOfForm, run: RecomputeRun, options: MarketOptions) -> AsOfChoice:
    """The date the visitor chose, its error shown beside the date select and in the summary."""
    choice = as_of_choice(run, options, request.GET.get("as_of"))
    if choice.error:
        form.add_error("as_of", choice.error)
    return choice


def _query(request: HttpRequest, choice: AsOfChoice | None, *, without: tuple[str, ...] = ()) -> str:
    """This page's query for the links it makes: the date shown (never one in error or between
    registers, and none for the latest), and the other choices as they came."""
    query = request.GET.copy()
    for name in ("as_of", *without):
        query.pop(name, None)
    if choice is not None and choice.shown is not None and not choice.is_latest:
        query["as_of"] = choice.shown.isoformat()
    return query.urlencode()


def _date_context(choice: AsOfChoice, request: HttpRequest) -> dict[str, Any]:
    query = _query(request, choice)
    return {
        "as_of": choice.shown,
        "as_of_choice": choice,
        "query": query,
        "nav_query": f"as_of={choice.shown.isoformat()}" if choice.shown and not choice.is_latest else "",
    }


@login_not_required
@served_from_cache
def overview(request: HttpRequest) -> HttpResponse:
    form = _bound_form(request, MarketOptionsForm)
    run = selectors.current_run()
    context: dict[str, Any] = {"form": form, "run": run}
    shown: datetime.date | None = None
    if run is not None:
        options = form.options()
        choice = _choose_date(request, form, run, options)
        shown = choice.shown
        context |= _date_context(choice, request)
        context |= _area_context(run, options, ENGLAND_CODE, as_of=shown)
        _with_csv_urls(context.get("charts", {}), "market:dashboards_csv", context["query"])
        context["headline_csv_url"] = _csv_url("market:dashboards_csv", "headline", context["query"])
        context["federations_csv_url"] = _csv_url("market:dashboards_csv", "federations", context["query"])
    context["federations"] = _federations_today()
    return _page(request, "overview.html", context)


def _federations_today() -> FederatedMarket:
    """Federations as groupings of today's homes, never as owners: the federated share of
    places and concentration if each federation counted as one owner (issue 14). Always today's:
    membership is not kept over time, so a past date's page says so rather than guess."""
    today = pages.today()
    return federated_market(as_of=today, resolutions=pages.resolutions_on(today))


@login_not_required
@served_from_cache
def overview_csv(request: HttpRequest, chart: str) -> HttpResponse:
    if chart in METHOD_TABLES:  # the method page's tables: they need no recompute
        return csv_response(method_tables(selectors.method_facts()), chart, "method")
    form = _bound_form(request, MarketOptionsForm)
    run = _run_or_404()
    options = form.options()
    as_of = as_of_choice(run, options, request.GET.get("as_of")).shown
    if chart == "federations":
        return csv_response({chart: federations_table(_federations_today())}, chart, "england")
    context = _area_context(run, options, ENGLAND_CODE, as_of=as_of)
    found = dict(context.get("charts", {}))
    if context:
        found["headline"] = headline_table(context["latest"])
    return csv_response(found, chart, "england")


def _areas_charts(
    run: RecomputeRun, options: MarketOptions, sort: str, *, as_of: datetime.date | None = None
) -> dict[str, Chart]:
    as_of = _figures_as_of(run, options, as_of=as_of)
    if as_of is None:
        return {}
    regions = selectors.areas_on(run, options, GeographyLevel.REGION, as_of)
    authorities = selectors.areas_on(run, options, GeographyLevel.LOCAL_AUTHORITY, as_of)
    return _by_slug(
        charts.map_chart(authorities, selectors.authority_positions(), options.basis),
        charts.ranking_chart("regions", "Regions", _sorted(regions, sort), options.basis, as_of=as_of),
        charts.ranking_chart(
            "local-authorities", "Local authorities", _sorted(authorities, sort), options.basis, as_of=as_of
        ),
    )


@login_not_required
@served_from_cache
def areas(request: HttpRequest) -> HttpResponse:
    form = _bound_form(request, AreaOptionsForm)
    run = selectors.current_run()
    context: dict[str, Any] = {"form": form, "run": run}
    if run is not None:
        options = form.options()
        choice = _choose_date(request, form, run, options)
        context |= _date_context(choice, request)
        found = _areas_charts(run, options, form.sort_key(), as_of=choice.shown)
        context["charts"] = _with_csv_urls(found, "market:dashboards_areas_csv", context["query"])
        area_query = _query(request, choice, without=("sort",))
        context["rankings"] = [
            _link_areas(found[slug], area_query) for slug in ("regions", "local-authorities") if slug in found
        ]
        context |= _hex_map_context(run, options, form.sort_key(), choice.shown, area_query, context["query"])
    return _page(request, "areas.html", context)


def _hex_map_context(
    run: RecomputeRun, options: MarketOptions, sort: str, as_of: datetime.date | None, area_query: str, query: str
) -> dict[str, Any]:
    """The labelled hex map of the authorities on the date, and the address of its SVG file."""
    if as_of is None:
        return {}
    authorities = selectors.areas_on(run, options, GeographyLevel.LOCAL_AUTHORITY, as_of)
    return {
        "hexmap": areas_hex_map(authorities, sort, options.basis, as_of, area_query),
        "map_svg_url": reverse("market:dashboards_areas_map") + (f"?{query}" if query else ""),
    }


@login_not_required
@served_from_cache
def areas_csv(request: HttpRequest, chart: str) -> HttpResponse:
    form = _bound_form(request, AreaOptionsForm)
    run = _run_or_404()
    options = form.options()
    as_of = as_of_choice(run, options, request.GET.get("as_of")).shown
    return csv_response(_areas_charts(run, options, form.sort_key(), as_of=as_of), chart, "areas")


def _one_area_context(
    run: RecomputeRun, options: MarketOptions, area: selectors.Area, sort: str, as_of: datetime.date | None
) -> dict[str, Any]:
    context = _area_context(run, options, area.code, as_of=as_of)
    if context and area.level == GeographyLevel.REGION:
        shown = context["latest"].as_of
        authorities = selectors.authorities_of_region_on(run, options, area.code, shown)
        ranking = charts.ranking_chart(
            "authorities", f"Local authorities in {area.name}", _sorted(authorities, sort), options.basis, as_of=shown
        )
        context["charts"][ranking.slug] = ranking
    return context


def _area_or_404(code: str) -> selectors.Area:
    area = selectors.area_named(code)
    if area is None:
        raise Http404("No region or local authority has this code.")
    return area


@login_not_required
@served_from_cache
def area(request: HttpRequest, code: str) -> HttpResponse:
    place = _area_or_404(code)
    form = _bound_form(request, AreaOptionsForm)
    run = selectors.current_run()
    context: dict[str, Any] = {
        "form": form,
        "run": run,
        "area": place,
        "level_label": GeographyLevel(place.level).label,
    }
    if run is not None:
        choice = _choose_date(request, form, run, form.options())
        context |= _date_context(choice, request)
        context |= _one_area_context(run, form.options(), place, form.sort_key(), choice.shown)
        if "latest" in context:  # an area missing on the date shows its latest before it
            context["as_of"] = context["latest"].as_of
        _with_csv_urls(context.get("charts", {}), "market:dashboards_area_csv", context["query"], code=code)
        context["headline_csv_url"] = _csv_url("market:dashboards_area_csv", "headline", context["query"], code=code)
        if "authorities" in context.get("charts", {}):
            _link_areas(context["charts"]["authorities"], _query(request, choice, without=("sort",)))
    return _page(request, "area.html", context)


@login_not_required
@served_from_cache
def area_csv(request: HttpRequest, code: str, chart: str) -> HttpResponse:
    place = _area_or_404(code)
    form = _bound_form(request, AreaOptionsForm)
    run = _run_or_404()
    options = form.options()
    as_of = as_of_choice(run, options, request.GET.get("as_of")).shown
    context = _one_area_context(run, options, place, form.sort_key(), as_of)
    found = dict(context.get("charts", {}))
    if context:
        found["headline"] = headline_table(context["latest"])
    return csv_response(found, chart, code)


def _costs_charts(run: RecomputeRun, *, as_of: datetime.date | None = None) -> dict[str, Chart]:
    """Owner-type shares up to the date and the fees of the financial years begun by then
    (None: every date and financial year)."""
    costs = selectors.cost_snapshots(run, until=as_of)
    found: dict[str, Chart] = {}
    england = selectors.area_series(run, MarketOptions(), ENGLAND_CODE, until=as_of)
    if england:
        found["owner-types"] = charts.owner_types_chart(england, MarketBasis.PLACES)
    for kind in charts.fee_kinds(costs):
        chart = charts.fees_chart(kind, costs)
        found[chart.slug] = chart
    return found


@login_not_required
@served_from_cache
def costs(request: HttpRequest) -> HttpResponse:
    form = _bound_form(request, AsOfForm)
    run = selectors.current_run()
    context: dict[str, Any] = {"run": run, "form": form}
    if run is not None:
        choice = _choose_date(request, form, run, MarketOptions())
        context |= _date_context(choice, request)
        found = _with_csv_urls(_costs_charts(run, as_of=_past(choice)), "market:dashboards_costs_csv", context["query"])
        context["synthetic"] = any(snapshot.synthetic for snapshot in selectors.cost_snapshots(run))
        context["shares"] = found.get("owner-types")
        context["fee_charts"] = [chart for slug, chart in found.items() if slug.startswith("fees-")]
    return _page(request, "costs.html", context)


@login_not_required
@served_from_cache
def costs_csv(request: HttpRequest, chart: str) -> HttpResponse:
    run = _run_or_404()
    as_of = _past(as_of_choice(run, MarketOptions(), request.GET.get("as_of")))
    return csv_response(_costs_charts(run, as_of=as_of), chart, "costs")


def _past(choice: AsOfChoice) -> datetime.date | None:
    """A past date chosen, or None for the latest: placements go on being recorded after the
    latest register, so the latest costs count every financial year."""
    return None if choice.is_latest else choice.shown


def _run_or_404() -> RecomputeRun:
    run = selectors.current_run()
    if run is None:
        raise Http404("No market figures have been computed yet.")
    return run


def csv_response(found: dict[str, Chart], slug: str, prefix: str) -> HttpResponse:
    """Exactly the rows a chart draws, with a header row."""
    chart = found.get(slug)
    if chart is None:
        raise Http404("There is no chart with this name.")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{prefix.lower()}-{slug}.csv"'
    writer = csv.writer(response)
    # A table of one date says which on every row, so the file keeps its date when copied apart.
    dated = [] if chart.as_of is None else [chart.as_of]
    writer.writerow([*(["As of"] if dated else []), *chart.columns])
    writer.writerows([_csv_cell(cell) for cell in [*dated, *row]] for row in chart.rows)
    return response


def _csv_cell(cell: charts.Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    text = str(cell)
    # An owner's name starting like a formula must not run in a spreadsheet (CSV injection).
    if isinstance(cell, str) and text[:1] in {"=", "+", "-", "@"}:
        return "'" + text
    return text


METHOD_TABLES = ("registers", "link-sources", "imported-files")


def _supports(edition: Any) -> str:
    supports = "Counts and concentration" if edition.has_owner_names else "Counts only"
    return supports + ("" if edition.has_places else ", homes only") + (f" ({edition.name})" if edition.name else "")


def method_tables(facts: selectors.MethodFacts) -> dict[str, Chart]:
    """The method page's tables, as the rows of their CSVs."""
    yes_no = {True: "Yes", False: "No"}
    registers: list[list[charts.Cell]] = [
        [as_of, yes_no[bool(edition.has_owner_names)], yes_no[bool(edition.has_places)], _supports(edition)]
        for as_of, edition in facts.registers
    ]
    sources: list[list[charts.Cell]] = [
        [source.source, source.links, source.oldest, source.newest] for source in facts.link_sources
    ]
    files: list[list[charts.Cell]] = [[file.kind, file.name, file.as_of] for file in facts.imports]
    return _by_slug(
        Chart(
            "registers", "Registers imported", ["Date", "Owner names", "Places", "What the date supports"], registers
        ),
        Chart("link-sources", "Ownership links by source", ["Source", "Links", "Stated from", "Stated to"], sources),
        Chart("imported-files", "Files imported", ["Kind", "File", "Its date"], files),
    )


@login_not_required
@served_from_cache
def method(request: HttpRequest) -> HttpResponse:
    """How the figures are made: every definition in plain words, with the data's own dates."""
    facts = selectors.method_facts()
    context = {
        "facts": facts,
        "owner_types": [(label, charts.OWNER_TYPE_COLOURS[OwnerType(value)]) for value, label in OwnerType.choices],
        "levels": OwnerLevel.choices,
        "top_owners": TOP_OWNERS,
    }
    return _page(request, "method.html", context)
