"""The list of a person's relationships comes a page at a time."""

from __future__ import annotations

import pytest
from django.test import Client

from config import pagination
from tests.conftest import Cast
from trust import services

pytestmark = pytest.mark.django_db


def test_relationships_come_a_page_at_a_time(client: Client, cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    for provider in (cast.provider_organisation_p, cast.provider_organisation_q):
        services.relationship_open(
            opened_by=cast.commissioner_a, organisation=cast.local_authority_a, other_organisation=provider
        )
    monkeypatch.setattr(pagination, "PER_PAGE", 1)
    client.force_login(cast.commissioner_a)

    pages = [client.get("/relationships/").content.decode(), client.get("/relationships/?page=2").content.decode()]

    shown = [[name for name in ("Provider P", "Provider Q") if f">{name}</a>" in page] for page in pages]
    assert sorted(shown) == [["Provider P"], ["Provider Q"]]
    assert "Page 1 of 2" in pages[0]
    assert "Page 2 of 2" in pages[1]
