"""The API's docs are public, and say what the endpoints really return."""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from playwright.sync_api import Page, expect
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import User
from commissioning.models import Framework
from config.openapi import ServedSchemaGenerator
from geography.models import LocalAuthority
from market.analytics.recompute import market_recompute
from market.models import RecomputeRun
from tests.browser.test_content_security_policy import Watched
from tests.browser.test_keyboard import browser, page
from tests.conftest import Cast
from tests.federations.samples import federation_samples
from tests.market.snapshot_factories import (
    NORTH_EAST,
    CostSnapshotFactory,
    SuppressedCostSnapshotFactory,
    market_over_time,
)
from tests.market.test_api import observed_home
from tests.ownership.factories import HomeFactory
from tests.trust.samples import trust_sample_objects

__all__ = ["browser", "page"]  # the browser test's fixtures

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


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
def test_the_served_schema_is_built_once_per_process(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ServedSchemaGenerator, "_served", {})
    built: list[bool] = []
    parse = SchemaGenerator.parse

    def counted(self: SchemaGenerator, *args: Any, **kwargs: Any) -> Any:
        built.append(True)
        return parse(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "parse", counted)
    first = client.get("/api/schema/", {"format": "json"}).json()
    second = client.get("/api/schema/", {"format": "json"}).json()
    yaml = client.get("/api/schema/")

    assert (first, len(built), yaml.status_code) == (second, 1, 200)
    assert "/api/v1/market/:" in yaml.content.decode()
    call_command("spectacular", "--file", os.devnull)  # the command builds afresh, to report warnings
    assert len(built) == 2


@pytest.mark.django_db
def test_every_page_links_to_the_api_docs(client: Client) -> None:
    assert '<a class="govuk-footer__link" href="/api/docs/">API</a>' in client.get("/").content.decode()


# --- The docs against the endpoints (schemathesis) ----------------------------------------------


@pytest.fixture
def api_samples(cast: Cast) -> Cast:
    """Homes, owners, a recompute run with costs, federations and referrals, for the endpoints to show."""
    observed_home("Summary Care Limited", places=3)
    observed_home("Other Care Limited", places=1)
    run = market_recompute(trigger=RecomputeRun.Trigger.COMMAND)
    CostSnapshotFactory(run=run)
    SuppressedCostSnapshotFactory(run=run, group_value="voluntary")
    framework = Framework.objects.create(name="Framework of A", starts_on=datetime.date(2026, 4, 1))
    framework.local_authorities.set([LocalAuthority.objects.get(organisation=cast.local_authority_a)])
    federation_samples(cast)
    trust_sample_objects(cast)
    return cast


@pytest.fixture
def in_process(settings: Any) -> Iterator[None]:
    """Requests served in the test's own transaction, as Django's test client serves them: the
    WSGI handler would otherwise close the test's connection after each request."""
    settings.ALLOWED_HOSTS = ["localhost"]  # the host schemathesis's WSGI client asks for
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def api_schema() -> Any:
    """The served schema's GET operations, loaded as schemathesis's WSGI client asks for it."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    return schema.include(method="GET")


def signed_in(operation: Any) -> bool:
    return any("cookieAuth" in requirement for requirement in operation.definition.raw.get("security", []))


def session_of(user: User) -> dict[str, str]:
    """The cookie of a session signed in as the user."""
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return {name: client.cookies[name].value}


def mismatches(
    schema: Any, cookies: dict[str, str] | None = None, only: Any = None, examples: int = 10
) -> dict[str, str]:
    """Each GET operation tried with a few generated requests (the parameters its docs give):
    what any answer did that its docs do not say, by operation.

    Hypothesis is driven here rather than through schemathesis's pytest plugin, whose lazy
    loader does not run under pytest 9; the fixtures' data is what the requests read."""
    found: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        if only is not None and not only(operation):
            continue

        @hypothesis_settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=CHECKS, cookies=cookies)

        try:
            check()
        except (AssertionError, BaseExceptionGroup) as error:  # schemathesis's failures, reported together
            found[operation.label] = _summary(error)
    return found


def _summary(error: BaseException) -> str:
    """The failure's kind and the request that shows it, without the schema printed in full."""
    lines = [line for line in str(error).splitlines() if line.strip()]
    kinds = [line.strip() for line in lines if line.strip().startswith(("- ST", "- Server error", "- "))]
    reproduce = [line.strip() for line in lines if line.strip().startswith("curl ")]
    return "; ".join(kinds + reproduce[:1]) or lines[0]


