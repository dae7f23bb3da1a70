"""The API's docs are public, and say what the endpoints really return."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_the_api_docs_and_schema_answer_anyone(client: Client) -> None:
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")
    schema = client.get("/api/schema/", {"format": "json"})

    assert (page.status_code, script.status_code, schema.status_code) == (200, 200, 200)
    assert "SwaggerUIBundle" in script.content.decode()
    assert schema.json()["info"]["title"] == "Relational Commissioning API"
    assert {"/api/v1/market/", "/api/v1/market/costs/"} <= set(schema.json()["paths"])


@pytest.mark.django_db
def test_every_page_links_to_the_api_docs(client: Client) -> None:
    assert '<a class="govuk-footer__link" href="/api/docs/">API</a>' in client.get("/").content.decode()
