"""Every write to the ownership graph."""

from __future__ import annotations

import csv
import datetime
import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from config.tasks import schedule_task
from ownership import bods, companies_house, curated
from ownership.models import (
    Entity,
    EntityKind,
    HomeOwnershipCorrection,
    Interest,
    OwnerCategory,
    OwnerType,
    OwnerTypeOverride,
    UnspecifiedReason,
)
from providers.models import HomeObservation, ImportRun, ProviderOrganisation, Sector

# The owner category implied by the sector Ofsted gives a provider, until curated data
# (Companies House, charity register, curation) says more.
_CATEGORY_OF_SECTOR = {
    Sector.LOCAL_AUTHORITY: OwnerCategory.LOCAL_AUTHORITY,
    Sector.VOLUNTARY: OwnerCategory.CHARITY,
    Sector.HEALTH_AUTHORITY: OwnerCategory.HEALTH_BODY,
    Sector.PRIVATE: OwnerCategory.COMPANY,
    Sector.ACADEMY: OwnerCategory.CHARITY,  # academy trusts are charitable companies
}


# The market app sits above ownership and the registry (its analytics read both), so their
# imports ask for its recompute by the task's name, never by importing it (ADR 21).
MARKET_RECOMPUTE_TASK = "market.recompute_market_task"
AFTER_IMPORT = "import"  # market.models.RecomputeRun.Trigger.IMPORT; tests/market check they agree


def market_recompute_after_import() -> None:
    """An import changed the registry or the graph: recompute the snapshots tonight's way,
    now (unless MARKET_RECOMPUTE_AFTER_IMPORT is off), once the current transaction commits."""
    if settings.MARKET_RECOMPUTE_AFTER_IMPORT:
        with transaction.atomic():
            schedule_task(MARKET_RECOMPUTE_TASK, trigger=AFTER_IMPORT)


@transaction.atomic
def provider_entity_ensure(*, provider_organisation: ProviderOrganisation, sector: str) -> Entity:
    """The ownership-graph entity of a registered provider, created on first sight.

    Idempotent: an existing entity is returned unchanged except that a company number
    learnt since is recorded. When the graph already knows the company (from BODS or the
    curated edges, loaded before the register), that entity becomes the provider's.
    """
    entity = Entity.objects.filter(provider_organisation=provider_organisation).first()
    number = provider_organisation.companies_house_number
    known = Entity.objects.filter(company_number=number).first() if number else None
    if entity is None and known is not None and known.provider_organisation_id is None:
        known.provider_organisation = provider_organisation
        known.save(update_fields=["provider_organisation"])
        return known
    if known is not None:
        # The number already belongs to another provider's entity: leave this one without it
        # rather than break the one-entity-per-company rule; a curator can merge the two.
        number = ""
    if entity is None:
        entity = Entity.objects.create(
            name=provider_organisation.name,
            kind=EntityKind.REGISTERED_ENTITY,
            category=_CATEGORY_OF_SECTOR.get(Sector(sector), OwnerCategory.UNKNOWN)
            if sector in Sector.values
            else OwnerCategory.UNKNOWN,
            jurisdiction="GB",
            company_number=number,
            provider_organisation=provider_organisation,
            record_id=f"provider-organisation-{provider_organisation.pk}",
            source="Ofsted provider-level register",
        )
    elif number and not entity.company_number:
        entity.company_number = number
        entity.save(update_fields=["company_number"])
    return entity


# ---------------------------------------------------------------- graph writes shared by importers


