"""The public registry: who runs England's children's homes and who ultimately owns them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ownership import registry
from ownership.forms import HomeFilterForm
from ownership.models import OwnerType

PAGE_SIZE = 50


@login_not_required
def homes(request: HttpRequest) -> HttpResponse:
    form = HomeFilterForm(request.GET or None)
    if request.GET:
        form.is_valid()  # errors are shown; the valid filters still apply
    as_of = registry.today()
    resolutions = registry.resolutions_on(as_of)
    matching = registry.homes_matching(form.filters(), resolutions)
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
    }
    return render(request, "ownership/homes.html", context)


@login_not_required
def home(request: HttpRequest, urn: str) -> HttpResponse:
    home = get_object_or_404(registry.all_homes(), urn=urn)
    resolution = registry.home_resolution(home)
    start = registry.entity_of_provider(home.provider_organisation)
    diagram, height = registry.chain_diagram(start, resolution)
    context = {
        "home": home,
        "resolution": resolution,
        "diagram": diagram,
        "diagram_height": height,
        "sources": registry.sources_of(resolution),
        "observations": home.observations.select_related("local_authority", "import_run").order_by("-as_of"),
    }
    return render(request, "ownership/home.html", context)


@login_not_required
def owner(request: HttpRequest, pk: int) -> HttpResponse:
    entity = get_object_or_404(registry.owners(), pk=pk)
    resolutions = registry.resolutions_on(registry.today())
    summary = registry.owner_summary(entity, resolutions)
    own_resolution = registry.ownership_selectors.ultimate_owner_of_entity(entity, registry.today())
    is_top = own_resolution.owner is not None and own_resolution.owner.pk == entity.pk
    example = registry.longest_chain_owned_by(entity, resolutions) if is_top else None
    if example is not None:  # show how the owner reaches its homes, not just its own box
        diagram, height = registry.chain_diagram(example.chain[0].subject, example)
    else:
        diagram, height = registry.chain_diagram(entity, own_resolution)
    context = {
        "summary": summary,
        "is_top": is_top,
        "example": example,
        "diagram": diagram,
        "diagram_height": height,
        "owner_type_labels": dict(OwnerType.choices),
        "controllers": own_resolution,
        "sources": registry.sources_of(own_resolution),
        "interests_held": entity.interests_held.select_related("subject").order_by("subject__name"),
        "interests_in_it": entity.interests_held_in_it.select_related("interested_party").order_by(
            "interested_party__name"
        ),
    }
    return render(request, "ownership/owner.html", context)


@login_not_required
def provider(request: HttpRequest, pk: int) -> HttpResponse:
    provider_organisation = get_object_or_404(registry.providers_with_spellings(), pk=pk)
    entity = registry.entity_of_provider(provider_organisation)
    resolution = registry.ownership_selectors.ultimate_owner_of_entity(entity, registry.today()) if entity else None
    diagram, height = registry.chain_diagram(entity, resolution) if resolution else ([], 0)
    context = {
        "diagram": diagram,
        "diagram_height": height,
        "provider": provider_organisation,
        "entity": entity,
        "resolution": resolution,
        "homes": provider_organisation.homes.select_related("local_authority").order_by("closed_on", "urn"),
    }
    return render(request, "ownership/provider.html", context)
