"""Every write to the ownership graph."""

from __future__ import annotations

from django.db import transaction

from ownership.models import Entity, EntityKind, OwnerCategory
from providers.models import ProviderOrganisation, Sector

# The owner category implied by the sector Ofsted gives a provider, until curated data
# (Companies House, charity register, curation) says more.
_CATEGORY_OF_SECTOR = {
    Sector.LOCAL_AUTHORITY: OwnerCategory.LOCAL_AUTHORITY,
    Sector.VOLUNTARY: OwnerCategory.CHARITY,
    Sector.HEALTH_AUTHORITY: OwnerCategory.HEALTH_BODY,
    Sector.PRIVATE: OwnerCategory.COMPANY,
    Sector.ACADEMY: OwnerCategory.CHARITY,  # academy trusts are charitable companies
}


@transaction.atomic
def provider_entity_ensure(*, provider_organisation: ProviderOrganisation, sector: str) -> Entity:
    """The ownership-graph entity of a registered provider, created on first sight.

    Idempotent: an existing entity is returned unchanged except that a company number
    learnt since is recorded.
    """
    entity = Entity.objects.filter(provider_organisation=provider_organisation).first()
    if entity is None:
        entity = Entity.objects.create(
            name=provider_organisation.name,
            kind=EntityKind.REGISTERED_ENTITY,
            category=_CATEGORY_OF_SECTOR.get(Sector(sector), OwnerCategory.UNKNOWN)
            if sector in Sector.values
            else OwnerCategory.UNKNOWN,
            jurisdiction="GB",
            company_number=provider_organisation.companies_house_number,
            provider_organisation=provider_organisation,
            record_id=f"provider-organisation-{provider_organisation.pk}",
            source="Ofsted provider-level register",
        )
    elif provider_organisation.companies_house_number and not entity.company_number:
        entity.company_number = provider_organisation.companies_house_number
        entity.save(update_fields=["company_number"])
    return entity
