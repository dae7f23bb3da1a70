"""A synthetic England-sized market for timing ultimate-owner resolution (`make bench`).

`synthetic_market()` bulk-creates 4,000 open homes of 1,600 providers, and a graph of a few
thousand interests: most providers held 100% by one of 300 holding companies, those held 75%
by one of 60 groups, a third of the groups linked to one of 20 private-equity firms, minority
shareholders everywhere, and a few two-company cycles.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from ownership.models import Entity, EntityKind, Interest, InterestType, OwnerCategory
from providers.models import Home, HomeKind, ProviderOrganisation, Sector

AS_OF = datetime.date(2025, 3, 31)


def _entities(prefix: str, count: int, **fields: object) -> list[Entity]:
    return Entity.objects.bulk_create(
        Entity(name=f"{prefix} {n} Limited", record_id=f"synthetic-{prefix}-{n}", source="synthetic", **fields)
        for n in range(count)
    )


def _interest(subject: Entity, party: Entity, record_id: str, **fields: object) -> Interest:
    return Interest(subject=subject, interested_party=party, record_id=record_id, source="synthetic", **fields)


def synthetic_market(homes: int = 4000, providers: int = 1600) -> int:
    """Create the market; returns the number of interests."""
    organisations = ProviderOrganisation.objects.bulk_create(
        ProviderOrganisation(name=f"Synthetic Provider {n} Limited") for n in range(providers)
    )
    provider_entities = Entity.objects.bulk_create(
        Entity(
            name=organisation.name,
            category=OwnerCategory.COMPANY,
            provider_organisation=organisation,
            record_id=f"provider-organisation-{organisation.pk}",
        )
        for organisation in organisations
    )
    Home.objects.bulk_create(
        Home(
            urn=f"SYN{n:06d}",
            kind=HomeKind.CHILDRENS_HOME,
            provision_type="Children's home",
            sector=Sector.PRIVATE,
            places=4,
            provider_organisation=organisations[n % providers],
            first_seen_on=AS_OF,
            last_seen_on=AS_OF,
        )
        for n in range(homes)
    )
    holdings = _entities("Holding", 300, category=OwnerCategory.COMPANY)
    groups = _entities("Group", 60, category=OwnerCategory.COMPANY)
    funds = _entities("Fund", 20, kind=EntityKind.LEGAL_ENTITY, category=OwnerCategory.PRIVATE_EQUITY_FIRM)
    people = _entities("Person", 1000, kind=EntityKind.PERSON, category=OwnerCategory.INDIVIDUAL)
    interests = [
        _interest(entity, holdings[n % 300], f"syn-p-{n}#0", share_exact=Decimal(100))
        for n, entity in enumerate(provider_entities)
        if n % 4
    ]
    interests += [
        _interest(holding, groups[n % 60], f"syn-h-{n}#0", share_exact=Decimal(75))
        for n, holding in enumerate(holdings)
    ]
    interests += [
        _interest(
            group,
            funds[n % 20],
            f"syn-g-{n}#0",
            interest_type=InterestType.OTHER_INFLUENCE_OR_CONTROL,
            direct=False,
            beneficial_ownership_or_control=True,
        )
        for n, group in enumerate(groups)
        if n % 3 == 0
    ]
    interests += [
        _interest(entity, people[n % 1000], f"syn-m-{n}#0", share_exact=Decimal(25))
        for n, entity in enumerate(provider_entities + holdings)
    ]
    for n in range(1, 10, 2):  # five two-group cycles
        interests.append(_interest(groups[n + 1], groups[n], f"syn-c-{n}#0", share_exact=Decimal(60)))
        interests.append(_interest(groups[n], groups[n + 1], f"syn-c-{n}#1", share_exact=Decimal(60)))
    return len(Interest.objects.bulk_create(interests))
