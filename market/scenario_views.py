"""The scenario planner at /dashboards/scenarios/: ownership density as a choice (issue 15)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe


@login_not_required
@require_safe
def scenarios(request: HttpRequest) -> HttpResponse:
    # Placeholder until the planner lands (issue 15, part 4).
    return HttpResponse("The scenario planner is being built.", content_type="text/plain; charset=utf-8")