def _changed(instance: models.Model, values: dict[str, Any]) -> list[str]:
    """Set the values that differ on `instance`; the names of the fields changed."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    return changed


def entity_upsert(*, record_id: str, values: dict[str, Any]) -> tuple[Entity, str]:
    """Create the entity with this record id, or bring it up to date: ("new"|"changed"|"unchanged")."""
    entity = Entity.objects.filter(record_id=record_id).first()
    if entity is None:
        return Entity.objects.create(record_id=record_id, **values), "new"
    changed = _changed(entity, values)
    if changed:
        entity.save(update_fields=changed)
    return entity, "changed" if changed else "unchanged"


def entity_merge(*, entity: Entity, values: dict[str, Any]) -> str:
    """Fill an existing entity's blanks (identifiers, jurisdiction, a vaguer category) from
    another source, without renaming it: ("changed"|"unchanged")."""
    updates = {name: value for name, value in values.items() if value and not getattr(entity, name)}
    if values.get("identifiers"):
        known = entity.identifiers or []
        updates["identifiers"] = known + [identifier for identifier in values["identifiers"] if identifier not in known]
    category = values.get("category")
    if category and category_is_more_specific(category, entity.category):
        updates["category"] = category
    changed = _changed(entity, updates)
    if changed:
        entity.save(update_fields=changed)
    return "changed" if changed else "unchanged"


def category_is_more_specific(new: str, old: str) -> bool:
    """Whether `new` says more than `old`: an unknown or plain company may turn out to be an
    investment firm, a charity or a public body; a known special category is never demoted."""
    return new != old and old in (OwnerCategory.UNKNOWN, OwnerCategory.COMPANY) and new != OwnerCategory.UNKNOWN


def interest_upsert(*, record_id: str, subject: Entity, interested_party: Entity, values: dict[str, Any]) -> str:
    """Create or update one interest by record id: ("new"|"changed"|"unchanged")."""
    values = {"subject": subject, "interested_party": interested_party, **values}
    interest = Interest.objects.filter(record_id=record_id).first()
    if interest is None:
        Interest.objects.create(record_id=record_id, **values)
        return "new"
    changed = _changed(interest, values)
    if changed:
        interest.save(update_fields=changed)
    return "changed" if changed else "unchanged"


# ---------------------------------------------------------------- import runs


def _run_start(*, kind: str, path: Path) -> ImportRun:
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    return ImportRun.objects.create(kind=kind, source_name=path.name, source_sha256=digest)


def _run_finish(
    run: ImportRun, *, counts: Counter[str], rejected: list[dict[str, Any]], summary: dict[str, Any]
) -> None:
    run.counts = {**dict(sorted(counts.items())), "rejected": len(rejected)}
    run.rejected_rows = rejected
    run.summary = summary
    run.status = ImportRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "rejected_rows", "summary", "status", "finished_at"])


def _run_fail(run: ImportRun, error: str) -> None:
    run.status = ImportRun.Status.FAILED
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])


# ---------------------------------------------------------------- BODS import


@dataclass
class _BodsImport:
    source_name: str
    records: dict[str, Entity] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    unspecified: list[str] = field(default_factory=list)  # relationships to an undisclosed owner, stored
    unspecified_subjects: list[str] = field(default_factory=list)  # relationships with no subject, noted

    def entity_for(self, record_id: str) -> Entity | None:
        if record_id not in self.records:
            found = Entity.objects.filter(record_id=record_id).first()
            if found is None:
                return None
            self.records[record_id] = found
        return self.records[record_id]


def _bods_entity_apply(state: _BodsImport, statement: dict[str, Any]) -> None:
    fields = bods.entity_fields(statement)
    source = str((statement.get("source") or {}).get("description") or state.source_name)[:255]
    values: dict[str, Any] = {
        "name": fields.name,
        "kind": fields.kind,
        "jurisdiction": fields.jurisdiction,
        "company_number": fields.company_number,
        "charity_number": fields.charity_number,
        "identifiers": fields.identifiers,
        "source": source,
        "category": fields.category,
        "research_owner_type": fields.research_owner_type,
    }
    record_id = statement["recordId"]
    existing = Entity.objects.filter(record_id=record_id).first()
    twin = (
        Entity.objects.filter(company_number=fields.company_number).exclude(record_id=record_id).first()
        if fields.company_number
        else None
    )
    if existing is None and twin is not None:
        # Companies House says it is an entity we already hold (a provider, say): one entity.
        status = entity_merge(entity=twin, values=values)
        state.records[record_id] = twin
        state.counts[f"entities_merged_{status}"] += 1
        return
    if twin is not None:
        raise ValueError(f"company number {fields.company_number} already belongs to {twin.name} ({twin.record_id})")
    if existing is not None and not fields.category_given and existing.category != OwnerCategory.UNKNOWN:
        values["category"] = existing.category  # a plain BODS record says nothing about our categories
    if existing is not None and not fields.research_owner_type:
        values["research_owner_type"] = existing.research_owner_type
    entity, status = entity_upsert(record_id=record_id, values=values)
    state.records[record_id] = entity
    state.counts[f"entities_{status}"] += 1


def _bods_party(state: _BodsImport, reference: Any, role: str) -> Entity:
    if not isinstance(reference, str):
        raise _Unspecified(str(reference.get("reason", "unknown")))
    entity = state.entity_for(reference)
    if entity is None:
        raise ValueError(f"{role} {reference!r} is not an entity or person in this file or the register")
    return entity


class _Unspecified(Exception):  # noqa: N818 - a control-flow signal, not an error
    """A relationship whose subject is declared unknown (BODS UnspecifiedRecord): nothing to
    attach an interest to, so it is noted, not stored."""


def unspecified_party_ensure(*, subject: Entity, reason: str, description: str, source: str) -> tuple[Entity, str]:
    """The entity standing for the undisclosed owner of `subject` for `reason` (a BODS
    unspecifiedReason code): one per (subject, reason), with a stable record id; the latest
    description given is kept. ("new"|"changed"|"unchanged")."""
    if reason not in UnspecifiedReason.values:
        raise ValueError(f"unspecified reason {reason!r} is not in the BODS codelist")
    return entity_upsert(
        record_id=bods.unspecified_record_id(subject.record_id, reason),
        values={
            "name": bods.unspecified_party_name(reason),
            "kind": EntityKind.UNKNOWN_ENTITY,
            "category": OwnerCategory.UNKNOWN,
            "unspecified_reason": reason,
            "unspecified_description": description,
            "source": source[:255],
        },
    )


def _bods_interested_party(state: _BodsImport, subject: Entity, reference: Any, source: str) -> Entity:
    if isinstance(reference, str):
        return _bods_party(state, reference, "interestedParty")
    # Opacity is itself a finding: an undisclosed owner is kept as an entity of its own.
    party, status = unspecified_party_ensure(
        subject=subject,
        reason=str(reference.get("reason", UnspecifiedReason.UNKNOWN)),
        description=str(reference.get("description") or ""),
        source=source,
    )
    state.counts[f"unspecified_parties_{status}"] += 1
    return party


def _bods_unspecified_note(state: _BodsImport, statement: dict[str, Any], party: Entity) -> None:
    if party.unspecified_reason:
        state.unspecified.append(f"{statement['recordId']}: interested party unspecified ({party.unspecified_reason})")


def _bods_relationship_apply(state: _BodsImport, statement: dict[str, Any]) -> None:
    details = statement["recordDetails"]
    record_id = statement["recordId"]
    source = str((statement.get("source") or {}).get("description") or state.source_name)[:255]
    subject = _bods_party(state, details["subject"], "subject")
    party = _bods_interested_party(state, subject, details["interestedParty"], source)
    if subject.pk == party.pk:
        raise ValueError(f"{subject.name} cannot hold an interest in itself")
    _bods_unspecified_note(state, statement, party)
    # A relationship stated without interests is kept as one interest of unknown kind.
    interests = [
        bods.interest_fields(interest) for interest in details.get("interests") or [{"type": "unknownInterest"}]
    ]
    observed_on = bods.statement_observed_on(statement)
    kept = []
    for index, fields in enumerate(interests):
        interest_id = bods.interest_record_id(record_id, index)
        kept.append(interest_id)
        status = interest_upsert(
            record_id=interest_id,
            subject=subject,
            interested_party=party,
            values={**fields.as_dict(), "source": source, "observed_on": observed_on},
        )
        state.counts[f"interests_{status}"] += 1
    # A later statement of the same relationship with fewer interests replaces the earlier one.
    stale = Interest.objects.filter(record_id__startswith=bods.interest_record_id(record_id, 0)[:-1]).exclude(
        record_id__in=kept
    )
    state.counts["interests_removed"] += stale.delete()[0]


def _bods_statement_apply(state: _BodsImport, position: bods.Position, statement: Any) -> None:
    problem = statement.reason if isinstance(statement, bods.Unreadable) else bods.statement_problem(statement)
    if problem is None:
        try:
            with transaction.atomic():
                if statement["recordType"] == "relationship":
                    _bods_relationship_apply(state, statement)
                else:
                    _bods_entity_apply(state, statement)
                return
        except _Unspecified as reason:
            state.unspecified_subjects.append(f"{statement['recordId']}: subject unspecified ({reason})")
            state.counts["relationships_subject_unspecified"] += 1
            return
        except (ValueError, IntegrityError) as error:
            problem = str(error).strip()
    statement_id = statement.get("statementId") if isinstance(statement, dict) else None
    state.rejected.append({**position, "statement_id": statement_id, "reason": problem})


def bods_file_import(*, path: Path) -> ImportRun:
    """Read a BODS 0.4 file (JSON array or JSON Lines) into the graph, in one transaction.

    Entities and persons are keyed by recordId (merged into an existing entity with the same
    Companies House number); each interest of a relationship becomes one Interest. Statements
    that break the schema or point at unknown records are rejected with their position and
    reason; the rest are imported. Importing the same file again changes nothing.
    """
    run = _run_start(kind=ImportRun.Kind.BODS, path=path)
    try:
        statements = bods.statements_read(path)
    except bods.BodsFileError as error:
        _run_fail(run, str(error))
        return run
    state = _BodsImport(source_name=path.name)
    with transaction.atomic():
        for position, statement in statements:
            _bods_statement_apply(state, position, statement)
        summary = {
            "statements": len(statements),
            "unspecified_parties": state.unspecified,
            "unspecified_subjects": state.unspecified_subjects,
        }
        _run_finish(run, counts=state.counts, rejected=state.rejected, summary=summary)
        market_recompute_after_import()
    return run


# ---------------------------------------------------------------- Companies House PSC snapshot

# Control chains are followed up through corporate PSCs that the graph did not know before: a
# company found as a PSC is read on the next pass over the file. Chains deeper than this are
# left to a later import (each import reads as far again).
PSC_MAX_PASSES = 6


@dataclass
class _PscImport:
    snapshot_date: datetime.date
    entities: dict[str, Entity]  # company number -> entity, for every company read or found
    counts: Counter[str] = field(default_factory=Counter)
    rejected: dict[int, str] = field(default_factory=dict)  # line -> reason (once, whatever the pass)
    seen: set[str] = field(default_factory=set)  # interest record ids this snapshot states
    read: set[str] = field(default_factory=set)  # company numbers whose lines were read
    found: set[str] = field(default_factory=set)  # UK corporate PSCs' numbers, to read next


def _psc_party_entity(state: _PscImport, subject: Entity, party: companies_house.Party) -> Entity:
    if party.unspecified_reason:
        entity, status = unspecified_party_ensure(
            subject=subject,
            reason=party.unspecified_reason,
            description=party.unspecified_description,
            source=companies_house.SOURCE,
        )
        state.counts[f"unspecified_parties_{status}"] += 1
        return entity
    values: dict[str, Any] = {
        "name": party.name,
        "kind": party.kind,
        "category": party.category,
        "jurisdiction": party.jurisdiction,
        "company_number": party.company_number,
        "source": companies_house.SOURCE,
    }
    known = state.entities.get(party.company_number) if party.company_number else None
    known = known or Entity.objects.filter(record_id=party.record_id).first()
    if known is None:
        known, status = Entity.objects.create(record_id=party.record_id, **values), "new"
    else:
        # Another source may know more (a private-equity firm, a curator's name): fill blanks only.
        status = entity_merge(entity=known, values=values)
    state.counts[f"entities_{status}"] += 1
    if party.company_number:
        state.entities[party.company_number] = known
        state.found.add(party.company_number)
    return known


def _psc_control_apply(state: _PscImport, control: companies_house.Control) -> None:
    subject = state.entities[control.company_number]
    party = _psc_party_entity(state, subject, control.party)
    if party.pk == subject.pk:
        raise ValueError(f"{subject.name} cannot be its own person with significant control")
    for index, fields in enumerate(control.interests):
        values = {**fields.as_dict(), "source": companies_house.SOURCE, "observed_on": state.snapshot_date}
        if control.ceased and values["end_date"] is None:
            values["end_date"] = max(state.snapshot_date, values["start_date"] or state.snapshot_date)
        record_id = f"{control.record_id}#{index}"
        status = interest_upsert(record_id=record_id, subject=subject, interested_party=party, values=values)
        state.seen.add(record_id)
        state.counts[f"interests_{status}"] += 1


def _psc_pass(
    state: _PscImport, path: Path, wanted: set[str], progress: Callable[[int], None] | None
) -> companies_house.Reading:
    reading = companies_house.Reading()
    for line, item in companies_house.snapshot_read(path, wanted, reading, progress):
        try:
            if isinstance(item, companies_house.Rejected):
                raise ValueError(item.reason)
            with transaction.atomic():
                _psc_control_apply(state, item)
        except (ValueError, IntegrityError) as error:
            state.rejected.setdefault(line, str(error).strip())
    state.read |= wanted
    return reading


def _psc_links_end(state: _PscImport) -> None:
    """Links an earlier snapshot stated and this one does not: they ended by this snapshot's
    date (kept, not deleted, so a past date still resolves as it was)."""
    vanished = (
        Interest.objects.filter(
            source=companies_house.SOURCE, end_date__isnull=True, observed_on__lt=state.snapshot_date
        )
        .filter(models.Q(start_date__isnull=True) | models.Q(start_date__lte=state.snapshot_date))
        .exclude(record_id__in=state.seen)
    )
    state.counts["interests_ended"] = vanished.update(end_date=state.snapshot_date)


def _psc_snapshot_read(state: _PscImport, path: Path, progress: Callable[[int], None] | None) -> dict[str, Any]:
    wanted = set(state.entities)
    readings: list[companies_house.Reading] = []
    while wanted and len(readings) < PSC_MAX_PASSES:
        readings.append(_psc_pass(state, path, wanted, progress))
        wanted = state.found - state.read
    if not readings:
        return {"snapshot_date": state.snapshot_date.isoformat(), "lines": 0, "companies_read": 0, "passes": 0}
    first = readings[0]
    if first.recognised == 0:
        raise companies_house.PscFileError(f"{path.name} holds no line of a Companies House PSC snapshot")
    return {
        "snapshot_date": state.snapshot_date.isoformat(),
        "lines": first.lines,
        "companies_read": len(state.read),
        # Lines the first pass skipped and no later pass (for a company found controlling) read.
        "lines_skipped_unknown_companies": first.skipped - sum(later.wanted for later in readings[1:]),
        "passes": len(readings),
        "exemptions": sum(reading.exemptions for reading in readings),
    }


def _psc_snapshot_date(path: Path, given: datetime.date | None) -> datetime.date:
    date = given or companies_house.snapshot_date_of(path)
    if date is None:
        raise companies_house.PscFileError(
            f"{path.name}: no snapshot date in the file's name or its totals line; give --snapshot-date"
        )
    newer = Interest.objects.filter(source=companies_house.SOURCE, observed_on__gt=date).order_by("-observed_on")
    if (latest := newer.values_list("observed_on", flat=True).first()) is not None:
        raise companies_house.PscFileError(
            f"a newer PSC snapshot ({latest.isoformat()}) is already imported; this one ({date.isoformat()}) "
            f"would turn current links back"
        )
    return date


def psc_snapshot_import(
    *, path: Path, snapshot_date: datetime.date | None = None, progress: Callable[[int], None] | None = None
) -> ImportRun:
    """Refresh the graph from Companies House's PSC bulk snapshot (JSON lines), in one transaction.

    Only companies the graph knows (entities with a company number: providers, their groups),
    and the UK companies found controlling them, are read; every other line is skipped
    unparsed. Each link keeps its source and the snapshot's date; a link an earlier snapshot
    stated and this one does not is ended on this snapshot's date. Bad lines are rejected with
    their number and reason; a file that is no PSC snapshot changes nothing. Importing the
    same snapshot again changes nothing.
    """
    run = ImportRun.objects.create(
        kind=ImportRun.Kind.PSC, source_name=path.name[:255], source_sha256=_sha256_streamed(path)
    )
    try:
        companies_house.snapshot_check(path)
        date = _psc_snapshot_date(path, snapshot_date)
        known = Entity.objects.exclude(company_number="").exclude(unspecified_reason__gt="")
        state = _PscImport(snapshot_date=date, entities={entity.company_number: entity for entity in known})
        with transaction.atomic():
            summary = _psc_snapshot_read(state, path, progress)
            _psc_links_end(state)
            rejected = [{"line": line, "reason": reason} for line, reason in sorted(state.rejected.items())]
            run.as_of = date
            run.save(update_fields=["as_of"])
            _run_finish(run, counts=state.counts, rejected=rejected, summary=summary)
            market_recompute_after_import()
    except companies_house.PscFileError as error:
        _run_fail(run, str(error))
    return run


def _sha256_streamed(path: Path) -> str:
    """The file's sha256 without reading it whole (snapshots are gigabytes)."""
    if not path.is_file():
        return ""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


