"""Every list a person sees comes a page at a time (GOV.UK's pagination component,
templates/components/pagination.html), so no list grows without bound as the service is used."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PER_PAGE = 25

Item = TypeVar("Item")


def page_of(
    request: HttpRequest,
    items: QuerySet[Any] | Sequence[Item],
    per_page: int | None = None,
    *,
    param: str = "page",
) -> dict[str, Any]:
    """The requested page (a bad or past-the-end number gives the nearest page, never an
    error) and the rest of the query string, for the template context of the component.
    A page showing several lists gives each its own `param` (`?commitments_page=2`), and the
    query string keeps the others' pages, so turning one list's page leaves the rest where they were."""
    page: Page[Any] = Paginator(items, per_page or PER_PAGE).get_page(request.GET.get(param))
    query = request.GET.copy()
    query.pop(param, None)
    return {"page": page, "query_string": query.urlencode(), "page_param": param}
