"""/healthz reports the database and the broker."""

import pytest
from django.db import OperationalError, connection
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_when_the_database_answers(client, settings):
    settings.REDIS_URL = None
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "eager (no broker configured; tasks run in-process)",
    }
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_reports_an_unreachable_broker_without_failing(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "error: ConnectionError"


def test_healthz_is_503_when_the_database_does_not_answer(client, settings, monkeypatch):
    settings.REDIS_URL = None

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["database"] == "error: OperationalError"


def test_healthz_is_503_json_for_a_signed_in_browser_when_the_database_does_not_answer(settings, monkeypatch):
    """A session cookie made the session and user lookups fail first: a 500 page, not 503 JSON."""
    settings.REDIS_URL = None
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory.create())

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["database"] == "error: OperationalError"
