"""The scenario planner at /dashboards/scenarios/: ownership density as a choice (issue 15, ADR 27).

A GET page: the market chosen and the moves are the query string, so a scenario is a link.
A form that adds a move (`add=<kind>`) redirects to the scenario's one canonical URL with the
move in it; a bad parameter shows its GOV.UK error and no "after" figures.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_safe

from market import scenario_forms
from market import scenarios as planner
from market.analytics import selectors
from market.analytics.scenario_inputs import BaseMarket, base_market_cached
from market.dashboard_charts import OWNER_TYPE_COLOURS
from market.models import ENGLAND_CODE, GeographyLevel, MarketSnapshot, RecomputeRun
from market.scenarios import Outcome, Problem, Scenario, ScenarioError
from ownership.models import OwnerType

CACHE_SECONDS = 24 * 60 * 60
MOST_LISTED = 200  # small providers listed at once; a search narrows the rest
_LOOKS = {"present", "find"}  # parameters that change how a scenario is shown, not what it is
_ADD_FORMS = {
    "open": scenario_forms.OpeningForm,
    "federate": scenario_forms.FederationForm,
    "exit": scenario_forms.ExitForm,
    "buy": scenario_forms.PurchaseForm,
    "reserve": scenario_forms.ReservationForm,
}


@dataclass
class Page:
    """What the template shows, filled in as far as the query string allows."""

    run: RecomputeRun | None
    market_form: scenario_forms.ScenarioMarketForm | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)  # (anchor, message)
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def _run_choices(run: RecomputeRun) -> tuple[list[tuple[str, str]], list[Any]]:
    """The run's areas (England, regions, authorities) and dates, read once per run."""
    key = f"scenarios:choices:{run.pk}"
    found = cache.get(key)
    if found is None:
        rows = MarketSnapshot.objects.filter(run=run).values_list("geography_code", "geography_name", "geography_level")
        areas = sorted(set(rows), key=lambda row: ([*GeographyLevel.values].index(row[2]), row[1]))
        england = MarketSnapshot.objects.filter(run=run, geography_code=ENGLAND_CODE)
        dates = sorted(set(england.values_list("as_of", flat=True)))
        found = ([(code, name) for code, name, _ in areas], dates)
        cache.set(key, found, timeout=CACHE_SECONDS)
    return found


def _market_form(request: HttpRequest, run: RecomputeRun) -> scenario_forms.ScenarioMarketForm:
    areas, dates = _run_choices(run)
    chosen = {key: request.GET.get(key) for key in scenario_forms.market_defaults(dates) if key in request.GET}
    data = {**scenario_forms.market_defaults(dates), **{key: value for key, value in chosen.items() if value}}
    form = scenario_forms.ScenarioMarketForm(data, areas=areas, dates=dates)
    form.is_valid()
    return form


def _snapshot(run: RecomputeRun, data: dict[str, Any]) -> MarketSnapshot | None:
    return MarketSnapshot.objects.filter(
        run=run,
        as_of=data["as_of"],
        geography_code=data["geography"],
        level=data["level"],
        basis=data["basis"],
        include_local_authority=data["include_local_authority"] == "yes",
    ).first()


def _no_market_problem(snapshot: MarketSnapshot | None, area_name: str) -> str:
    if snapshot is None:
        return f"{area_name} has no figures for this date and market: an area with no homes has none"
    if snapshot.hhi is None:
        reason = snapshot.figures.get("counts_only_reason") or "This date's register names no owners."
        return f"{reason} Choose another date to plan a scenario."
    return ""


def _base(run: RecomputeRun, data: dict[str, Any]) -> BaseMarket:
    return base_market_cached(
        run.pk,
        as_of=data["as_of"],
        geography_code=data["geography"],
        level=data["level"],
        basis=data["basis"],
        include_local_authority=data["include_local_authority"] == "yes",
    )


def _market_strings(data: dict[str, Any]) -> dict[str, str]:
    return {key: str(value.isoformat() if hasattr(value, "isoformat") else value) for key, value in data.items()}