# ---------------------------------------------------------------- curated CSV edges


@dataclass
class _NameIndex:
    """Entities by normalised name and company number, with the Ofsted-name lookup."""

    by_name: dict[str, Entity]
    by_number: dict[str, Entity]
    lookup: dict[str, curated.CompanyLink]

    @classmethod
    def build(cls, lookup: dict[str, curated.CompanyLink]) -> _NameIndex:
        by_name: dict[str, Entity] = {}
        # Providers' own entities first, so a name shared with a curated entity finds the provider.
        for entity in Entity.objects.order_by(F("provider_organisation").asc(nulls_last=True), "pk"):
            by_name.setdefault(curated.name_normalise(entity.name), entity)
        by_number = {entity.company_number: entity for entity in Entity.objects.exclude(company_number="")}
        return cls(by_name=by_name, by_number=by_number, lookup=lookup)

    def find(self, name: str) -> Entity | None:
        key = curated.name_normalise(name)
        if key in self.by_name:
            return self.by_name[key]
        link = self.lookup.get(key)
        if link is None:
            return None
        return self.by_number.get(link.company_number) or self.by_name.get(curated.name_normalise(link.ofsted_name))

    def add(self, entity: Entity) -> None:
        self.by_name.setdefault(curated.name_normalise(entity.name), entity)
        if entity.company_number:
            self.by_number.setdefault(entity.company_number, entity)


