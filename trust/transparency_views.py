"""The public transparency page and its JSON feed: /transparency/ (ADR 19). No sign-in, read-only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from trust.transparency import DIGEST_VERSION, digest_feed_item, transparency_digests_published

DIGESTS_PER_PAGE = 50


@login_not_required
@require_safe
def digests(request: HttpRequest) -> HttpResponse:
    page = Paginator(transparency_digests_published(), DIGESTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "trust/transparency.html", {"page": page})


@login_not_required
@require_safe
def feed(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(
        {
            "about": request.build_absolute_uri(reverse("transparency:digests")),
            "construction_version": DIGEST_VERSION,
            "digests": [digest_feed_item(digest) for digest in transparency_digests_published()],
        },
        json_dumps_params={"ensure_ascii": False},
    )
    # Anyone's own page or script may fetch it to keep a copy.
    response["Access-Control-Allow-Origin"] = "*"
    return response
