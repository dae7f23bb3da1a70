"""Who sees which relationship and its entries: the two sides, and a federation's members."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Membership
from trust.models import RelationshipOrigin
from trust.selectors import entries_visible_to, relationships_visible_to
from trust.services import relationship_get_or_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def federation_relationship(cast, federation):
    return relationship_get_or_create(
        local_authority_organisation=cast.local_authority_b,
        counterpart=federation.organisation,
        created_via=RelationshipOrigin.COUNTERPART,
    )


@pytest.mark.parametrize(
    ("principal", "sees_direct", "sees_federation"),
    [
        ("commissioner_a", True, False),
        ("provider_p", True, False),
        ("commissioner_b", False, True),
        ("provider_q", False, True),  # through the federation Provider Q belongs to
        ("organiser", False, False),
        ("admin", False, False),  # staff: audited access only, not through these selectors
        ("anonymous", False, False),
    ],
)
def test_relationships_and_entries_are_seen_by_their_sides_only(
    cast, relationship, five_entries, federation_relationship, principal, sees_direct, sees_federation
):
    user = cast.user(principal) or AnonymousUser()
    expected = [r for r, seen in ((relationship, sees_direct), (federation_relationship, sees_federation)) if seen]
    assert list(relationships_visible_to(user).order_by("pk")) == expected
    expected_entries = five_entries if sees_direct else []
    assert list(entries_visible_to(user).order_by("pk")) == expected_entries


def test_a_federation_member_sees_its_relationship(federation, federation_relationship):
    member = Membership.objects.get(organisation=federation.organisation).user
    assert list(relationships_visible_to(member)) == [federation_relationship]


def test_a_staff_member_of_a_side_still_sees_nothing_here(cast, relationship):
    cast.commissioner_a.is_staff = True
    cast.commissioner_a.save(update_fields=["is_staff"])
    assert list(relationships_visible_to(cast.commissioner_a)) == []