def _curated_entity(index: _NameIndex, party: curated.Party, source: str, counts: Counter[str]) -> Entity:
    entity = index.find(party.name)
    if entity is not None:
        status = entity_merge(entity=entity, values={"category": party.category, "jurisdiction": party.jurisdiction})
        counts[f"entities_{status}"] += 1
        return entity
    link = index.lookup.get(curated.name_normalise(party.name))
    number = link.company_number if link and link.company_number not in index.by_number else ""
    entity, status = entity_upsert(
        record_id=curated.entity_record_id(party.name),
        values={
            "name": party.name,
            "kind": party.kind,
            "category": party.category,
            "jurisdiction": party.jurisdiction,
            "company_number": number,
            "source": source,
        },
    )
    index.add(entity)
    counts[f"entities_{status}"] += 1
    return entity


def _curated_edge_apply(index: _NameIndex, edge: curated.Edge, source: str, counts: Counter[str]) -> None:
    subject = _curated_entity(index, edge.subject, source, counts)
    party = _curated_entity(index, edge.interested_party, source, counts)
    if subject.pk == party.pk:
        raise ValueError(f"{edge.subject.name} and {edge.interested_party.name} are the same entity")
    status = interest_upsert(
        record_id=edge.record_id,
        subject=subject,
        interested_party=party,
        values={**edge.fields.as_dict(), "source": source, "observed_on": curated.CURATED_VINTAGE},
    )
    counts[f"interests_{status}"] += 1


