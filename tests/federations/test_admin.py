"""The administration site shows federations and never changes who belongs to one."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import Cast
from tests.federations.samples import federation_formed, provider_with_administrator, registry_record

pytestmark = pytest.mark.django_db


def test_an_administrator_cannot_change_a_federations_members(cast: Cast, client: Client):
    organisation, administrator = provider_with_administrator("Aire Homes")
    federation = federation_formed(organisation=organisation, administrator=administrator, name="Aire Federation")
    client.force_login(cast.admin)
    url = reverse("admin:providers_federation_change", args=[federation.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="members"' not in page.content.decode()
    client.post(url, {"name": federation.name, "organisation": federation.organisation.pk,
                      "members": [registry_record(cast.provider_organisation_q).pk]})  # fmt: skip
    assert list(federation.members.all()) == [registry_record(organisation)]
    history = reverse("admin:federations_federationmembership_changelist")
    assert "Aire Homes" in client.get(history).content.decode()
