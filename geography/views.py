from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from geography import selectors


def local_authorities(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "geography/local_authorities.html",
        {
            "regions": selectors.regions().prefetch_related("local_authorities"),
            "local_authorities": selectors.current_local_authorities(),
        },
    )