@dataclass
class _Classifying:
    """What one classification file has decided so far, to refuse a row that contradicts an earlier one."""

    decided: dict[int, tuple[int, str]] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)


def _curated_classification_apply(
    index: _NameIndex, line: int, classification: curated.Classification, counts: Counter[str], state: _Classifying
) -> None:
    entity = index.find(classification.company_name)
    if entity is None:
        state.unmatched.append(classification.company_name)
        counts["classifications_unmatched"] += 1
        return
    earlier_line, earlier = state.decided.setdefault(entity.pk, (line, classification.owner_type))
    if earlier != classification.owner_type:
        raise ValueError(f"{entity.name} is classified as {OwnerType(earlier).label} on line {earlier_line}")
    changed = _changed(entity, {"research_owner_type": classification.owner_type})
    if changed:
        entity.save(update_fields=changed)
    counts["classifications_changed" if changed else "classifications_unchanged"] += 1


def curated_file_load(*, path: Path, lookup: dict[str, curated.CompanyLink] | None = None) -> ImportRun:
    """Load one curated CSV of ownership edges (or classifications) into the graph, in one
    transaction; rows that cannot be read are rejected with their line and reason."""
    run = _run_start(kind=ImportRun.Kind.CURATED, path=path)
    try:
        rows = curated.rows_read(path)
    except curated.CuratedFileError as error:
        _run_fail(run, str(error))
        return run
    counts: Counter[str] = Counter()
    rejected: list[dict[str, Any]] = []
    classifying = _Classifying()
    with transaction.atomic():
        index = _NameIndex.build(lookup or {})
        for line, row in rows:
            try:
                with transaction.atomic():
                    if isinstance(row, curated.Rejection):
                        raise ValueError(row.reason)
                    if isinstance(row, curated.Classification):
                        _curated_classification_apply(index, line, row, counts, classifying)
                    else:
                        _curated_edge_apply(index, row, path.name, counts)
            except (ValueError, IntegrityError) as error:
                rejected.append({"line": line, "reason": str(error).strip()})
        summary = {"rows": len(rows), "unmatched": classifying.unmatched}
        _run_finish(run, counts=counts, rejected=rejected, summary=summary)
    return run


