"""Registered owners of one register resolved to ProviderOrganisation rows, in bulk.

Every organisation and spelling is loaded once; a spelling seen before keeps its
organisation, a new spelling joins the organisation with the same normalised name or the same
company number (Entity.company_number is unique, so one number is one organisation), and
only then is a new organisation made. Writes happen in `save()` with bulk queries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from config.bulk import rows_update
from ownership.models import Entity
from ownership.owner_names import normalise_owner_name, registered_numbers_for
from ownership.services import provider_entity_ensure
from providers.models import ProviderOrganisation, ProviderOrganisationName, Sector

_NAME_LENGTH = 255


@dataclass
class OwnerBook:
    """The provider organisations and spellings known before this register, and its changes."""

    as_of: datetime.date
    by_spelling: dict[str, ProviderOrganisationName]
    by_key: dict[str, ProviderOrganisation]
    by_company_number: dict[str, ProviderOrganisation]
    new_organisations: list[ProviderOrganisation] = field(default_factory=list)
    changed_organisations: dict[int, ProviderOrganisation] = field(default_factory=dict)
    new_names: list[ProviderOrganisationName] = field(default_factory=list)
    changed_names: dict[int, ProviderOrganisationName] = field(default_factory=dict)
    # Organisation (by identity) -> the sector of the first home seen with it.
    seen: dict[int, tuple[ProviderOrganisation, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, as_of: datetime.date) -> OwnerBook:
        organisations = {organisation.pk: organisation for organisation in ProviderOrganisation.objects.all()}
        names = {}
        for spelling in ProviderOrganisationName.objects.all():
            spelling.provider_organisation = organisations[spelling.provider_organisation_id]
            names[spelling.name] = spelling
        return cls(
            as_of=as_of,
            by_spelling=names,
            by_key={org.normalised_name: org for org in organisations.values() if org.normalised_name},
            by_company_number={
                org.companies_house_number: org for org in organisations.values() if org.companies_house_number
            },
        )

    def resolve(self, spelling: str, sector: str) -> ProviderOrganisation | None:
        """The organisation of an owner name as written; None for a blank name."""
        spelling = spelling.strip()[:_NAME_LENGTH]
        if not spelling:
            return None
        known = self.by_spelling.get(spelling)
        if known is not None:
            self._widen(known)
            organisation = known.provider_organisation
        else:
            organisation = self._organisation_for_new_spelling(spelling, sector)
            name = ProviderOrganisationName(
                provider_organisation=organisation, name=spelling, first_seen_on=self.as_of, last_seen_on=self.as_of
            )
            self.by_spelling[spelling] = name
            self.new_names.append(name)
        self.seen.setdefault(id(organisation), (organisation, sector))
        return organisation

    def _widen(self, name: ProviderOrganisationName) -> None:
        first = min(filter(None, (name.first_seen_on, self.as_of)))
        last = max(filter(None, (name.last_seen_on, self.as_of)))
        if (first, last) != (name.first_seen_on, name.last_seen_on):
            name.first_seen_on, name.last_seen_on = first, last
            if name.pk is not None:
                self.changed_names[name.pk] = name

    def _organisation_for_new_spelling(self, spelling: str, sector: str) -> ProviderOrganisation:
        key = normalise_owner_name(spelling) or spelling.lower()
        numbers = registered_numbers_for(spelling, charity=sector == Sector.VOLUNTARY)
        number = numbers.company_number
        organisation = self.by_key.get(key) or (self.by_company_number.get(number) if number else None)
        if organisation is None:
            organisation = ProviderOrganisation(name=spelling, normalised_name=key[:_NAME_LENGTH])
            self.by_key[key] = organisation
            self.new_organisations.append(organisation)
        if number and not organisation.companies_house_number and number not in self.by_company_number:
            organisation.companies_house_number = number
            self.by_company_number[number] = organisation
            self._mark_changed(organisation)
        if numbers.charity_number and not organisation.charity_number:
            organisation.charity_number = numbers.charity_number
            self._mark_changed(organisation)
        return organisation

    def _mark_changed(self, organisation: ProviderOrganisation) -> None:
        if organisation.pk is not None:
            self.changed_organisations[organisation.pk] = organisation

    def save(self) -> dict[str, int]:
        """Writes the new and changed organisations and spellings; returns their counts."""
        ProviderOrganisation.objects.bulk_create(self.new_organisations, batch_size=1000)
        rows_update(list(self.changed_organisations.values()), ["companies_house_number", "charity_number"])
        ProviderOrganisationName.objects.bulk_create(self.new_names, batch_size=1000)
        rows_update(list(self.changed_names.values()), ["first_seen_on", "last_seen_on"])
        return {
            "provider_organisations_new": len(self.new_organisations),
            "provider_organisation_names_new": len(self.new_names),
        }

    def ensure_entities(self) -> None:
        """An ownership entity for every organisation this register names (DESIGN: one each).

        Organisations whose entity already records all we know are skipped: for them
        provider_entity_ensure would change nothing.
        """
        complete = {
            organisation_id
            for organisation_id, company_number in Entity.objects.filter(
                provider_organisation__isnull=False
            ).values_list("provider_organisation_id", "company_number")
            if company_number
        }
        with_entity = set(
            Entity.objects.filter(provider_organisation__isnull=False).values_list(
                "provider_organisation_id", flat=True
            )
        )
        for organisation, sector in self.seen.values():
            if organisation.pk in complete:
                continue
            if organisation.pk in with_entity and not organisation.companies_house_number:
                continue
            provider_entity_ensure(provider_organisation=organisation, sector=sector)
