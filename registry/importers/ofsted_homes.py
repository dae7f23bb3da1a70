"""Homes and observations of one register written in bulk, with what changed counted.

Every home and this date's observations are loaded once into dicts; rows are compared in
memory; only new and changed rows are written (bulk_create, and config.bulk.rows_update).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from config.bulk import rows_update
from providers.models import Home, HomeObservation, ImportRun, ProviderOrganisation
from registry.importers.ofsted_rows import RegisterRow

# The fields of Home that a register states (its current state, from the latest register).
HOME_STATE_FIELDS = (
    "name",
    "kind",
    "provision_type",
    "registration_date",
    "registration_status",
    "local_authority_id",
    "sector",
    "places",
    "short_break_only",
    "multi_building",
    "registered_owner_name",
    "provider_organisation_id",
    "overall_judgement",
    "protection_judgement",
    "leadership_judgement",
    "inspection_date",
)
HOME_DATE_FIELDS = ("first_seen_on", "last_seen_on", "closed_on")
OBSERVATION_FIELDS = (
    "provision_type",
    "registration_status",
    "local_authority_id",
    "sector",
    "places",
    "short_break_only",
    "multi_building",
    "registered_owner_name",
    "provider_organisation_id",
    "overall_judgement",
)
BATCH_SIZE = 1000


def _state_of(row: RegisterRow, organisation: ProviderOrganisation | None) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in HOME_STATE_FIELDS if name != "provider_organisation_id"}
    values["provider_organisation_id"] = organisation.pk if organisation else None
    return values


@dataclass
class HomeApplier:
    """Applies one register's rows to the homes and observations already stored."""

    as_of: datetime.date
    import_run: ImportRun
    homes: dict[str, Home]
    observations: dict[int, HomeObservation]
    # The date of the next register after this one, if a later one was imported first.
    next_register_on: datetime.date | None
    counts: Counter[str] = field(default_factory=Counter)
    changed_fields: dict[str, int] = field(default_factory=dict)
    _new_homes: list[Home] = field(default_factory=list)
    _dirty_homes: dict[int, Home] = field(default_factory=dict)

    @classmethod
    def load(cls, *, as_of: datetime.date, import_run: ImportRun) -> HomeApplier:
        later = HomeObservation.objects.filter(as_of__gt=as_of).order_by("as_of").values_list("as_of", flat=True)
        return cls(
            as_of=as_of,
            import_run=import_run,
            homes={home.urn: home for home in Home.objects.all()},
            observations={obs.home_id: obs for obs in HomeObservation.objects.filter(as_of=as_of)},
            next_register_on=later.first(),
        )

    def apply(
        self,
        rows: list[RegisterRow],
        organisation_of_urn: dict[str, ProviderOrganisation | None],
        also_listed: set[str] | None = None,
    ) -> dict[str, int]:
        """Writes homes and observations; returns counts new/changed/closed/unchanged/observations."""
        states = {row.urn: _state_of(row, organisation_of_urn[row.urn]) for row in rows}
        for urn, state in states.items():
            self._apply_one(urn, state)
        self._close_absent(set(states) | (also_listed or set()))
        Home.objects.bulk_create(self._new_homes, batch_size=BATCH_SIZE)
        rows_update(list(self._dirty_homes.values()), [*HOME_STATE_FIELDS, *HOME_DATE_FIELDS, "updated_at"])
        self._write_observations(states)
        return {key: self.counts[key] for key in ("new", "changed", "closed", "unchanged", "observations_added")}

    def _apply_one(self, urn: str, state: dict[str, Any]) -> None:
        home = self.homes.get(urn)
        if home is None:
            home = Home(
                urn=urn, first_seen_on=self.as_of, last_seen_on=self.as_of, closed_on=self.next_register_on, **state
            )
            self.homes[urn] = home
            self._new_homes.append(home)
            self.counts["new"] += 1
            return
        changed = self._update_state(home, state) if self.as_of >= home.last_seen_on else []
        if self.as_of < home.first_seen_on:
            home.first_seen_on = self.as_of
            self._dirty_homes[home.pk] = home
        self.counts["changed" if changed else "unchanged"] += 1
        for name in changed:
            self.changed_fields[name] = self.changed_fields.get(name, 0) + 1

    def _update_state(self, home: Home, state: dict[str, Any]) -> list[str]:
        """This register is the home's latest: its state replaces the home's. Returns what changed."""
        changed = [name.removesuffix("_id") for name, value in state.items() if getattr(home, name) != value]
        if home.closed_on != self.next_register_on:
            changed.append("reopened" if self.next_register_on is None else "closed_on")
        if changed or home.last_seen_on != self.as_of:
            for name, value in state.items():
                setattr(home, name, value)
            home.last_seen_on = self.as_of
            home.closed_on = self.next_register_on
            home.updated_at = timezone.now()
            self._dirty_homes[home.pk] = home
        return changed

    def _close_absent(self, listed: set[str]) -> None:
        """Homes last listed before this register and absent from it closed by its date."""
        for urn, home in self.homes.items():
            if urn in listed or home.pk is None or home.last_seen_on >= self.as_of:
                continue
            if home.closed_on is None or home.closed_on > self.as_of:
                home.closed_on = self.as_of
                home.updated_at = timezone.now()
                self._dirty_homes[home.pk] = home
                self.counts["closed"] += 1

    def _write_observations(self, states: dict[str, dict[str, Any]]) -> None:
        new: list[HomeObservation] = []
        changed: list[HomeObservation] = []
        for urn, state in states.items():
            home = self.homes[urn]
            values = {name: state[name] for name in OBSERVATION_FIELDS}
            observation = self.observations.get(home.pk)
            if observation is None:
                new.append(HomeObservation(home=home, import_run=self.import_run, as_of=self.as_of, **values))
            elif any(getattr(observation, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(observation, name, value)
                changed.append(observation)
        HomeObservation.objects.bulk_create(new, batch_size=BATCH_SIZE)
        rows_update(changed, list(OBSERVATION_FIELDS))
        self.counts["observations_added"] = len(new)
        self.counts["observations_corrected"] = len(changed)
