"""Sends a signed-in user who must use MFA, but has no authenticator yet, to set one up."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.selectors import mfa_required_for

# Paths a person without an authenticator may still reach: setting one up, signing out,
# and pages that need no account.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz", "/accessibility/")


class RequireMfaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._needs_setup(request):
            # Encoded, so a "&" in the page's own query stays inside `next`.
            return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def _needs_setup(self, request: HttpRequest) -> bool:
        if not settings.REQUIRE_MFA or request.path.startswith(_ALLOWED_PREFIXES):
            return False
        user = request.user
        if not user.is_authenticated or not mfa_required_for(user):
            return False
        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
