"""Every list a person sees comes a page at a time, with GOV.UK's pagination component:
referrals, placements, referrals received, frameworks, a provider's homes and relationships."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client

from commissioning import services
from commissioning.models import Framework, Placement
from config import pagination
from tests.commissioning.conftest import SENT_AT, provider_of, referral_details
from tests.conftest import Cast
from tests.factories import HomeFactory

pytestmark = pytest.mark.django_db

REFERRAL_LINK = re.compile(r'href="/referrals/(\d+)/"')


def _pagination(html: str) -> str:
    found = re.search(r'<nav class="govuk-pagination".*?</nav>', html, re.DOTALL)
    return found.group(0) if found else ""


def _referrals(cast: Cast, count: int) -> list[int]:
    return [
        services.placement_request_create(
            organisation=cast.local_authority_a, details=referral_details(cast), created_by=cast.commissioner_a
        ).pk
        for _ in range(count)
    ]


def test_referrals_come_twenty_five_to_a_page_newest_first(client: Client, cast: Cast) -> None:
    made = _referrals(cast, 26)
    client.force_login(cast.commissioner_a)

    first = client.get("/referrals/").content.decode()
    second = client.get("/referrals/?page=2").content.decode()

    first_shown = [int(pk) for pk in REFERRAL_LINK.findall(first)]
    assert first_shown == sorted(made, reverse=True)[:25]
    assert [int(pk) for pk in REFERRAL_LINK.findall(second)] == [min(made)]
    assert "Page 1 of 2" in _pagination(first)
    assert 'href="?page=2" rel="next"' in _pagination(first)
    assert 'href="?page=1" rel="prev"' in _pagination(second)
    assert 'rel="next"' not in _pagination(second)


def test_a_page_number_past_the_end_or_not_a_number_shows_a_page_not_an_error(client: Client, cast: Cast) -> None:
    made = _referrals(cast, 26)
    client.force_login(cast.commissioner_a)

    past_the_end = client.get("/referrals/?page=99")
    not_a_number = client.get("/referrals/?page=first")

    assert past_the_end.status_code == 200
    assert [int(pk) for pk in REFERRAL_LINK.findall(past_the_end.content.decode())] == [min(made)]
    assert not_a_number.status_code == 200
    assert len(REFERRAL_LINK.findall(not_a_number.content.decode())) == 25


def test_one_page_of_referrals_shows_no_pagination(client: Client, cast: Cast) -> None:
    _referrals(cast, 3)
    client.force_login(cast.commissioner_a)
    html = client.get("/referrals/").content.decode()
    assert len(REFERRAL_LINK.findall(html)) == 3
    assert _pagination(html) == ""


def _placed(cast: Cast, count: int) -> list[Placement]:
    home = HomeFactory(provider_organisation=provider_of(cast.provider_organisation_p))
    placements = []
    for _ in range(count):
        draft = services.placement_request_create(
            organisation=cast.local_authority_a, details=referral_details(cast), created_by=cast.commissioner_a
        )
        [invitation] = services.placement_request_send(
            placement_request=draft, homes=[home], sent_by=cast.commissioner_a, now=SENT_AT
        )
        offer = services.offer_make(
            invitation=invitation,
            home=home,
            start_date=datetime.date(2026, 3, 16),
            fees=services.WeeklyFees(core=Decimal("5000.00")),
            conditions="",
            made_by=cast.provider_p,
            now=SENT_AT + datetime.timedelta(hours=1),
        )
        placements.append(
            services.offer_accept(
                offer=offer, accepted_by=cast.commissioner_a, reason="Closest to school.", now=SENT_AT
            )
        )
    return placements


@pytest.mark.parametrize(
    ("path", "who"),
    [("/placements/", "commissioner_a"), ("/referrals-received/", "provider_p")],
)
def test_placements_and_referrals_received_come_a_page_at_a_time(
    client: Client, cast: Cast, monkeypatch: pytest.MonkeyPatch, path: str, who: str
) -> None:
    _placed(cast, 2)
    monkeypatch.setattr(pagination, "PER_PAGE", 1)
    client.force_login(getattr(cast, who))

    first = client.get(path).content.decode()
    second = client.get(f"{path}?page=2").content.decode()

    assert "Page 1 of 2" in _pagination(first)
    assert "Page 2 of 2" in _pagination(second)
    assert first.count('<tr class="govuk-table__row">') == second.count('<tr class="govuk-table__row">') == 2


def test_the_placements_page_offers_to_end_only_the_placements_shown(
    client: Client, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    newest, oldest = sorted(_placed(cast, 2), key=lambda placement: -placement.pk)
    monkeypatch.setattr(pagination, "PER_PAGE", 1)
    client.force_login(cast.commissioner_a)

    response = client.get("/placements/")

    assert response.context["can_end"] == {newest.pk}
    assert f"/placements/{newest.pk}/end/" in response.content.decode()
    assert f"/placements/{oldest.pk}/end/" not in response.content.decode()


def test_frameworks_come_a_page_at_a_time(client: Client, cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ["North", "South"]:
        framework = Framework.objects.create(name=name, starts_on=datetime.date(2026, 4, 1))
        framework.local_authorities.add(cast.local_authority_a.local_authority)  # type: ignore[arg-type]
    monkeypatch.setattr(pagination, "PER_PAGE", 1)
    client.force_login(cast.commissioner_a)

    first = client.get("/frameworks/").content.decode()
    second = client.get("/frameworks/?page=2").content.decode()

    assert ">North</a>" in first
    assert ">South</a>" not in first
    assert ">South</a>" in second
    assert "Page 2 of 2" in _pagination(second)


def test_a_providers_homes_come_a_page_at_a_time(client: Client, cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    provider = provider_of(cast.provider_organisation_p)
    homes = sorted((HomeFactory(provider_organisation=provider) for _ in range(2)), key=lambda home: home.urn)
    monkeypatch.setattr(pagination, "PER_PAGE", 1)
    client.force_login(cast.provider_p)

    first = client.get("/your-homes/").content.decode()
    second = client.get("/your-homes/?page=2").content.decode()

    assert f"URN {homes[0].urn}" in first
    assert f"URN {homes[1].urn}" not in first
    assert f"URN {homes[1].urn}" in second
    assert "Page 2 of 2" in _pagination(second)
