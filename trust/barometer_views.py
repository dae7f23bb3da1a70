"""The sector barometer: pulse check-ins across all relationships, by quarter and region (issue 15)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe


@login_not_required
@require_safe
def barometer(request: HttpRequest) -> HttpResponse:
    # Placeholder until the barometer lands (issue 15, part 5).
    return HttpResponse("The sector barometer is being built.", content_type="text/plain; charset=utf-8")
