"""The areas map as a file: the hex cartogram's SVG, with its title, date and source inside it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string

from market.analytics import selectors
from market.hexmap import areas_hex_map
from market.models import GeographyLevel
from market.views import AreaOptionsForm, _bound_form, _run_or_404, resolve_as_of, served_from_cache


@login_not_required
@served_from_cache
def areas_map_svg(request: HttpRequest) -> HttpResponse:
    form = _bound_form(request, AreaOptionsForm)
    run = _run_or_404()
    options = form.options()
    as_of, _ = resolve_as_of(run, options, request.GET.get("as_of"))
    if as_of is None:
        raise Http404("The latest recompute has no figures for this choice of market.")
    query = request.GET.copy()
    query.pop("sort", None)
    snapshots = selectors.areas_on(run, options, GeographyLevel.LOCAL_AUTHORITY, as_of)
    # A downloaded file has no page around it, so its links name the service in full.
    service = request.build_absolute_uri("/")[:-1]
    hexmap = areas_hex_map(snapshots, form.sort_key(), options.basis, as_of, query.urlencode(), link_prefix=service)
    if hexmap is None:
        raise Http404("No local authority has a map position.")
    content = '<?xml version="1.0" encoding="UTF-8"?>\n' + render_to_string(
        "market/dashboards/_hexmap_svg.html", {"hexmap": hexmap}
    )
    response = HttpResponse(content, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="local-authorities-{hexmap.measure.key}-{as_of}.svg"'
    return response
