"""What every page needs: the service's name, phase, demo banner and the navigation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts.idempotency import form_key
from accounts.models import Membership, OrganisationKind
from accounts.selectors import memberships_of, mfa_required_for


def _role_items(kinds: set[str]) -> list[dict[str, str]]:
    """Pages for provider staff and for commissioners."""
    items = []
    if kinds & {OrganisationKind.PROVIDER, OrganisationKind.FEDERATION}:
        items.append({"label": "Your homes", "url": reverse("providers:homes")})
    if kinds & {OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.PROVIDER, OrganisationKind.FEDERATION}:
        items.append({"label": "Frameworks", "url": reverse("frameworks:frameworks")})
    return items


def _navigation(request: HttpRequest, memberships: list[Membership]) -> list[dict[str, str]]:
    """The service navigation shows what the signed-in person's roles can reach."""
    items = [
        {"label": "Home", "url": reverse("home")},
        {"label": "Children's homes", "url": reverse("registry:homes")},
        {"label": "Dashboards", "url": reverse("market:dashboards")},
        {"label": "Federations", "url": reverse("federations:list")},
    ]
    if request.user.is_authenticated:
        items += [
            {"label": m.organisation.name, "url": reverse("accounts:organisation", args=[m.organisation.slug])}
            for m in memberships
        ]
        items += _role_items({m.organisation.kind for m in memberships})
        items += _work_items(memberships)
        items.append({"label": "Local authorities", "url": reverse("geography:local_authorities")})
        items.append({"label": "Your account", "url": reverse("account")})
        if request.user.is_staff:
            items.append({"label": "Administration", "url": reverse("admin:index")})
    return [dict(item, current="true" if _is_current(request.path, item["url"]) else "") for item in items]


def _work_items(memberships: list[Membership]) -> list[dict[str, str]]:
    """Referrals for commissioners, referrals received for provider staff, both sides' relationships,
    notifications."""
    kinds = {membership.organisation.kind for membership in memberships}
    items = []
    if OrganisationKind.LOCAL_AUTHORITY in kinds:
        items.append({"label": "Referrals", "url": reverse("commissioning:referral_list")})
    if kinds & {OrganisationKind.PROVIDER, OrganisationKind.FEDERATION}:
        items.append({"label": "Referrals received", "url": reverse("commissioning:invitation_list")})
    if kinds & {OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.PROVIDER, OrganisationKind.FEDERATION}:
        items.append({"label": "Relationships", "url": reverse("trust:relationship_list")})
    if memberships:
        items.append({"label": "Notifications", "url": reverse("accounts:notifications")})
    return items


def _is_current(path: str, url: str) -> bool:
    """A section is current on its own pages too (every dashboard lights "Dashboards")."""
    return path == url or (url != "/" and path.startswith(url))


def service(request: HttpRequest) -> dict[str, Any]:
    memberships = list(memberships_of(request.user))
    kinds = {membership.organisation.kind for membership in memberships}
    return {
        "service_name": settings.SERVICE_NAME,
        "service_phase": settings.PHASE,
        "demo_mode": settings.DEMO_MODE,
        "mfa_relaxed": (not settings.REQUIRE_MFA) and mfa_required_for(request.user, kinds),
        "navigation": _navigation(request, memberships),
        "user_is_commissioner": OrganisationKind.LOCAL_AUTHORITY in kinds,
        "user_is_provider_staff": bool(kinds & {OrganisationKind.PROVIDER, OrganisationKind.FEDERATION}),
    }


def idempotency(request: HttpRequest) -> dict[str, Any]:
    """The key a create form carries (components/idempotency_key.html): see accounts.idempotency."""
    return {"idempotency_key": form_key(request)}