def ownership_edges_load(*, directory: Path) -> list[ImportRun]:
    """Load every curated file present in `directory`, in dependency order (edges, then the
    classifications that need their entities); one ImportRun per file."""
    lookup = curated.company_links_read(directory / curated.LOOKUP_FILE)
    runs = [
        curated_file_load(path=directory / name, lookup=lookup)
        for name in curated.FILES_IN_ORDER
        if (directory / name).is_file()
    ]
    overrides = directory / OVERRIDES_FILE
    if overrides.is_file():
        runs.append(owner_type_overrides_load(path=overrides))
    corrections = directory / curated.CORRECTIONS
    if corrections.is_file():
        runs.append(home_ownership_corrections_load(path=corrections))
    market_recompute_after_import()
    return runs


def home_ownership_corrections_load(*, path: Path) -> ImportRun:
    """Load the researcher's corrections home by home (all_missing_info.csv) into
    HomeOwnershipCorrection, in one transaction, keyed by URN. Rows that cannot be read are
    rejected with their line and reason; loading the same file again changes nothing."""
    run = _run_start(kind=ImportRun.Kind.CURATED, path=path)
    try:
        rows = curated.corrections_read(path)
    except curated.CuratedFileError as error:
        _run_fail(run, str(error))
        return run
    counts: Counter[str] = Counter()
    rejected: list[dict[str, Any]] = []
    with transaction.atomic():
        for line, row in rows:
            if isinstance(row, curated.Rejection):
                rejected.append({"line": line, "reason": row.reason})
                continue
            counts[_correction_apply(row, source=path.name)] += 1
        _run_finish(run, counts=counts, rejected=rejected, summary={"rows": len(rows)})
    return run


