"""Frameworks: commissioners create and change their authority's; approved providers read them."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from accounts.models import Organisation
from commissioning import framework_services as services
from commissioning.framework_selectors import frameworks_editable_by, frameworks_visible_to, registry_providers_named
from commissioning.models import Framework, FrameworkLot
from geography.models import LocalAuthority
from tests.conftest import Cast
from tests.factories import RegistryProviderFactory

STARTS = datetime.date(2026, 4, 1)


def _la(organisation: Organisation) -> LocalAuthority:
    assert organisation.local_authority is not None
    return organisation.local_authority


def _snapshot() -> list[object]:
    return [
        list(Framework.objects.order_by("pk").values_list()),
        list(FrameworkLot.objects.order_by("pk").values_list()),
        list(Framework.local_authorities.through.objects.order_by("pk").values_list()),
        list(Framework.approved_providers.through.objects.order_by("pk").values_list()),
    ]


@pytest.fixture
def framework(cast: Cast) -> Framework:
    own = _la(cast.local_authority_a)
    framework = services.framework_save(
        user=cast.commissioner_a,
        name="Residential care 2026",
        local_authorities=[own],
        lots=["Solo placements", "Complex needs", "solo placements", " "],
        terms_summary="Fees fixed for a year.",
        starts_on=STARTS,
        ends_on=None,
    )
    services.framework_provider_approve(
        user=cast.commissioner_a, framework=framework, provider=cast.provider_organisation_p.provider_organisation
    )
    return framework


def test_create_saves_lots_once_each(framework: Framework, cast: Cast):
    assert list(framework.lots.values_list("name", flat=True)) == ["Complex needs", "Solo placements"]
    assert list(framework.local_authorities.all()) == [_la(cast.local_authority_a)]
    assert list(framework.approved_providers.all()) == [cast.provider_organisation_p.provider_organisation]


def test_who_sees_and_who_changes(framework: Framework, cast: Cast):
    assert list(frameworks_visible_to(cast.commissioner_a)) == [framework]
    assert list(frameworks_visible_to(cast.provider_p)) == [framework]
    for outsider in (cast.commissioner_b, cast.provider_q, cast.organiser, cast.admin):
        assert list(frameworks_visible_to(outsider)) == []
    assert list(frameworks_editable_by(cast.commissioner_a)) == [framework]
    assert list(frameworks_editable_by(cast.provider_p)) == []


def test_a_joining_authority_sees_and_changes_it(framework: Framework, cast: Cast):
    joined = services.framework_save(
        user=cast.commissioner_a,
        framework=framework,
        name="Residential care 2026",
        local_authorities=[_la(cast.local_authority_a), _la(cast.local_authority_b)],
        lots=["Solo placements"],
        terms_summary="",
        starts_on=STARTS,
        ends_on=datetime.date(2028, 3, 31),
    )

    assert list(frameworks_visible_to(cast.commissioner_b)) == [framework]
    assert list(joined.lots.values_list("name", flat=True)) == ["Solo placements"]
    assert joined.ends_on == datetime.date(2028, 3, 31)


def test_validation_refuses_and_nothing_changes(framework: Framework, cast: Cast):
    before = _snapshot()

    with pytest.raises(ValidationError) as refused:
        services.framework_save(
            user=cast.commissioner_a,
            framework=framework,
            name=" ",
            local_authorities=[_la(cast.local_authority_b)],
            lots=[],
            terms_summary="",
            starts_on=STARTS,
            ends_on=STARTS - datetime.timedelta(days=1),
        )

    assert refused.value.message_dict == {
        "name": ["Enter the framework's name"],
        "local_authorities": ["Include your own authority"],
        "lots": ["Enter at least one lot"],
        "ends_on": ["The end date must be the same as or after the start date"],
    }
    assert _snapshot() == before


@pytest.mark.parametrize("principal", ["commissioner_b", "provider_p", "provider_q", "organiser", "admin"])
def test_others_cannot_change_it(framework: Framework, cast: Cast, principal: str):
    user = cast.user(principal)
    assert user is not None
    before = _snapshot()

    with pytest.raises(PermissionDenied):
        services.framework_save(
            user=user,
            framework=framework,
            name="Taken over",
            local_authorities=[_la(cast.local_authority_b)],
            lots=["X"],
            terms_summary="",
            starts_on=STARTS,
            ends_on=None,
        )
    with pytest.raises(PermissionDenied):
        services.framework_provider_approve(user=user, framework=framework, provider=RegistryProviderFactory())

    assert _snapshot() == before


def test_providers_and_organisers_cannot_create(cast: Cast):
    with pytest.raises(PermissionDenied):
        services.framework_save(
            user=cast.provider_p,
            name="Mine",
            local_authorities=[],
            lots=["A"],
            terms_summary="",
            starts_on=STARTS,
            ends_on=None,
        )
    assert Framework.objects.count() == 0


def test_search_the_register_by_any_word_of_the_name(db):
    sunrise = RegistryProviderFactory(name="Sunrise Care Homes Limited")
    RegistryProviderFactory(name="Moonlight Care Limited")

    assert list(registry_providers_named("sunrise care")) == [sunrise]
    assert list(registry_providers_named("  ")) == []


# ---------------------------------------------------------------- pages


def test_a_commissioner_creates_one_through_the_page(client: Client, cast: Cast):
    client.force_login(cast.commissioner_a)

    response = client.post(
        "/frameworks/new/",
        {
            "name": "Foster and residential",
            "local_authorities": [str(_la(cast.local_authority_a).pk)],
            "lots": "Lot 1\nLot 2",
            "terms_summary": "",
            "starts_on": "2026-04-01",
            "ends_on": "",
        },
    )

    framework = Framework.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/frameworks/{framework.pk}/"
    assert list(framework.lots.values_list("name", flat=True)) == ["Lot 1", "Lot 2"]


def test_the_form_shows_errors_and_saves_nothing(client: Client, cast: Cast):
    client.force_login(cast.commissioner_a)

    response = client.post(
        "/frameworks/new/",
        {
            "name": "",
            "local_authorities": [str(_la(cast.local_authority_b).pk)],
            "lots": "A",
            "starts_on": "x",
        },
    )
    page = response.content.decode()

    assert response.status_code == 200
    assert "Enter the framework&#x27;s name" in page
    assert "The start date must be a real date" in page
    assert Framework.objects.count() == 0


def test_approving_through_the_search_page(client: Client, framework: Framework, cast: Cast):
    sunrise = RegistryProviderFactory(name="Sunrise Care Homes Limited")
    client.force_login(cast.commissioner_a)

    found = client.get(f"/frameworks/{framework.pk}/providers/", {"q": "sunrise"}).content.decode()
    client.post(f"/frameworks/{framework.pk}/providers/change/", {"provider": str(sunrise.pk), "action": "approve"})
    client.post(
        f"/frameworks/{framework.pk}/providers/change/",
        {"provider": str(cast.provider_organisation_p.provider_organisation.pk), "action": "remove"},
    )

    assert "Sunrise Care Homes Limited" in found
    assert list(framework.approved_providers.all()) == [sunrise]


def test_a_provider_reads_but_cannot_post(client: Client, framework: Framework, cast: Cast):
    client.force_login(cast.provider_p)
    before = _snapshot()

    shown = client.get(f"/frameworks/{framework.pk}/")
    posted = client.post(
        f"/frameworks/{framework.pk}/providers/change/",
        {"provider": str(cast.provider_organisation_p.provider_organisation.pk), "action": "remove"},
    )

    assert shown.status_code == 200
    assert "Change the framework" not in shown.content.decode()
    assert posted.status_code == 404
    assert _snapshot() == before


def test_empty_states(client: Client, cast: Cast):
    client.force_login(cast.commissioner_b)
    commissioner = client.get("/frameworks/").content.decode()
    client.force_login(cast.provider_q)
    provider = client.get("/frameworks/").content.decode()

    assert "Your authority is not in any framework yet." in commissioner
    assert "Your organisation is not approved on any framework yet." in provider


APPROVE_BUTTON = re.compile(r'name="provider" value="(\d+)"><input type="hidden" name="action" value="approve"')
REMOVE_BUTTON = re.compile(r'name="provider" value="(\d+)"><input type="hidden" name="action" value="remove"')


def _sunrises(count: int) -> list[int]:
    """Providers named alike, two of each name, in the order the search lists them (name, then id)."""
    made = [
        RegistryProviderFactory(name=f"Sunrise Care {number // 2:02d} Limited", normalised_name=f"SUNRISE {number}")
        for number in range(count)
    ]
    return [provider.pk for provider in sorted(made, key=lambda provider: (provider.name, provider.pk))]


def test_the_provider_search_shows_every_match_a_page_at_a_time(client: Client, framework: Framework, cast: Cast):
    expected = _sunrises(27)
    client.force_login(cast.commissioner_a)
    url = f"/frameworks/{framework.pk}/providers/"

    first = client.get(url, {"q": "sunrise"}).content.decode()
    second = client.get(url, {"q": "sunrise", "page": "2"}).content.decode()

    assert [int(pk) for pk in APPROVE_BUTTON.findall(first)] == expected[:25]
    assert [int(pk) for pk in APPROVE_BUTTON.findall(second)] == expected[25:]
    assert "Providers 1 to 25 of 27, by name." in first
    assert 'href="?q=sunrise&amp;page=2" rel="next"' in first


def test_a_bad_page_of_the_provider_search_shows_the_nearest_page(client: Client, framework: Framework, cast: Cast):
    expected = _sunrises(27)
    client.force_login(cast.commissioner_a)
    url = f"/frameworks/{framework.pk}/providers/"

    past_the_end = client.get(url, {"q": "sunrise", "page": "99"})
    not_a_number = client.get(url, {"q": "sunrise", "page": "last"})

    assert past_the_end.status_code == not_a_number.status_code == 200
    assert [int(pk) for pk in APPROVE_BUTTON.findall(past_the_end.content.decode())] == expected[25:]
    assert [int(pk) for pk in APPROVE_BUTTON.findall(not_a_number.content.decode())] == expected[:25]


def test_approved_providers_come_a_page_at_a_time_apart_from_the_search(
    client: Client, framework: Framework, cast: Cast
):
    for pk in _sunrises(26):  # with provider P, 27 approved
        framework.approved_providers.add(pk)
    expected = list(framework.approved_providers.order_by("name", "pk").values_list("pk", flat=True))
    client.force_login(cast.commissioner_a)
    url = f"/frameworks/{framework.pk}/providers/"

    first = client.get(url, {"q": "sunrise", "page": "3"}).content.decode()
    second = client.get(url, {"q": "sunrise", "page": "3", "approved_page": "2"}).content.decode()
    detail = [client.get(f"/frameworks/{framework.pk}/", {"page": page}).content.decode() for page in ("1", "2")]

    assert [int(pk) for pk in REMOVE_BUTTON.findall(first)] == expected[:25]
    assert [int(pk) for pk in REMOVE_BUTTON.findall(second)] == expected[25:]
    assert 'href="?q=sunrise&amp;page=3&amp;approved_page=2" rel="next"' in first
    assert "No provider in the register matches" in first  # every Sunrise is approved already
    assert [page.count("<li>Sunrise Care") for page in detail] == [24, 2]  # provider P sorts first
    assert 'href="?page=2#approved" rel="next"' in detail[0]
