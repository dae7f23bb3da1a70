"""Every response's Content-Security-Policy (with a per-request nonce for the one inline
script), Permissions-Policy, and no-store caching of the API and of signed-in pages."""

from __future__ import annotations

import re

import pytest
from django.db import OperationalError, connection
from django.http.response import HttpResponseBase
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r'<script nonce="(?P<nonce>[^"]+)">')


def _directives(response: HttpResponseBase) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def test_a_page_allows_only_its_own_scripts_and_its_one_inline_script_by_nonce(client: Client) -> None:
    response = client.get("/accessibility/")

    directives = _directives(response)
    nonce = INLINE_SCRIPT.search(response.content.decode())
    assert nonce is not None
    assert directives["script-src"] == f"'self' 'nonce-{nonce['nonce']}'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    # Every script element is either loaded from this server or carries the nonce.
    scripts = re.findall(r"<script[^>]*>", response.content.decode())
    assert [tag for tag in scripts if " src=" not in tag] == [f'<script nonce="{nonce["nonce"]}">']


def test_each_request_gets_a_new_nonce(client: Client) -> None:
    first = _directives(client.get("/accessibility/"))["script-src"]
    second = _directives(client.get("/accessibility/"))["script-src"]
    assert first != second


def test_permissions_policy_turns_off_device_features(client: Client) -> None:
    policy = client.get("/accessibility/")["Permissions-Policy"]
    assert "camera=()" in policy
    assert "geolocation=()" in policy
    assert "microphone=()" in policy
    assert "fullscreen=(self)" in policy


def test_a_signed_in_persons_pages_are_never_stored(client: Client) -> None:
    client.force_login(UserFactory.create())
    for path in ["/account/", "/accessibility/"]:
        cache_control = client.get(path)["Cache-Control"]
        assert "no-store" in cache_control
        assert "private" in cache_control


def test_an_anonymous_public_page_may_be_stored(client: Client) -> None:
    response = client.get("/accessibility/")
    assert "no-store" not in response.get("Cache-Control", "")


def test_the_api_is_never_stored_even_for_anonymous_callers(client: Client) -> None:
    for path in ["/api/v1/homes/", "/api/v1/me/"]:
        response = client.get(path)
        assert "no-store" in response["Cache-Control"], path


def test_static_files_keep_their_own_caching_for_a_signed_in_person(client: Client) -> None:
    client.force_login(UserFactory.create())
    response = client.get("/static/js/charts.js")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_the_api_docs_run_no_inline_script(client: Client) -> None:
    client.force_login(UserFactory.create())
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert re.findall(r"<script>", html) == []
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_a_page_whose_reader_cannot_be_known_is_never_stored(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a session cookie and the database down, the error page is kept private too."""
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory.create())

    def broken_cursor(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/accessibility/")

    assert response.status_code == 500
    assert "no-store" in response["Cache-Control"]
    assert "Content-Security-Policy" in response


@pytest.mark.parametrize("path", ["/dashboards/", "/dashboards/areas/", "/registry/"])
def test_a_page_kept_for_anonymous_visitors_carries_this_requests_nonce(client: Client, path: str) -> None:
    """The dashboards keep each anonymous response until the next recompute; the kept page's
    inline script carried the first visitor's nonce, so every later visitor's browser refused it."""
    for _ in range(3):
        response = client.get(path)
        assert response.status_code == 200
        nonce = INLINE_SCRIPT.search(response.content.decode())
        assert nonce is not None
        assert _directives(response)["script-src"] == f"'self' 'nonce-{nonce['nonce']}'"
