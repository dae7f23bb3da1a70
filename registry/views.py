"""The public registry: England's children's homes and the providers registered to run them."""

from __future__ import annotations

import datetime
import hashlib
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from config.pagination import page_of
from federations.selectors import federations_of_provider
from ownership import pages
from ownership import selectors as ownership_selectors
from ownership.models import OwnerType
from registry import selectors
from registry.forms import HomeFilterForm

PAGE_SIZE = 50
RESULTS_SECONDS = 10 * 60


@login_not_required
def homes(request: HttpRequest) -> HttpResponse:
    as_of = pages.today()
    # The results are public and change only with the registry's state, so a rendering is kept
    # for every filter and page: under load, a request is then a cache read, not a page build.
    # The page around it (navigation, the per-request nonce) is rendered for each request.
    filters = urlencode(sorted(request.GET.lists()), doseq=True)
    state = f"{pages.registry_state(as_of)}:{selectors.official_totals_version()}?{filters}"
    key = "registry:homes-page:" + hashlib.sha256(state.encode()).hexdigest()
    rendered: tuple[str, bool] | None = cache.get(key)
    if rendered is None:
        rendered = _homes_results(request, as_of)
        cache.set(key, rendered, timeout=RESULTS_SECONDS)
    results, has_errors = rendered
    context = {"results": mark_safe(results), "has_errors": has_errors}  # noqa: S308 - our own template's output
    return render(request, "registry/homes.html", context)


def _homes_results(request: HttpRequest, as_of: datetime.date) -> tuple[str, bool]:
    """The filters and the page of homes they match, as HTML, and whether a filter was refused."""
    form = HomeFilterForm(request.GET or None)
    if request.GET:
        form.is_valid()  # errors are shown; the valid filters still apply
    resolutions = pages.resolutions_on(as_of)
    matching = selectors.homes_matching(form.filters(), resolutions)
    page = Paginator(matching, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": [(home, resolutions.get(home.pk)) for home in page.object_list],
        "owner_type_labels": dict(OwnerType.choices),
        "query_string": query.urlencode(),
        "as_of": as_of,
        # Ownership is true on the newest register's date, not on today's.
        "register_on": ownership_selectors.latest_register_date(),
        # Each register beside Ofsted's own totals.
        "editions": list(selectors.register_editions().values()),
    }
    return render_to_string("registry/_homes_results.html", context), bool(form.errors)


@login_not_required
def home(request: HttpRequest, urn: str) -> HttpResponse:
    home = get_object_or_404(selectors.all_homes(), urn=urn)
    resolution = selectors.home_resolution(home)
    start = selectors.entity_of_provider(home.provider_organisation)
    diagram, height = pages.chain_diagram(start, resolution)
    context = {
        "home": home,
        "resolution": resolution,
        "diagram": diagram,
        "diagram_height": height,
        "sources": pages.sources_of(resolution),
        "observations": home.observations.select_related("local_authority", "import_run").order_by("-as_of"),
    }
    return render(request, "registry/home.html", context)


@login_not_required
def provider(request: HttpRequest, pk: int) -> HttpResponse:
    provider_organisation = get_object_or_404(selectors.providers_with_spellings(), pk=pk)
    entity = selectors.entity_of_provider(provider_organisation)
    resolution = ownership_selectors.ultimate_owner_of_entity(entity, pages.today()) if entity else None
    diagram, height = pages.chain_diagram(entity, resolution) if resolution else ([], 0)
    context = {
        "diagram": diagram,
        "diagram_height": height,
        "provider": provider_organisation,
        "entity": entity,
        "resolution": resolution,
        # Groupings the provider chose to join, shown apart from who owns it.
        "federations": federations_of_provider(provider_organisation),
        # A page at a time: a large provider has registered hundreds of homes over the years.
        **page_of(
            request, provider_organisation.homes.select_related("local_authority").order_by("closed_on", "urn", "pk")
        ),
    }
    return render(request, "registry/provider.html", context)
