"""Provider staff keep their homes' profiles and vacancies; nobody else can."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from accounts.models import OrganisationKind
from providers import services
from providers.models import Federation, Home, HomeProfile, Judgement, Need, RegisteredSex, Vacancy
from providers.needs import NEEDS, needs_seed_into
from providers.selectors import homes_managed_by
from tests.conftest import Cast
from tests.factories import HomeFactory, MembershipFactory, OrganisationFactory, RegistryProviderFactory

TODAY = datetime.date(2026, 11, 26)


@pytest.fixture
def needs(db) -> dict[str, Need]:
    needs_seed_into(Need)
    return {need.code: need for need in Need.objects.all()}


@pytest.fixture
def home_p(cast: Cast) -> Home:
    return HomeFactory(
        provider_organisation=cast.provider_organisation_p.provider_organisation, overall_judgement=Judgement.GOOD
    )


@pytest.fixture
def home_q(cast: Cast) -> Home:
    return HomeFactory(provider_organisation=cast.provider_organisation_q.provider_organisation)


def _profile_post(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "age_minimum": "10",
        "age_maximum": "17",
        "sexes": "any",
        "needs": [],
        "statement_of_purpose": "A small home near the sea.",
        "takes_emergency_admissions": "yes",
    }
    data.update(overrides)
    return data


def _snapshot() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Every profile, profile need and vacancy, to show that a refused action changed nothing."""
    return (
        list(HomeProfile.objects.order_by("pk").values_list()),
        list(HomeProfile.needs.through.objects.order_by("pk").values_list()),
        list(Vacancy.objects.order_by("pk").values_list()),
    )


def test_the_needs_vocabulary_is_seeded_once_with_stable_codes(needs):
    assert needs_seed_into(Need) == len(NEEDS) == 19
    assert Need.objects.count() == 19
    assert needs["emotional-behavioural"].source == "ofsted"
    assert needs["trauma-informed-care"].source == "nps"
    assert needs["autism"].label == "Autism spectrum conditions"


def test_provider_staff_manage_only_their_own_homes(cast: Cast, home_p: Home, home_q: Home):
    closed = HomeFactory(provider_organisation=home_p.provider_organisation, closed_on=datetime.date(2025, 3, 31))

    assert list(homes_managed_by(cast.provider_p)) == [home_p]
    assert list(homes_managed_by(cast.provider_q)) == [home_q]
    for outsider in (cast.commissioner_a, cast.organiser, cast.admin):
        assert list(homes_managed_by(outsider)) == []
    assert closed not in homes_managed_by(cast.provider_p)


def test_federation_members_manage_their_member_providers_homes(cast: Cast, home_p: Home, home_q: Home):
    federation_organisation = OrganisationFactory(kind=OrganisationKind.FEDERATION, name="Coast Federation")
    federation = Federation.objects.create(name="Coast Federation", organisation=federation_organisation)
    assert home_p.provider_organisation is not None
    federation.members.add(home_p.provider_organisation, RegistryProviderFactory())
    coordinator = MembershipFactory(organisation=federation_organisation).user

    assert list(homes_managed_by(coordinator)) == [home_p]


def test_profile_update_saves_every_field(cast: Cast, home_p: Home, needs):
    profile = services.home_profile_update(
        home=home_p,
        user=cast.provider_p,
        age_minimum=11,
        age_maximum=17,
        sexes=RegisteredSex.FEMALE,
        needs=[needs["autism"], needs["self-harm"]],
        statement_of_purpose="  Therapeutic care for girls.  ",
        takes_emergency_admissions=True,
    )

    profile.refresh_from_db()
    assert (profile.age_minimum, profile.age_maximum, profile.sexes) == (11, 17, "female")
    assert sorted(profile.needs.values_list("code", flat=True)) == ["autism", "self-harm"]
    assert profile.statement_of_purpose == "Therapeutic care for girls."
    assert profile.takes_emergency_admissions is True
    assert profile.updated_by == cast.provider_p


