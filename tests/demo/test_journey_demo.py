"""The demo's synthetic year of referrals and the live items for the demo logins, on a small
registry: the demo provider acts for real homes, the year is consistent and labelled
synthetic, the logins have something to act on, and loading again changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Count, F
from django.test import Client
from django.utils import timezone

from accounts.models import Membership, Notification, Organisation, User
from commissioning.identifiers import identifiers_in
from commissioning.matching import candidate_homes
from commissioning.models import (
    Decline,
    DeclineReason,
    Disclosure,
    EducationNeed,
    Invitation,
    LegalStatus,
    Offer,
    Placement,
    PlacementRequest,
    PlannedDuration,
    ReferralSex,
    Urgency,
)
from commissioning.selectors import attention_for, inbox_of
from commissioning.services import ReferralDetails, placement_request_create
from demo.homes import DEMO_PROVIDER_NAME
from demo.journey import YEAR_START, demo_journey_load
from demo.placements import DEMO_TODAY
from demo.services import demo_load
from geography.models import LocalAuthority
from providers.models import Home, HomeProfile, ProviderOrganisation, Sector, Vacancy
from tests.demo.conftest import PASSWORD, registry_create

pytestmark = pytest.mark.django_db


def _authority(ons_code: str) -> LocalAuthority:
    return LocalAuthority.objects.get(ons_code=ons_code)


@pytest.fixture(scope="module")
def loaded(module_transaction) -> ProviderOrganisation:
    """The demo on a small registry, loaded once for the module (tests/demo/conftest.py)."""
    chosen = registry_create()
    demo_load(password=PASSWORD)
    demo_journey_load(referrals=48, sample=50, seed=7)
    return chosen


def _leeds_details() -> ReferralDetails:
    return ReferralDetails(
        age_years=14,
        sex=ReferralSex.FEMALE,
        legal_status=LegalStatus.CARE_ORDER,
        urgency=Urgency.UNDER_5_DAYS,
        planned_duration=PlannedDuration.LONG_TERM,
        education=EducationNeed.KEEPS_SCHOOL,
        start_by=timezone.localdate() + datetime.timedelta(days=7),
        summary="A 14-year-old girl who loves music. Has gone missing recently.",
        need_codes=["emotional-behavioural", "going-missing"],
        home_local_authority=_authority("E08000035"),
    )


def test_the_demo_provider_acts_for_real_homes_with_profiles_and_vacancies(loaded):
    organisation = Organisation.objects.get(name=DEMO_PROVIDER_NAME)
    provider = ProviderOrganisation.objects.get(organisation=organisation)
    assert provider == loaded
    assert provider.name == "Aire Valley Care Limited"
    homes = Home.objects.filter(provider_organisation=provider)
    assert homes.count() == 4
    assert HomeProfile.objects.filter(home__in=homes).count() == 4
    assert Vacancy.objects.filter(home__in=homes).values("home").distinct().count() == 4
    assert not ProviderOrganisation.objects.filter(name=DEMO_PROVIDER_NAME).exists()  # no placeholder left
    # Other real homes were profiled too, for realistic reach, but never a council's.
    assert HomeProfile.objects.exclude(home__in=homes).count() == 50
    assert not HomeProfile.objects.filter(home__sector=Sector.LOCAL_AUTHORITY).exists()


def test_a_leeds_referral_reaches_the_demo_providers_homes(loaded):
    commissioner = User.objects.get(email="commissioner@example.org")
    draft = placement_request_create(
        organisation=Organisation.objects.get(name="Leeds City Council"),
        details=_leeds_details(),
        created_by=commissioner,
    )
    reached = {candidate.home.pk for candidate in candidate_homes(draft)}
    assert set(loaded.homes.values_list("pk", flat=True)) <= reached


def _year() -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(YEAR_START, datetime.time()))
    end = timezone.make_aware(datetime.datetime.combine(DEMO_TODAY, datetime.time()))
    return start, end


def test_the_synthetic_year_is_spread_over_twelve_months_and_consistent(loaded):
    start, end = _year()
    year = PlacementRequest.objects.filter(sent_at__gte=start, sent_at__lt=end)
    assert year.count() == 48
    months = {timezone.localtime(sent).strftime("%Y-%m") for sent in year.values_list("sent_at", flat=True)}
    assert len(months) == 12
    assert not year.filter(created_at__gte=F("sent_at")).exists()
    reasons = set(Decline.objects.filter(invitation__placement_request__in=year).values_list("reason", flat=True))
    assert {DeclineReason.NO_VACANCY, DeclineReason.IMPACT_ON_CHILDREN} <= reasons
    assert Offer.objects.filter(placement_request__in=year).count() > year.count() / 2
    placed = year.filter(status=PlacementRequest.Status.PLACED)
    assert placed.count() > year.count() / 2
    assert year.filter(status__in=[PlacementRequest.Status.WITHDRAWN, PlacementRequest.Status.EXPIRED]).exists()
    assert not year.filter(status=PlacementRequest.Status.SENT).exists()
    assert Placement.objects.filter(placement_request__in=placed).count() == placed.count()
    assert not Placement.objects.filter(placement_request__in=year.exclude(pk__in=placed)).exists()
    assert not placed.annotate(n=Count("offers__placement")).exclude(n=1).exists()
    journey_placements = Placement.objects.filter(placement_request__isnull=False)
    assert not journey_placements.filter(is_synthetic=False).exists()
    assert not journey_placements.exclude(start_date__gte=YEAR_START, start_date__lt=DEMO_TODAY).exists()
    assert (
        Disclosure.objects.filter(placement_request__in=year).count()
        == Invitation.objects.filter(placement_request__in=year).count()
    )
    # Every provider was told how it ended, and nothing of the past is left unread.
    assert not Invitation.objects.filter(placement_request__in=year, outcome="").exists()
    assert not Notification.objects.filter(created_at__lt=end, read_at__isnull=True).exists()


def test_the_commissioner_login_has_offers_to_compare(loaded, settings):
    settings.REQUIRE_MFA = False  # as in `make run`
    commissioner = User.objects.get(email="commissioner@example.org")
    attention = attention_for(commissioner)
    referrals_with_offers = {offer.placement_request_id for offer in attention.offers_to_consider}
    assert len(referrals_with_offers) == 2
    live = PlacementRequest.objects.filter(pk__in=referrals_with_offers)
    assert not live.filter(response_deadline__lte=timezone.now()).exists()
    assert all(request.created_by == commissioner for request in live)
    client = Client()
    client.force_login(commissioner)
    page = client.get("/").content.decode()
    assert "Offers to consider" in page


def test_the_provider_login_has_invitations_to_answer(loaded, settings):
    settings.REQUIRE_MFA = False  # as in `make run`
    provider_staff = User.objects.get(email="provider@example.org")
    waiting = attention_for(provider_staff).invitations_to_answer
    assert len(waiting) == 2
    assert all(invitation.deadline > timezone.now() for invitation in waiting)
    assert all(invitation.provider_organisation == loaded for invitation in waiting)
    assert inbox_of(provider_staff).filter(status=Invitation.Status.OPEN).count() == 2
    client = Client()
    client.force_login(provider_staff)
    assert "Referrals waiting for your answer" in client.get("/").content.decode()


def test_no_summary_carries_an_identifier(loaded):
    summaries = list(PlacementRequest.objects.values_list("summary", flat=True))
    assert len(summaries) == 52
    assert all(summary.startswith("Synthetic demo referral.") for summary in summaries)
    assert [summary for summary in summaries if identifiers_in(summary)] == []


def _state() -> dict[str, object]:
    models = (PlacementRequest, Invitation, Offer, Decline, Placement, Disclosure, Notification, HomeProfile, Vacancy)
    return {
        **{model.__name__: model.objects.count() for model in models},
        "users": sorted(User.objects.values_list("email", flat=True)),
        "organisations": sorted(Organisation.objects.values_list("name", flat=True)),
        "memberships": Membership.objects.count(),
        "links": sorted(ProviderOrganisation.objects.filter(organisation__isnull=False).values_list("pk", flat=True)),
    }


def test_loading_again_changes_nothing(loaded):
    before = _state()
    demo_load(password=PASSWORD)
    result = demo_journey_load(referrals=48, sample=50, seed=7)
    assert (result.created, result.referrals, result.live_referrals) == (False, 0, 0)
    assert _state() == before


def test_synthetic_staff_cannot_sign_in(loaded):
    synthetic = User.objects.filter(email__startswith="synthetic.")
    assert synthetic.count() == 2
    assert not synthetic.filter(is_active=True).exists()
