"""The trust log and federations (issue 14 part 6): a federation keeps its own relationships; a
member's own relationship is read by the federation's coordinators only with the member's
consent, and only read: they have no side in it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from federations import services
from federations.models import FederationMembership
from tests.conftest import Cast
from tests.federations.samples import federation_formed, provider_with_administrator, registry_record
from tests.idempotency import keyed
from trust.models import RelationshipOrigin
from trust.selectors import relationships_visible_to, sides_acting_for
from trust.services import relationship_get_or_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast: Cast):
    """R's administrator coordinates F; P is a member; A keeps a relationship with P, and one with F."""
    organisation_r, coordinator = provider_with_administrator("Provider R")
    federation = federation_formed(organisation=organisation_r, administrator=coordinator, name="Federation F")
    invited = services.federation_member_invite(
        federation=federation, provider_organisation=registry_record(cast.provider_organisation_p), user=coordinator
    )
    membership = services.federation_invitation_answer(
        membership=invited, user=cast.provider_p, accept=True, shares_inbox=True
    )
    with_p = relationship_get_or_create(
        local_authority_organisation=cast.local_authority_a, counterpart=cast.provider_organisation_p,
        created_via=RelationshipOrigin.LOCAL_AUTHORITY,
    )  # fmt: skip
    with_f = relationship_get_or_create(
        local_authority_organisation=cast.local_authority_a, counterpart=federation.organisation,
        created_via=RelationshipOrigin.LOCAL_AUTHORITY,
    )  # fmt: skip
    return coordinator, membership, with_p, with_f


def test_the_federation_keeps_its_own_relationship_and_a_members_needs_consent(world, cast: Cast):
    coordinator, membership, with_p, with_f = world
    assert set(relationships_visible_to(coordinator)) == {with_f}
    services.federation_relationships_share_set(membership=membership, user=cast.provider_p, shares=True)
    membership.refresh_from_db()
    assert (membership.shares_relationships_changed_by, membership.shares_relationships) == (cast.provider_p, True)
    assert set(relationships_visible_to(coordinator)) == {with_f, with_p}
    assert sides_acting_for(coordinator, with_p) == []  # read only: no side to write for
    services.federation_relationships_share_set(membership=membership, user=cast.provider_p, shares=False)
    assert set(relationships_visible_to(coordinator)) == {with_f}


def test_only_the_members_administrator_consents(world, cast: Cast):
    coordinator, membership, with_p, _ = world
    with pytest.raises(ValidationError, match="Only an administrator"):
        services.federation_relationships_share_set(membership=membership, user=coordinator, shares=True)
    membership.refresh_from_db()
    assert membership.shares_relationships is False
    assert with_p not in relationships_visible_to(coordinator)


def test_another_federations_coordinator_never_reads_it(world, cast: Cast):
    _, membership, with_p, with_f = world
    services.federation_relationships_share_set(membership=membership, user=cast.provider_p, shares=True)
    organisation_s, other_coordinator = provider_with_administrator("Provider S")
    federation_formed(organisation=organisation_s, administrator=other_coordinator, name="Federation G")
    assert not relationships_visible_to(other_coordinator).filter(pk__in=[with_p.pk, with_f.pk]).exists()


def test_consent_is_given_on_the_members_page_and_the_coordinator_reads_the_log(world, cast: Cast, client: Client):
    coordinator, membership, with_p, _ = world
    client.force_login(coordinator)
    relationship_page = reverse("trust:relationship", args=[with_p.pk])
    assert client.get(relationship_page).status_code == 404
    client.force_login(cast.provider_p)
    url = reverse("federations:inbox_share", args=[membership.federation.organisation.slug, membership.pk])
    refused = client.post(url, keyed({"shares_inbox": "yes"}))
    assert "Answer both questions." in refused.content.decode()
    assert FederationMembership.objects.get(pk=membership.pk).shares_relationships is False
    client.post(url, keyed({"shares_inbox": "yes", "shares_relationships": "yes"}))
    assert FederationMembership.objects.get(pk=membership.pk).shares_relationships is True
    client.force_login(coordinator)
    assert client.get(relationship_page).status_code == 200