def _correction_apply(row: curated.Correction, *, source: str) -> str:
    values = {
        "owner_type": row.owner_type,
        "company_name": row.company_name,
        "reason": row.reason,
        "comment": row.comment,
        "wrong_company_match": row.wrong_company_match,
        "source": source,
        "observed_on": curated.CURATED_VINTAGE,
    }
    correction = HomeOwnershipCorrection.objects.filter(urn=row.urn).first()
    if correction is None:
        HomeOwnershipCorrection.objects.create(urn=row.urn, **values)
        return "corrections_new"
    changed = _changed(correction, values)
    if changed:
        correction.save(update_fields=changed)
    return "corrections_changed" if changed else "corrections_unchanged"


OVERRIDES_FILE = "owner_type_overrides.csv"


def owner_type_overrides_load(*, path: Path) -> ImportRun:
    """Apply a curator's file of owner types with reasons (name, company_number, owner_type,
    reason). Idempotent: an override equal to the entity's latest one is not repeated."""
    run = _run_start(kind=ImportRun.Kind.CURATED, path=path)
    counts: Counter[str] = Counter()
    rejected: list[dict[str, Any]] = []
    with transaction.atomic():
        for line, row in enumerate(csv.DictReader(path.open(encoding="utf-8")), start=2):
            outcome = _override_row_apply(row)
            if outcome in {"new", "unchanged"}:
                counts[outcome] += 1
            else:
                rejected.append({"line": line, "reason": outcome})
    _run_finish(run, counts=counts, rejected=rejected, summary={})
    return run


