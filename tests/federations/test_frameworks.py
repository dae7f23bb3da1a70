"""Frameworks that enable small providers (issue 14 part 4): a lot admits federations and
reserves a share of call-offs; each framework shows how many small providers and federations
it admits and places with."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from commissioning.models import Framework, FrameworkLot, Placement, PlacementRequest
from commissioning.services import placement_request_create
from federations import selectors, services
from federations.models import FrameworkFederation, LotTerms
from geography.models import LocalAuthority
from tests.commissioning.conftest import provider_of, referral_details
from tests.conftest import Cast
from tests.factories import HomeFactory, RegistryProviderFactory
from tests.federations.samples import federation_formed, provider_with_administrator, registry_record
from tests.idempotency import keyed

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework(cast: Cast) -> Framework:
    made = Framework.objects.create(name="Framework of A", starts_on=datetime.date(2026, 4, 1))
    made.local_authorities.set([LocalAuthority.objects.get(organisation=cast.local_authority_a)])
    FrameworkLot.objects.create(framework=made, name="Lot 1: residential")
    return made


def test_a_commissioner_sets_a_lots_terms_and_no_one_else_can(cast: Cast, framework: Framework):
    lot = framework.lots.get()
    with pytest.raises(ValidationError):
        services.lot_terms_set(lot=lot, user=cast.commissioner_b, admits_federations=True, reserved_share_percent=20)
    with pytest.raises(ValidationError):
        services.lot_terms_set(lot=lot, user=cast.commissioner_a, admits_federations=True, reserved_share_percent=101)
    assert not LotTerms.objects.exists()
    terms = services.lot_terms_set(
        lot=lot, user=cast.commissioner_a, admits_federations=True, reserved_share_percent=20
    )
    assert (terms.admits_federations, terms.reserved_share_percent, terms.updated_by) == (True, 20, cast.commissioner_a)


def test_a_federation_is_admitted_only_through_a_lot_that_admits_federations(cast: Cast, framework: Framework):
    organisation, administrator = provider_with_administrator("Aire Homes")
    federation = federation_formed(organisation=organisation, administrator=administrator, name="Aire Federation")
    with pytest.raises(ValidationError, match="First let a lot admit federations"):
        services.framework_federation_admit(framework=framework, federation=federation, user=cast.commissioner_a)
    services.lot_terms_set(
        lot=framework.lots.get(), user=cast.commissioner_a, admits_federations=True, reserved_share_percent=0
    )
    services.framework_federation_admit(framework=framework, federation=federation, user=cast.commissioner_a)
    with pytest.raises(ValidationError, match="already admitted"):
        services.framework_federation_admit(framework=framework, federation=federation, user=cast.commissioner_a)
    assert FrameworkFederation.objects.count() == 1


def _placed(cast: Cast, framework: Framework, home) -> Placement:
    request = placement_request_create(
        organisation=cast.local_authority_a,
        details=referral_details(cast, framework_lot=framework.lots.get()),
        created_by=cast.commissioner_a,
    )
    authority = cast.local_authority_a.local_authority
    assert authority is not None
    PlacementRequest.objects.filter(pk=request.pk).update(status=PlacementRequest.Status.PLACED)
    return Placement.objects.create(
        placement_request=request, local_authority=authority, home=home, start_date=datetime.date(2026, 5, 1)
    )


def test_the_figures_count_small_providers_and_federations_admitted_and_placed_with(cast: Cast, framework: Framework):
    small = provider_of(cast.provider_organisation_p)  # one open home: small
    small_home = HomeFactory(provider_organisation=small)
    large = RegistryProviderFactory(name="Big Group Limited")
    large_homes = HomeFactory.create_batch(5, provider_organisation=large)
    framework.approved_providers.set([small, large])
    organisation, administrator = provider_with_administrator("Aire Homes")
    federation = federation_formed(organisation=organisation, administrator=administrator, name="Aire Federation")
    member_home = HomeFactory(provider_organisation=registry_record(organisation))
    services.lot_terms_set(
        lot=framework.lots.get(), user=cast.commissioner_a, admits_federations=True, reserved_share_percent=25
    )
    services.framework_federation_admit(framework=framework, federation=federation, user=cast.commissioner_a)
    for home in (small_home, large_homes[0], member_home):
        _placed(cast, framework, home)
    figures = selectors.framework_figures(framework)
    assert (figures.approved, figures.approved_small) == (2, 1)
    assert figures.federations == [federation]
    # The member is small too: both small placements count as small, one as federated.
    assert (figures.placements, figures.placements_small, figures.placements_federated) == (3, 2, 1)
    assert figures.reserved_share_percent == 25
    assert figures.small_or_federated_share_percent == 67


def test_the_page_shows_the_figures_and_saves_a_lots_terms(cast: Cast, framework: Framework, client: Client):
    client.force_login(cast.commissioner_a)
    url = reverse("federations:framework_small_providers", args=[framework.pk])
    page = client.get(url).content.decode()
    assert 'Approved providers</dt><dd class="govuk-summary-list__value">0, of which 0 small' in page
    assert "not known (no placements yet)" in page
    lot = framework.lots.get()
    bad = client.post(url, keyed({"lot": lot.pk, f"lot-{lot.pk}-admits_federations": "yes",
                                  f"lot-{lot.pk}-reserved_share_percent": "150"}))  # fmt: skip
    assert "The reserved share must be a whole number from 0 to 100." in bad.content.decode()
    assert not LotTerms.objects.exists()
    good = client.post(url, keyed({"lot": lot.pk, f"lot-{lot.pk}-admits_federations": "yes",
                                   f"lot-{lot.pk}-reserved_share_percent": "30"}))  # fmt: skip
    assert good.status_code == 302
    assert LotTerms.objects.get().reserved_share_percent == 30


def test_a_provider_on_the_framework_reads_but_cannot_change(cast: Cast, framework: Framework, client: Client):
    framework.approved_providers.set([provider_of(cast.provider_organisation_p)])
    client.force_login(cast.provider_p)
    url = reverse("federations:framework_small_providers", args=[framework.pk])
    assert client.get(url).status_code == 200
    lot = framework.lots.get()
    client.post(url, keyed({"lot": lot.pk, f"lot-{lot.pk}-admits_federations": "yes",
                            f"lot-{lot.pk}-reserved_share_percent": "30"}))  # fmt: skip
    assert not LotTerms.objects.exists()