@pytest.mark.parametrize(
    ("ages", "errors"),
    [
        ((12, 10), {"age_maximum": ["Oldest age must be the same as or more than the youngest age"]}),
        ((10, 19), {"age_maximum": ["Oldest age must be between 0 and 18"]}),
        ((18, 18), {"age_minimum": ["Youngest age must be between 0 and 17"]}),
    ],
)
def test_a_bad_age_range_is_refused_and_nothing_changes(cast: Cast, home_p: Home, needs, ages, errors):
    services.home_profile_update(
        home=home_p,
        user=cast.provider_p,
        age_minimum=8,
        age_maximum=17,
        sexes="any",
        needs=[needs["autism"]],
        statement_of_purpose="",
        takes_emergency_admissions=False,
    )
    before = _snapshot()

    with pytest.raises(ValidationError) as refused:
        services.home_profile_update(
            home=home_p,
            user=cast.provider_p,
            age_minimum=ages[0],
            age_maximum=ages[1],
            sexes="any",
            needs=[],
            statement_of_purpose="Changed",
            takes_emergency_admissions=True,
        )

    assert refused.value.message_dict == errors
    assert _snapshot() == before


def test_another_providers_staff_cannot_change_a_profile(cast: Cast, home_p: Home, needs):
    before = _snapshot()

    for outsider in (cast.provider_q, cast.commissioner_a, cast.admin):
        with pytest.raises(PermissionDenied):
            services.home_profile_update(
                home=home_p,
                user=outsider,
                age_minimum=8,
                age_maximum=17,
                sexes="any",
                needs=[],
                statement_of_purpose="",
                takes_emergency_admissions=False,
            )
        with pytest.raises(PermissionDenied):
            services.vacancy_add(home=home_p, user=outsider, places=1, available_from=TODAY)

    assert _snapshot() == before


def test_vacancy_add_and_validation(cast: Cast, home_p: Home):
    vacancy = services.vacancy_add(
        home=home_p, user=cast.provider_p, places=2, available_from=TODAY, note=" Ground floor ", today=TODAY
    )
    before = _snapshot()

    with pytest.raises(ValidationError) as refused:
        services.vacancy_add(
            home=home_p,
            user=cast.provider_p,
            places=5,
            available_from=TODAY,
            available_until=TODAY - datetime.timedelta(days=1),
            today=TODAY,
        )

    assert (vacancy.places, vacancy.available_from, vacancy.available_until, vacancy.note) == (
        2,
        TODAY,
        None,
        "Ground floor",
    )
    assert refused.value.message_dict == {
        "places": ["Places must be between 1 and 4"],
        "available_until": ["The end date must be the same as or after the date it is available from"],
    }
    assert _snapshot() == before


def test_ending_an_open_vacancy_keeps_it_ending_yesterday_and_a_future_one_is_removed(cast: Cast, home_p: Home):
    open_now = Vacancy.objects.create(home=home_p, places=1, available_from=TODAY - datetime.timedelta(days=3))
    expected = Vacancy.objects.create(home=home_p, places=1, available_from=TODAY + datetime.timedelta(days=7))

    kept = services.vacancy_end(vacancy=open_now, user=cast.provider_p, today=TODAY)
    removed = services.vacancy_end(vacancy=expected, user=cast.provider_p, today=TODAY)

    assert kept is not None
    assert kept.available_until == TODAY - datetime.timedelta(days=1)
    assert removed is None
    assert list(Vacancy.objects.values_list("pk", flat=True)) == [open_now.pk]
    with pytest.raises(ValidationError):
        services.vacancy_end(vacancy=kept, user=cast.provider_p, today=TODAY)


def test_another_provider_cannot_end_a_vacancy(cast: Cast, home_p: Home):
    vacancy = Vacancy.objects.create(home=home_p, places=1, available_from=TODAY - datetime.timedelta(days=3))
    before = _snapshot()

    with pytest.raises(PermissionDenied):
        services.vacancy_end(vacancy=vacancy, user=cast.provider_q, today=TODAY)

    assert _snapshot() == before