@pytest.mark.django_db
def test_every_get_endpoint_answers_anyone_as_its_docs_say(api_samples: Cast, in_process: None) -> None:
    assert mismatches(api_schema()) == {}


@pytest.mark.django_db
def test_every_get_endpoint_answers_a_commissioner_and_a_provider_as_its_docs_say(
    api_samples: Cast, in_process: None
) -> None:
    schema = api_schema()

    for person in (api_samples.commissioner_a, api_samples.provider_p):
        session = session_of(person)
        me = schema["/api/v1/me/"]["GET"].Case().call(cookies=session)
        assert me.status_code == 200, me.text
        assert me.json()["email"] == person.email  # the session is theirs
        assert mismatches(schema, session, only=signed_in, examples=5) == {}, person


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_api_docs_draw_for_anyone_under_the_content_security_policy(page: Page, live_server: Any) -> None:
    watched = Watched(page)

    page.goto(f"{live_server.url}/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Relational Commissioning API")
    expect(page.get_by_text("/api/v1/market/costs/", exact=True)).to_be_visible()
    watched.check(inline_script=False)  # Swagger UI's page is drf-spectacular's own, without base.html
    assert watched.problems == []


def answered(schema: Any, path: str, cookies: dict[str, str] | None = None, **request: Any) -> Any:
    """One GET of real data, checked against its docs as the generated requests are."""
    response = schema[path]["GET"].Case(**request).call_and_validate(checks=CHECKS, cookies=cookies)
    assert response.status_code == 200, (path, request, response.text[:300])
    return response.json()


@pytest.mark.django_db
def test_real_objects_are_answered_as_the_docs_say(api_samples: Cast, in_process: None) -> None:
    """Generated ids and codes mostly find nothing (404): here every endpoint shows a real object."""
    schema = api_schema()
    urn = answered(schema, "/api/v1/homes/")["results"][0]["urn"]
    owner = answered(schema, "/api/v1/owners/")["results"][0]["id"]
    federation = answered(schema, "/api/v1/federations/")["results"][0]["slug"]
    answered(schema, "/api/v1/homes/{urn}/", path_parameters={"urn": urn})
    unplaced = HomeFactory(local_authority=None, provider_organisation=None)  # the register left them blank
    home = answered(schema, "/api/v1/homes/{urn}/", path_parameters={"urn": unplaced.urn})
    assert (home["local_authority"], home["region"], home["provider_organisation"]) == (None, None, None)
    answered(schema, "/api/v1/owners/{id}/", path_parameters={"id": owner})
    answered(schema, "/api/v1/federations/{slug}/", path_parameters={"slug": federation})
    market = answered(schema, "/api/v1/market/", query={"geography": "E08000035", "basis": "homes"})
    assert (market["geography_name"], market["homes"], market["dates"]) == ("Leeds", 2, ["2025-03-31"])
    costs = answered(schema, "/api/v1/market/costs/", query={"group_kind": "owner_type"})
    assert [row["suppressed"] for row in costs["results"]] == [False, True]

    commissioner = session_of(api_samples.commissioner_a)
    referral = answered(schema, "/api/v1/placement-requests/", commissioner)[0]["id"]
    answered(schema, "/api/v1/placement-requests/{id}/", commissioner, path_parameters={"id": referral})
    organisation = answered(schema, "/api/v1/organisations/", commissioner)[0]["slug"]
    answered(schema, "/api/v1/organisations/{slug}/", commissioner, path_parameters={"slug": organisation})
    answered(schema, "/api/v1/local-authorities/", commissioner)
    provider = session_of(api_samples.provider_p)
    invitation = answered(schema, "/api/v1/invitations/", provider)[0]["id"]
    answered(schema, "/api/v1/invitations/{id}/", provider, path_parameters={"id": invitation})
    relationship = answered(schema, "/api/v1/relationships/", provider)["results"][0]["id"]
    answered(schema, "/api/v1/relationships/{id}/", provider, path_parameters={"id": relationship})
    entries = answered(schema, "/api/v1/relationships/{id}/entries/", provider, path_parameters={"id": relationship})
    assert entries["count"] > 0


@pytest.mark.django_db
def test_a_market_with_changes_over_time_is_answered_as_the_docs_say(in_process: None) -> None:
    market_over_time()

    market = answered(api_schema(), "/api/v1/market/", query={"geography": NORTH_EAST})

    assert market["change_since_previous"] == {
        "as_of": "2023-03-31",
        "units": 20,
        "owners": -2,
        "hhi": 12.5,
        "cr4": 1.0,
    }
