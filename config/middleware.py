"""Headers every response carries, and a health check that needs no session.

- Content-Security-Policy: scripts only from this server, plus the one inline script of
  base.html (it marks the page as JavaScript-enabled before first paint), which carries the
  request's nonce. Styles allow 'unsafe-inline' because Plotly (and htmx's indicator style)
  write style attributes and <style> elements at run time; a nonce in style-src would make
  browsers ignore 'unsafe-inline', so styles carry none. Charts are downloaded as PNG through
  data: and blob: images.
- Permissions-Policy: the service uses no device features; presentation mode may go full
  screen on our own pages.
- Cache-Control: no-store on the API and on every page a signed-in person is served, so a
  shared computer's back button or a proxy never shows one person's pages to the next.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from config.health import healthz

PERMISSIONS_POLICY = ", ".join(
    [
        "accelerometer=()",
        "camera=()",
        "display-capture=()",
        "fullscreen=(self)",
        "geolocation=()",
        "gyroscope=()",
        "magnetometer=()",
        "microphone=()",
        "payment=()",
        "usb=()",
    ]
)


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _private(request: HttpRequest) -> bool:
    """The API, or a person signed in (only asked when a session cookie came, so no query otherwise)."""
    if request.path.startswith("/api/"):
        return True
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    try:
        return bool(user is not None and user.is_authenticated)
    except DatabaseError:  # the database is down: whose page this is cannot be known, so keep it private
        return True


class SecurityHeadersMiddleware:
    """Placed after WhiteNoise, so static files keep their long-lived caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", content_security_policy(nonce))
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if _private(request):
            add_never_cache_headers(response)  # max-age=0, no-cache, no-store, must-revalidate, private
        return response


def csp_nonce(request: HttpRequest) -> dict[str, str]:
    """Template context: {{ csp_nonce }} for the inline script."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}


class HealthCheckMiddleware:
    """Answers /healthz before sessions and authentication, which need the database.

    With a session cookie, the session and user lookups failed first when the database was
    down, and the probe got the 500 page instead of the 503 JSON it reads.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)