def _override_row_apply(row: dict[str, str]) -> str:
    number, name = (row.get("company_number") or "").strip(), (row.get("name") or "").strip()
    entity = Entity.objects.filter(company_number=number).first() if number else None
    entity = entity or Entity.objects.filter(name__iexact=name).order_by("pk").first()
    if entity is None:
        return f"no owner called {name!r} (company number {number or 'not given'}) in the graph"
    latest = entity.owner_type_overrides.order_by("-decided_at").first()
    if latest and (latest.owner_type, latest.reason) == (row["owner_type"], row["reason"].strip()):
        return "unchanged"
    try:
        owner_type_override_set(entity=entity, owner_type=row["owner_type"], reason=row["reason"], decided_by=None)
    except ValidationError as error:
        return "; ".join(error.messages)
    return "new"


# ---------------------------------------------------------------- curation


@transaction.atomic
def owner_type_override_set(
    *, entity: Entity, owner_type: str, reason: str, decided_by: User | None
) -> OwnerTypeOverride:
    """Record a curator's decision on an entity's owner type; earlier decisions stay as history."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the owner type is being set."})
    if owner_type not in OwnerType.values:
        raise ValidationError({"owner_type": f"{owner_type!r} is not an owner type."})
    return OwnerTypeOverride.objects.create(entity=entity, owner_type=owner_type, reason=reason, decided_by=decided_by)


@transaction.atomic
def provider_organisations_merge(
    *, keep: ProviderOrganisation, others: list[ProviderOrganisation], merged_by: Any = None
) -> ProviderOrganisation:
    """Merge spellings that are one provider: homes, observations, names, the ownership entity
    and its interests move to `keep`; the others are deleted. Every spelling stays findable."""
    others = [other for other in others if other.pk != keep.pk]
    ids = sorted([keep.pk, *(other.pk for other in others)])
    list(ProviderOrganisation.objects.select_for_update().filter(pk__in=ids).order_by("pk"))  # lock in pk order
    for other in others:
        _provider_organisation_absorb(keep, other)
    return keep


def _provider_organisation_absorb(keep: ProviderOrganisation, other: ProviderOrganisation) -> None:
    other.names.update(provider_organisation=keep)
    keep.names.get_or_create(name=other.name)
    other.homes.update(provider_organisation=keep)
    HomeObservation.objects.filter(provider_organisation=other).update(provider_organisation=keep)
    for federation in other.federations.all():
        federation.members.add(keep)
    _provider_entity_absorb(keep, other)
    fill = {
        field: getattr(other, field)
        for field in ("companies_house_number", "charity_number", "organisation")
        if not getattr(keep, field) and getattr(other, field)
    }
    other.delete()  # first, so the company number and organisation link are free to move
    if fill:
        for field, value in fill.items():
            setattr(keep, field, value)
        keep.save(update_fields=list(fill))


def _provider_entity_absorb(keep: ProviderOrganisation, other: ProviderOrganisation) -> None:
    absorbed = Entity.objects.filter(provider_organisation=other).first()
    if absorbed is None:
        return
    kept = Entity.objects.filter(provider_organisation=keep).first()
    if kept is None:
        absorbed.provider_organisation = keep
        absorbed.save(update_fields=["provider_organisation"])
        return
    # Interests between the two would become an entity's interest in itself: drop them.
    Interest.objects.filter(subject=absorbed, interested_party=kept).delete()
    Interest.objects.filter(subject=kept, interested_party=absorbed).delete()
    Interest.objects.filter(subject=absorbed).update(subject=kept)
    Interest.objects.filter(interested_party=absorbed).update(interested_party=kept)
    absorbed.owner_type_overrides.update(entity=kept)
    if absorbed.company_number and not kept.company_number:
        number, absorbed.company_number = absorbed.company_number, ""
        absorbed.save(update_fields=["company_number"])
        kept.company_number = number
        kept.save(update_fields=["company_number"])
    absorbed.delete()