# ---------------------------------------------------------------- pages


def test_your_homes_lists_the_homes_with_the_registry_rating(client: Client, cast: Cast, home_p: Home):
    client.force_login(cast.provider_p)

    page = client.get("/your-homes/").content.decode()

    assert home_p.urn in page
    assert "Good" in page
    assert "Not started" in page


def test_your_homes_empty_state_says_what_to_do(client: Client, cast: Cast):
    client.force_login(cast.provider_q)

    page = client.get("/your-homes/").content.decode()

    assert "No open homes are linked to your organisation yet." in page


@pytest.mark.parametrize("principal", ["provider_q", "commissioner_a", "organiser", "admin"])
def test_others_get_404_and_a_post_changes_nothing(client: Client, cast: Cast, home_p: Home, principal: str):
    user = cast.user(principal)
    assert user is not None
    client.force_login(user)
    before = _snapshot()

    pages = [
        f"/your-homes/{home_p.urn}/",
        f"/your-homes/{home_p.urn}/profile/",
        f"/your-homes/{home_p.urn}/vacancies/new/",
    ]
    statuses = [client.get(url).status_code for url in pages]
    posted = client.post(f"/your-homes/{home_p.urn}/profile/", _profile_post()).status_code

    assert statuses == [404, 404, 404]
    assert posted == 404
    assert _snapshot() == before


def test_the_profile_form_saves_and_shows(client: Client, cast: Cast, home_p: Home, needs):
    client.force_login(cast.provider_p)

    response = client.post(
        f"/your-homes/{home_p.urn}/profile/",
        _profile_post(needs=[str(needs["autism"].pk), str(needs["trauma-informed-care"].pk)]),
    )
    page = client.get(f"/your-homes/{home_p.urn}/").content.decode()

    assert response.status_code == 302
    profile = HomeProfile.objects.get(home=home_p)
    assert (profile.age_minimum, profile.age_maximum, profile.takes_emergency_admissions) == (10, 17, True)
    assert sorted(profile.needs.values_list("code", flat=True)) == ["autism", "trauma-informed-care"]
    assert "Trauma-informed care" in page
    assert "10 to 17" in page


def test_the_profile_form_shows_gov_uk_errors_and_saves_nothing(client: Client, cast: Cast, home_p: Home):
    client.force_login(cast.provider_p)

    response = client.post(f"/your-homes/{home_p.urn}/profile/", _profile_post(age_minimum="15", age_maximum="12"))
    page = response.content.decode()

    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Oldest age must be the same as or more than the youngest age" in page
    assert "<title>Error:" in page
    assert HomeProfile.objects.count() == 0


def test_the_vacancy_pages_add_and_end(client: Client, cast: Cast, home_p: Home):
    client.force_login(cast.provider_p)
    available_from = timezone.localdate() + datetime.timedelta(days=10)  # the page reads the real clock

    added = client.post(
        f"/your-homes/{home_p.urn}/vacancies/new/",
        {"places": "1", "available_from": available_from.isoformat(), "available_until": "", "note": ""},
    )
    vacancy = Vacancy.objects.get(home=home_p)
    confirm = client.get(f"/your-homes/{home_p.urn}/vacancies/{vacancy.pk}/end/")
    ended = client.post(f"/your-homes/{home_p.urn}/vacancies/{vacancy.pk}/end/")

    assert added.status_code == 302
    assert vacancy.available_from == available_from
    assert "End this vacancy?" in confirm.content.decode()
    assert ended.status_code == 302
    assert Vacancy.objects.count() == 0  # it had not opened yet, so it is removed


def test_navigation_shows_your_homes_to_provider_staff_only(client: Client, cast: Cast):
    client.force_login(cast.provider_p)
    provider_page = client.get("/").content.decode()
    client.force_login(cast.commissioner_a)
    commissioner_page = client.get("/").content.decode()

    assert 'href="/your-homes/"' in provider_page
    assert 'href="/your-homes/"' not in commissioner_page
    assert 'href="/frameworks/"' in commissioner_page