def _problems_as_errors(problems: list[Problem]) -> list[tuple[str, str]]:
    # The "all small providers" button is hidden once used: its problems point at the section.
    anchors = {"federate_small": "move-federate"}
    return [(anchors.get(problem.parameter, f"move-{problem.parameter}"), problem.message) for problem in problems]


# ---------------------------------------------------------------- what the page shows


def _number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "not measured"
    return f"{value:,.{digits}f}"


def _headline_rows(result: Outcome, units: str) -> list[dict[str, str]]:
    rows = [
        ("HHI (0 to 10,000)", result.before.hhi, result.after.hhi, 0),
        ("CR4: share of the 4 largest owners (%)", result.before.cr4, result.after.cr4, 1),
        ("CR10: share of the 10 largest owners (%)", result.before.cr10, result.after.cr10, 1),
        (
            f"Owners holding a quarter of the {units}",
            result.before.owners_for_25_percent,
            result.after.owners_for_25_percent,
            0,
        ),
        (
            f"Owners holding half of the {units}",
            result.before.owners_for_50_percent,
            result.after.owners_for_50_percent,
            0,
        ),
        ("Owners", result.before.owners, result.after.owners, 0),
        (units.capitalize(), result.before.units, result.after.units, 0),
    ]
    return [
        {
            "label": label,
            "before": _number(before, digits),
            "after": _number(after, digits),
            "change": _change(before, after, digits),
        }
        for label, before, after, digits in rows
    ]


def _change(before: float | None, after: float | None, digits: int) -> str:
    if before is None or after is None:
        return ""
    difference = round(after - before, digits)
    if difference == 0:
        return "no change"
    return f"{'+' if difference > 0 else ''}{difference:,.{digits}f}"


def _owner_type_rows(result: Outcome) -> list[dict[str, str]]:
    return [
        {
            "label": label,
            "colour": OWNER_TYPE_COLOURS[OwnerType(value)],
            "before": _number(result.before.owner_type_shares.get(value)),
            "after": _number(result.after.owner_type_shares.get(value)),
            "change": _change(result.before.owner_type_shares.get(value), result.after.owner_type_shares.get(value), 1),
        }
        for value, label in OwnerType.choices
    ]


def _matches_snapshot(result: Outcome, snapshot: MarketSnapshot) -> bool:
    """Whether the scenario's "before" is the published snapshot (it is, unless the registers
    or ownership changed since the run)."""
    before = result.before
    pairs = [(before.hhi, snapshot.hhi), (before.cr4, snapshot.cr4), (before.cr10, snapshot.cr10)]
    return before.units == snapshot.units and all(
        mine is not None and theirs is not None and round(mine, 2) == round(theirs, 2) for mine, theirs in pairs
    )


def _move_links(request: HttpRequest, query: str, effects: list[str], scenario: Scenario) -> list[dict[str, str]]:
    """Each move in words, with the scenario's link without it."""
    pairs = parse_qsl(query)
    market = pairs[: len(pairs) - len(scenario_forms.moves_query(scenario))]
    moves = scenario_forms.moves_query(scenario)
    links = []
    for index, _ in enumerate(moves):
        rest = moves[:index] + moves[index + 1 :]
        links.append(f"{request.path}?{urlencode(market + rest)}")
    return [{"text": text, "remove": link} for text, link in zip(effects, links, strict=False)]


def _hidden(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query)


@dataclass(frozen=True)
class Lists:
    small: list[Any]
    small_listed: list[Any]
    owners: list[Any]


def _lists(base: BaseMarket, scenario: Scenario, find: str) -> Lists:
    small = planner.small_providers(base, scenario.small_homes)
    matching = [owner for owner in small if find.casefold() in owner.name.casefold()] if find else small
    return Lists(small=small, small_listed=matching[:MOST_LISTED], owners=planner.largest_owners(base))


