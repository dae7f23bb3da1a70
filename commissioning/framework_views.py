"""Framework pages. Thin: parse, authorise through the framework selectors, call a service,
render. Anyone who may not see a framework gets 404."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.selectors import is_commissioner, is_provider_staff
from commissioning import framework_selectors as selectors
from commissioning import framework_services as services
from commissioning.framework_forms import FrameworkForm, ProviderSearchForm
from commissioning.models import Framework
from config.pagination import page_of
from providers.forms import errors_onto
from providers.models import ProviderOrganisation


def frameworks(request: HttpRequest) -> HttpResponse:
    if not (is_commissioner(request.user) or is_provider_staff(request.user)):
        raise Http404
    frameworks = selectors.frameworks_visible_to(request.user).prefetch_related("local_authorities", "lots")
    context = {**page_of(request, frameworks), "can_create": is_commissioner(request.user)}
    return render(request, "commissioning/frameworks/list.html", context)


def framework(request: HttpRequest, pk: int) -> HttpResponse:
    shown = get_object_or_404(selectors.frameworks_visible_to(request.user), pk=pk)
    context = {
        **page_of(request, shown.approved_providers.order_by("name", "pk")),
        "framework": shown,
        "can_edit": selectors.frameworks_editable_by(request.user).filter(pk=pk).exists(),
    }
    return render(request, "commissioning/frameworks/detail.html", context)


def _initial(framework: Framework | None, request: HttpRequest) -> dict[str, Any]:
    if framework is None:
        return {"local_authorities": list(selectors.local_authorities_commissioned_by(request.user))}
    return {
        "name": framework.name,
        "local_authorities": list(framework.local_authorities.all()),
        "lots": "\n".join(lot.name for lot in framework.lots.all()),
        "terms_summary": framework.terms_summary,
        "starts_on": framework.starts_on,
        "ends_on": framework.ends_on,
    }


def _edit(request: HttpRequest, framework: Framework | None) -> HttpResponse:
    form = FrameworkForm(request.POST or None, initial=_initial(framework, request))
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.framework_save(user=cast(User, request.user), framework=framework, **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error.message_dict)
        else:
            messages.success(request, "Framework saved.")
            return redirect("frameworks:framework", pk=saved.pk)
    return render(request, "commissioning/frameworks/edit.html", {"framework": framework, "form": form})


@require_http_methods(["GET", "POST"])
def framework_create(request: HttpRequest) -> HttpResponse:
    if not is_commissioner(request.user):
        raise Http404
    return _edit(request, None)


@require_http_methods(["GET", "POST"])
def framework_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, get_object_or_404(selectors.frameworks_editable_by(request.user), pk=pk))


def framework_providers(request: HttpRequest, pk: int) -> HttpResponse:
    editable = get_object_or_404(selectors.frameworks_editable_by(request.user), pk=pk)
    search = ProviderSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    approved = editable.approved_providers.order_by("name", "pk")
    # Every match, a page at a time (?page=), beside the approved providers' own pages
    # (?approved_page=); by name then id, so providers of the same name never share or skip a page.
    matches = selectors.registry_providers_named(query).exclude(pk__in=approved.values("pk")).order_by("name", "pk")
    context = {
        "framework": editable,
        "search": search,
        "query": query,
        "results": page_of(request, matches),  # none without a query
        "approved": page_of(request, approved, param="approved_page"),
    }
    return render(request, "commissioning/frameworks/providers.html", context)


@require_POST
def framework_provider_change(request: HttpRequest, pk: int) -> HttpResponse:
    editable = get_object_or_404(selectors.frameworks_editable_by(request.user), pk=pk)
    provider_id = request.POST.get("provider", "")
    if not provider_id.isdigit():
        raise Http404
    provider = get_object_or_404(ProviderOrganisation, pk=int(provider_id))
    user = cast(User, request.user)
    if request.POST.get("action") == "remove":
        services.framework_provider_remove(user=user, framework=editable, provider=provider)
        messages.success(request, f"{provider.name} removed from the approved providers.")
    else:
        services.framework_provider_approve(user=user, framework=editable, provider=provider)
        messages.success(request, f"{provider.name} approved on the framework.")
    return redirect("frameworks:providers", pk=editable.pk)
