"""Relationships with pulse check-ins in chosen regions, for the sector barometer's tests."""

from __future__ import annotations

import datetime
import itertools

from accounts.models import Organisation, User
from geography.models import LocalAuthority
from tests.factories import LocalAuthorityOrganisationFactory, ProviderOrganisationFactory, UserFactory
from trust.models import PulseCheckIn, Relationship, RelationshipOrigin

NORTH_EAST, NORTH_WEST, YORKSHIRE, EAST_MIDLANDS = "E12000001", "E12000002", "E12000003", "E12000004"
Q1_2026, Q2_2026, Q3_2026, Q4_2026 = (datetime.date(2026, month, 1) for month in (1, 4, 7, 10))
_counter = itertools.count(1)


def authorities_in(region: str, count: int) -> list[Organisation]:
    """Organisations for authorities of the region that have none yet (the cast has two)."""
    free = LocalAuthority.objects.filter(region__ons_code=region, is_current=True, organisation__isnull=True)
    found = list(free.order_by("ons_code")[:count])
    assert len(found) == count, f"only {len(found)} free authorities in {region}"
    return [LocalAuthorityOrganisationFactory(local_authority=authority) for authority in found]


def relationships_in(region: str, count: int, *, authorities: int = 3) -> list[Relationship]:
    """`count` relationships of the region's authorities (taken in turn), each with a provider
    of its own named so that a test can look for it."""
    local_authorities = authorities_in(region, authorities)
    return [
        Relationship.objects.create(
            local_authority=local_authorities[index % authorities],
            counterpart=ProviderOrganisationFactory(name=f"Barometer Provider {next(_counter)}"),
            created_via=RelationshipOrigin.INVITATION,
        )
        for index in range(count)
    ]


def check_in(
    relationship: Relationship,
    quarter: datetime.date,
    scores: tuple[int, int, int, int],
    *,
    side: str = "local_authority",
    by: User | None = None,
) -> PulseCheckIn:
    organisation = relationship.local_authority if side == "local_authority" else relationship.counterpart
    return PulseCheckIn.objects.create(
        relationship=relationship,
        organisation=organisation,
        quarter_start=quarter,
        commitments_honoured=scores[0],
        heard=scores[1],
        information_timely=scores[2],
        learn_together=scores[3],
        comment="A comment nobody outside the relationship reads.",
        submitted_by=by or UserFactory(),
        # A fixed moment in the quarter, so the page reads the same on any day.
        submitted_at=datetime.datetime.combine(quarter + datetime.timedelta(days=20), datetime.time(9), datetime.UTC),
    )


def all_check_in(relationships: list[Relationship], quarter: datetime.date, scores: tuple[int, int, int, int]) -> None:
    user = UserFactory()
    for relationship in relationships:
        check_in(relationship, quarter, scores, by=user)