def _add_forms(request: HttpRequest, base: BaseMarket, lists: Lists) -> dict[str, forms.Form]:
    """Each move's form, bound to the query string when it is the one being added."""
    adding = request.GET.get("add")
    units = planner.units_word(base.basis)
    options: dict[str, dict[str, Any]] = {
        "open": {"authorities": base.authorities},
        "federate": {"small": lists.small_listed, "units": units},
        "exit": {"owners": lists.owners, "units": units},
        "buy": {"owners": lists.owners, "units": units},
        "reserve": {},
    }
    found: dict[str, forms.Form] = {}
    for kind, form_class in _ADD_FORMS.items():
        data = request.GET if adding == kind else None
        found[kind] = form_class(data, **options[kind])
    return found


def _added_url(request: HttpRequest, query: str, form: forms.Form) -> str:
    name, value = form.move()  # type: ignore[attr-defined]
    return f"{request.path}?{query}&{urlencode([(name, value)])}"


# ---------------------------------------------------------------- the view


def _page(request: HttpRequest) -> Page | HttpResponse:
    run = selectors.current_run()
    page = Page(run=run)
    if run is None:
        return page
    page.market_form = form = _market_form(request, run)
    if form.errors:
        page.errors = [(f"id_{name}", str(error)) for name, errors in form.errors.items() for error in errors]
        return page
    data = form.cleaned_data
    area_name = dict(form.fields["geography"].choices).get(data["geography"], data["geography"])  # type: ignore[attr-defined]
    snapshot = _snapshot(run, data)
    page.context |= {"area_name": area_name, "as_of": data["as_of"], "snapshot": snapshot}
    problem = _no_market_problem(snapshot, area_name)
    if problem or snapshot is None:
        page.errors = [("id_as_of", problem)]
        return page
    return _scenario_page(request, page, run, data, snapshot)


def _scenario_page(
    request: HttpRequest, page: Page, run: RecomputeRun, data: dict[str, Any], snapshot: MarketSnapshot
) -> Page | HttpResponse:
    base = _base(run, data)
    area_name = page.context["area_name"]
    parsed = scenario_forms.moves_parse(request.GET, data["small"])
    scenario = parsed.scenario
    query = scenario_forms.query_string(_market_strings(data), scenario)
    find = _find(request)
    lists = _lists(base, scenario, find)
    add_forms = _add_forms(request, base, lists)
    page.context |= {"base": base, "scenario": scenario, "query": query, "find": find, "lists": lists}
    page.context |= {"add_forms": add_forms, "hidden": _hidden(query), "units": planner.units_word(base.basis)}
    page.errors = _problems_as_errors(parsed.problems)
    adding = add_forms.get(request.GET.get("add", ""))
    if adding is not None and not page.errors:
        if adding.is_valid():
            return HttpResponseRedirect(_added_url(request, query, adding))
        page.errors += [(f"id_{name}", str(error)) for name, errors in adding.errors.items() for error in errors]
    try:
        if page.errors:  # a move was dropped or not added: show no "after" that leaves it out
            raise ScenarioError([])
        result = planner.outcome(base, scenario, area_name)
    except ScenarioError as refused:
        page.errors += _problems_as_errors(refused.problems)
        before = planner.outcome(base, planner.without_moves(scenario), area_name)
        named = [f"{name} {value}" for name, value in scenario_forms.moves_query(scenario)]
        page.context |= {
            "before_only": _headline_rows(before, page.context["units"]),
            "moves": _move_links(request, query, named, scenario),
        }
        return page
    page.context |= _result_context(request, result, snapshot, scenario, query, area_name)
    return page


