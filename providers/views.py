"""Provider staff's pages: their homes, each home's profile and vacancies. Thin: parse,
authorise through `homes_managed_by`, call a service, render. Anyone else gets 404."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.selectors import is_provider_staff
from config.pagination import page_of
from providers import selectors, services
from providers.forms import HomeProfileForm, VacancyForm, errors_onto
from providers.models import Home


def _home(request: HttpRequest, urn: str) -> Home:
    return get_object_or_404(selectors.homes_managed_by(request.user), urn=urn)


def homes(request: HttpRequest) -> HttpResponse:
    if not is_provider_staff(request.user):
        raise Http404
    listed = page_of(request, selectors.homes_managed_by(request.user).prefetch_related("vacancies"))
    today = timezone.localdate()
    rows = [
        {
            "home": home,
            "profile": getattr(home, "profile", None),
            "places_free": sum(
                v.places
                for v in home.vacancies.all()
                if v.available_from <= today and (v.available_until is None or v.available_until >= today)
            ),
        }
        for home in listed["page"].object_list
    ]
    return render(request, "providers/homes.html", {**listed, "rows": rows})


def home(request: HttpRequest, urn: str) -> HttpResponse:
    managed = _home(request, urn)
    context = {
        "home": managed,
        "profile": selectors.home_profile_of(managed),
        "vacancies": selectors.vacancies_current_of(managed, on=timezone.localdate()),
    }
    return render(request, "providers/home.html", context)


def _profile_initial(home: Home) -> dict[str, object]:
    profile = selectors.home_profile_of(home)
    if profile is None:
        return {}
    return {
        "age_minimum": profile.age_minimum,
        "age_maximum": profile.age_maximum,
        "sexes": profile.sexes,
        "needs": list(profile.needs.all()),
        "statement_of_purpose": profile.statement_of_purpose,
        "takes_emergency_admissions": "yes" if profile.takes_emergency_admissions else "no",
    }


@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, urn: str) -> HttpResponse:
    managed = _home(request, urn)
    form = HomeProfileForm(request.POST or None, initial=_profile_initial(managed))
    if request.method == "POST" and form.is_valid():
        try:
            services.home_profile_update(home=managed, user=cast(User, request.user), **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error.message_dict)
        else:
            messages.success(request, "Profile saved.")
            return redirect("providers:home", urn=managed.urn)
    return render(request, "providers/profile_edit.html", {"home": managed, "form": form})


@require_http_methods(["GET", "POST"])
def vacancy_add(request: HttpRequest, urn: str) -> HttpResponse:
    managed = _home(request, urn)
    form = VacancyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.vacancy_add(home=managed, user=cast(User, request.user), **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error.message_dict)
        else:
            messages.success(request, "Vacancy added.")
            return redirect("providers:home", urn=managed.urn)
    return render(request, "providers/vacancy_add.html", {"home": managed, "form": form})


@require_http_methods(["GET", "POST"])
def vacancy_end(request: HttpRequest, urn: str, pk: int) -> HttpResponse:
    managed = _home(request, urn)
    vacancy = get_object_or_404(selectors.vacancies_current_of(managed, on=timezone.localdate()), pk=pk)
    if request.method == "POST":
        try:
            services.vacancy_end(vacancy=vacancy, user=cast(User, request.user))
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, "Vacancy ended.")
        return redirect("providers:home", urn=managed.urn)
    return render(request, "providers/vacancy_end.html", {"home": managed, "vacancy": vacancy})
