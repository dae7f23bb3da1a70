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


FormT = TypeVar("FormT", bound=MarketOptionsForm)


def _bound_form(request: HttpRequest, form_class: type[FormT]) -> FormT:
    """Always bound (defaults filled in), so a missing parameter is a default, a wrong one an error."""
    form = form_class(data={**DEFAULTS, "sort": "hhi", **request.GET.dict()})
    form.is_valid()
    return form


def _sorted(snapshots: Sequence[MarketSnapshot], sort: str) -> list[MarketSnapshot]:
    _, key, descending = SORTS[sort]
    return sorted(snapshots, key=key, reverse=descending)


def _with_csv_urls(found: dict[str, Chart], url_name: str, request: HttpRequest, **kwargs: str) -> dict[str, Chart]:
    query = request.GET.urlencode()
    for chart in found.values():
        chart.csv_url = reverse(url_name, kwargs={**kwargs, "chart": chart.slug}) + (f"?{query}" if query else "")
    return found


def _link_areas(chart: Chart, request: HttpRequest) -> Chart:
    """Each ranked area's name links to its own page, keeping the market chosen."""
    query = request.GET.copy()
    query.pop("sort", None)
    suffix = f"?{query.urlencode()}" if query else ""
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


def headline(snapshot: MarketSnapshot) -> list[dict[str, Any]]:
    """The latest figures, each with its change since the previous date where known; the
    owner figures (none on a date whose register names no owners) with their coverage."""
    change = snapshot.figures.get("change_since_previous") or {}
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
    shown = counts + ([] if charts.is_counts_only(snapshot) else owners + coverage)
    return [
        {"label": label, "value": charts.display(value), "change": _change(change, key) if key else ""}
        for label, value, key in shown
    ]


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
        if request.user.is_authenticated or _has_pending_messages(request) or not _cacheable(request):
            return view(request, *args, **kwargs)
        run = selectors.current_run()
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
}


def _cacheable(request: HttpRequest) -> bool:
    return all(
        len(values) == 1 and values[0] in _CACHEABLE_VALUES.get(key, set()) for key, values in request.GET.lists()
    )


def _has_pending_messages(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    return "messages" in request.COOKIES or bool(session is not None and session.get("_messages"))


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context.setdefault("query", request.GET.urlencode())
    return render(request, f"market/dashboards/{template}", context)


@login_not_required
@served_from_cache
def overview(request: HttpRequest) -> HttpResponse:
    form = _bound_form(request, MarketOptionsForm)
    run = selectors.current_run()
    context: dict[str, Any] = {"form": form, "run": run}
    if run is not None:
        context |= _area_context(run, form.options(), ENGLAND_CODE)
        _with_csv_urls(context.get("charts", {}), "market:dashboards_csv", request)
    context["federations"] = _federations_today()
    return _page(request, "overview.html", context)


def _federations_today() -> FederatedMarket:
    """Federations as groupings of today's homes, never as owners: the federated share of
    places and concentration if each federation counted as one owner (issue 14)."""
    today = pages.today()
    return federated_market(as_of=today, resolutions=pages.resolutions_on(today))


@login_not_required
@served_from_cache
def overview_csv(request: HttpRequest, chart: str) -> HttpResponse:
    form = _bound_form(request, MarketOptionsForm)
    run = _run_or_404()
    return csv_response(_area_context(run, form.options(), ENGLAND_CODE).get("charts", {}), chart, "england")


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
        charts.ranking_chart("regions", "Regions", _sorted(regions, sort), options.basis),
        charts.ranking_chart("local-authorities", "Local authorities", _sorted(authorities, sort), options.basis),
    )


@login_not_required
@served_from_cache
def areas(request: HttpRequest) -> HttpResponse:
    form = _bound_form(request, AreaOptionsForm)
    run = selectors.current_run()
    context: dict[str, Any] = {"form": form, "run": run}
    if run is not None:
        options = form.options()
        context["as_of"] = _figures_as_of(run, options)
        found = _with_csv_urls(_areas_charts(run, options, form.sort_key()), "market:dashboards_areas_csv", request)
        context["charts"] = found
        context["rankings"] = [
            _link_areas(found[slug], request) for slug in ("regions", "local-authorities") if slug in found
        ]
    return _page(request, "areas.html", context)


@login_not_required
@served_from_cache
def areas_csv(request: HttpRequest, chart: str) -> HttpResponse:
    form = _bound_form(request, AreaOptionsForm)
    run = _run_or_404()
    return csv_response(_areas_charts(run, form.options(), form.sort_key()), chart, "areas")


def _one_area_context(run: RecomputeRun, options: MarketOptions, area: selectors.Area, sort: str) -> dict[str, Any]:
    context = _area_context(run, options, area.code)
    if context and area.level == GeographyLevel.REGION:
        authorities = selectors.authorities_of_region_on(run, options, area.code, context["latest"].as_of)
        ranking = charts.ranking_chart(
            "authorities", f"Local authorities in {area.name}", _sorted(authorities, sort), options.basis
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
        context |= _one_area_context(run, form.options(), place, form.sort_key())
        _with_csv_urls(context.get("charts", {}), "market:dashboards_area_csv", request, code=code)
        if "authorities" in context.get("charts", {}):
            _link_areas(context["charts"]["authorities"], request)
    return _page(request, "area.html", context)


@login_not_required
@served_from_cache
def area_csv(request: HttpRequest, code: str, chart: str) -> HttpResponse:
    place = _area_or_404(code)
    form = _bound_form(request, AreaOptionsForm)
    run = _run_or_404()
    found = _one_area_context(run, form.options(), place, form.sort_key()).get("charts", {})
    return csv_response(found, chart, code)


def _costs_charts(run: RecomputeRun, *, as_of: datetime.date | None = None) -> dict[str, Chart]:
    """Owner-type shares up to the date and the fees of the financial years begun by then."""
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
    run = selectors.current_run()
    context: dict[str, Any] = {"run": run}
    if run is not None:
        found = _with_csv_urls(_costs_charts(run), "market:dashboards_costs_csv", request)
        context["synthetic"] = any(snapshot.synthetic for snapshot in selectors.cost_snapshots(run))
        context["shares"] = found.get("owner-types")
        context["fee_charts"] = [chart for slug, chart in found.items() if slug.startswith("fees-")]
    return _page(request, "costs.html", context)


@login_not_required
@served_from_cache
def costs_csv(request: HttpRequest, chart: str) -> HttpResponse:
    return csv_response(_costs_charts(_run_or_404()), chart, "costs")


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
    writer.writerow(chart.columns)
    writer.writerows([_csv_cell(cell) for cell in row] for row in chart.rows)
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