def _result_context(
    request: HttpRequest, result: Outcome, snapshot: MarketSnapshot, scenario: Scenario, query: str, area_name: str
) -> dict[str, Any]:
    units = planner.units_word(snapshot.basis)
    return {
        "result": result,
        "rows": _headline_rows(result, units),
        # A slide keeps HHI, CR4, CR10 and owners for half, so it fits a 1366x768 projector.
        "slide_rows": [row for index, row in enumerate(_headline_rows(result, units)[:5]) if index != 3],
        "owner_types": _owner_type_rows(result),
        "reading": planner.reading(result, area_name) if not scenario.is_empty else [],
        "slide_reading": planner.reading(result, area_name, with_moves=False) if not scenario.is_empty else [],
        "moves": _move_links(request, query, result.effects, scenario),
        "matches_snapshot": _matches_snapshot(result, snapshot),
        "share_url": request.build_absolute_uri(f"{request.path}?{query}"),
        "present_url": f"{request.path}?{query}&present=1",
        "page_url": f"{request.path}?{query}",
    }


# What the template reads, as far as a page with a problem got.
_NOTHING_YET: dict[str, Any] = {
    name: None
    for name in (
        "area_name",
        "as_of",
        "snapshot",
        "base",
        "scenario",
        "query",
        "find",
        "lists",
        "add_forms",
        "hidden",
        "units",
        "result",
        "rows",
        "before_only",
        "owner_types",
        "reading",
        "moves",
        "matches_snapshot",
        "share_url",
        "present_url",
        "page_url",
        "slide_reading",
        "slide_rows",
    )
}


def _render(request: HttpRequest, page: Page) -> HttpResponse:
    context = {
        **_NOTHING_YET,
        "run": page.run,
        "market_form": page.market_form,
        "errors": page.errors,
        "thresholds": (planner.UNCONCENTRATED_BELOW, planner.HIGHLY_CONCENTRATED_ABOVE),
        **page.context,
    }
    context["table_rows"] = context["rows"] or context["before_only"]
    if request.GET.get("present") == "1" and page.is_valid and "result" in page.context:
        return render(request, "market/dashboards/scenario_slide.html", context)
    return render(request, "market/dashboards/scenarios.html", context)


def _cache_key(request: HttpRequest) -> str | None:
    """The kept page's key: the run and the scenario as its canonical query string, so every
    spelling of one scenario shares one page and unknown parameters add none. None when the page
    is personal (signed in, a message waiting), adds a move, or its query string has a problem."""
    if request.user.is_authenticated or "messages" in request.COOKIES or "add" in request.GET:
        return None
    run = selectors.current_run()
    if run is None:
        return None
    form = _market_form(request, run)
    if form.errors:
        return None
    parsed = scenario_forms.moves_parse(request.GET, form.cleaned_data["small"])
    if parsed.problems:
        return None
    query = scenario_forms.query_string(_market_strings(form.cleaned_data), parsed.scenario)
    looks = urlencode([("find", _find(request)), ("present", request.GET.get("present") == "1")])
    return f"scenarios:page:{run.pk}:{hashlib.sha256(f'{query}&{looks}'.encode()).hexdigest()}"


def _find(request: HttpRequest) -> str:
    return request.GET.get("find", "")[:100].strip()


def _kept(request: HttpRequest, key: str | None) -> HttpResponse | None:
    kept: tuple[HttpResponse, str] | None = cache.get(key) if key else None
    if kept is None:
        return None
    response, rendered_with = kept
    nonce = getattr(request, "csp_nonce", "")
    # The kept page carries the nonce of the request that rendered it (as market.views does).
    if rendered_with and nonce:
        response.content = response.content.replace(f'nonce="{rendered_with}"'.encode(), f'nonce="{nonce}"'.encode())
    return response


@login_not_required
@require_safe
def scenarios(request: HttpRequest) -> HttpResponse:
    key = _cache_key(request)
    kept = _kept(request, key)
    if kept is not None:
        return kept
    page = _page(request)
    if isinstance(page, HttpResponse):
        return page
    response = _render(request, page)
    # Only a valid scenario is kept, under its canonical key, so made-up query strings fill nothing.
    if key and page.is_valid:
        cache.set(key, (response, getattr(request, "csp_nonce", "")), timeout=CACHE_SECONDS)
    return response
