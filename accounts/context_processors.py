"""What every page needs: the service's name, phase, demo banner and the navigation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts.selectors import is_commissioner, is_provider_staff, memberships_of, mfa_required_for


def _navigation(request: HttpRequest) -> list[dict[str, str]]:
    user = request.user
    items = [{"label": "Home", "url": reverse("home")}]
    if user.is_authenticated:
        for membership in memberships_of(user):
            items.append(
                {
                    "label": membership.organisation.name,
                    "url": reverse("accounts:organisation", args=[membership.organisation.slug]),
                }
            )
        items.append({"label": "Local authorities", "url": reverse("geography:local_authorities")})
        items.append({"label": "Your account", "url": reverse("account")})
        if user.is_staff:
            items.append({"label": "Administration", "url": reverse("admin:index")})
    return [dict(item, current="true" if request.path == item["url"] else "") for item in items]


def service(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "service_name": settings.SERVICE_NAME,
        "service_phase": settings.PHASE,
        "demo_mode": settings.DEMO_MODE,
        "mfa_relaxed": (not settings.REQUIRE_MFA) and mfa_required_for(user),
        "navigation": _navigation(request),
        "user_is_commissioner": is_commissioner(user),
        "user_is_provider_staff": is_provider_staff(user),
    }
