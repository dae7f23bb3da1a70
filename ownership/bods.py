"""BODS 0.4: reading statements into graph fields, and writing the graph as statements.

No database writes here (those are ownership.services); this module validates against the
vendored official schema (ownership/bods_schema/) and translates between BODS records and the
fields of Entity and Interest.

Statement ids are the sha256 (64 hex characters) of the record id, type, status and details,
so an unchanged record keeps its statement id from one export to the next, and a changed one
gets a new id, as BODS asks.
"""

from __future__ import annotations

import csv
import datetime
import functools
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from config.json_limits import JsonTooDeepError, json_loads_limited
from ownership.models import (
    Entity,
    EntityKind,
    Interest,
    InterestType,
    OwnerCategory,
    OwnerType,
    UnspecifiedReason,
)

SCHEMA_DIRECTORY = Path(__file__).resolve().parent / "bods_schema"
SCHEMA_FILES = (
    "statement.json",
    "components.json",
    "entity-record.json",
    "person-record.json",
    "relationship-record.json",
)
BODS_VERSION = "0.4"
PUBLISHER_NAME = "Relational Commissioning"
COMPANIES_HOUSE = "GB-COH"
CHARITY_COMMISSION = "GB-CHC"
_SHARE_PLACES = Decimal("0.0001")
_COUNTRY_NAMES = {"GB": "United Kingdom", "IE": "Ireland", "JE": "Jersey", "GG": "Guernsey", "US": "United States"}
_CATEGORY_NOTE = re.compile(r"Owner category: [^()]*\(([a-z_]+)\)")
_RESEARCH_NOTE = re.compile(r"Research classification: [^()]*\(([a-z_]+)\)")

Position = dict[str, int]


class BodsExportInvalid(Exception):  # noqa: N818 - reads as the condition it reports
    """The statements built from the graph break the BODS 0.4 schema (a bug: nothing is written)."""


class BodsFileError(Exception):
    """The file as a whole cannot be read as BODS statements."""


@dataclass(frozen=True)
class Unreadable:
    """A line of a JSON Lines file that is not JSON."""

    reason: str


@functools.cache
def _registry() -> Registry[Any]:
    resources = []
    for name in SCHEMA_FILES:
        contents = json.loads((SCHEMA_DIRECTORY / name).read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@functools.cache
def _validator(reference: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": reference}, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def statement_problem(statement: Any) -> str | None:
    """The first way a single statement breaks the BODS 0.4 schema, or None when it is valid."""
    errors = sorted(_validator("urn:statement#/$defs/Statement").iter_errors(statement), key=lambda e: list(e.path))
    if not errors:
        return None
    error = errors[0]
    where = "/".join(str(part) for part in error.absolute_path) or "statement"
    return f"{where}: {error.message}"


def statements_problems(statements: list[dict[str, Any]]) -> list[str]:
    """Every way a list of statements breaks the BODS 0.4 schema (empty when valid)."""
    return [
        f"{'/'.join(str(part) for part in error.absolute_path)}: {error.message}"
        for error in _validator("urn:statement").iter_errors(statements)
    ]


def statements_read(path: Path) -> list[tuple[Position, Any]]:
    """Statements of a JSON array or JSON Lines file, each with its position in the file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise BodsFileError(f"cannot read {path.name}: {error}") from error
    if text.lstrip().startswith("["):
        try:
            statements = json_loads_limited(text)
        except JsonTooDeepError as error:
            raise BodsFileError(f"{path.name} is refused: {error}") from error
        except json.JSONDecodeError as error:
            raise BodsFileError(f"{path.name} is not valid JSON: {error}") from error
        return [({"statement": index}, statement) for index, statement in enumerate(statements, start=1)]
    read: list[tuple[Position, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            read.append(({"line": number}, json_loads_limited(line)))
        except JsonTooDeepError as error:  # the whole file is refused, as a hostile one
            raise BodsFileError(f"{path.name} is refused: line {number}: {error}") from error
        except json.JSONDecodeError as error:
            read.append(({"line": number}, Unreadable(f"not JSON: {error.msg}")))
    return read


# ---------------------------------------------------------------- unspecified parties


@functools.cache
def unspecified_reason_titles() -> dict[str, str]:
    """The titles of the BODS codelist unspecifiedReason, as the vendored codelist gives them."""
    with (SCHEMA_DIRECTORY / "codelists" / "unspecifiedReason.csv").open(encoding="utf-8", newline="") as codelist:
        return {row["code"]: row["title"] for row in csv.DictReader(codelist)}


def unspecified_reason_title(reason: str) -> str:
    return unspecified_reason_titles().get(reason) or UnspecifiedReason(reason).label


def unspecified_record_id(subject_record_id: str, reason: str) -> str:
    """The record id of the undisclosed party of one subject for one reason: one entity per
    (subject, reason), the same on every import, so a round trip creates nothing new."""
    record_id = f"unspecified:{reason}:{subject_record_id}"
    if len(record_id) > 255:
        record_id = f"unspecified:{reason}:" + hashlib.sha256(subject_record_id.encode()).hexdigest()
    return record_id


def unspecified_party_name(reason: str) -> str:
    return f"Undisclosed owner ({unspecified_reason_title(reason).lower()})"[:255]


def unspecified_record(entity: Entity) -> dict[str, str]:
    """The BODS Unspecified Record an undisclosed party is exported as."""
    record = {"reason": entity.unspecified_reason}
    if entity.unspecified_description:
        record["description"] = entity.unspecified_description
    return record


def statement_observed_on(statement: dict[str, Any]) -> datetime.date | None:
    """The date a statement states its facts: statementDate, else its publication date."""
    for value in (statement.get("statementDate"), (statement.get("publicationDetails") or {}).get("publicationDate")):
        if value:
            try:
                return datetime.date.fromisoformat(str(value))
            except ValueError:
                continue
    return None


# ---------------------------------------------------------------- statements -> fields


@dataclass(frozen=True)
class EntityFields:
    name: str
    kind: str
    category: str
    category_given: bool  # the statement said the category (our own export), not a default
    jurisdiction: str
    company_number: str
    charity_number: str
    identifiers: list[dict[str, str]] = field(default_factory=list)
    research_owner_type: str = ""


def company_number_normalise(value: str) -> str:
    """Companies House numbers are 8 characters, leading zeros included."""
    value = value.strip().upper().replace(" ", "")
    return value.zfill(8) if value.isdigit() else value


def _jurisdiction_code(value: Any) -> str:
    code = str(value.get("code", "")) if isinstance(value, dict) else ""
    return code[:2].upper() if len(code) == 2 or code[2:3] == "-" else ""


def _identifiers_split(identifiers: Iterable[dict[str, Any]]) -> tuple[str, str, list[dict[str, str]]]:
    company_number, charity_number, others = "", "", []
    for identifier in identifiers:
        scheme, value = identifier.get("scheme"), str(identifier.get("id", ""))
        number = company_number_normalise(value)
        if scheme == COMPANIES_HOUSE and not company_number and len(number) <= 8:
            company_number = number
        elif scheme == CHARITY_COMMISSION and not charity_number and len(value) <= 12:
            charity_number = value
        else:
            others.append({key: str(item) for key, item in identifier.items()})
    return company_number, charity_number, others


def _person_name(details: dict[str, Any]) -> str:
    names = details.get("names") or []
    for name in names:
        if name.get("fullName"):
            return str(name["fullName"])
    return "Unknown person"


def _category_of(details: dict[str, Any], kind: str) -> tuple[str, bool]:
    note = str((details.get("entityType") or {}).get("details", ""))
    found = _CATEGORY_NOTE.search(note)
    if found and found.group(1) in OwnerCategory.values:
        return found.group(1), True
    if kind == EntityKind.PERSON:
        return OwnerCategory.INDIVIDUAL, False
    if kind in (EntityKind.REGISTERED_ENTITY, EntityKind.LEGAL_ENTITY):
        return OwnerCategory.COMPANY, False
    return OwnerCategory.UNKNOWN, False


def entity_fields(statement: dict[str, Any]) -> EntityFields:
    """The Entity fields an entity or person statement declares."""
    details = statement["recordDetails"]
    if statement["recordType"] == "person":
        kind, name = EntityKind.PERSON.value, _person_name(details)
        nationalities = details.get("nationalities") or [{}]
        jurisdiction = _jurisdiction_code(nationalities[0])
    else:
        kind, name = details["entityType"]["type"], str(details.get("name") or "Unnamed entity")
        jurisdiction = _jurisdiction_code(details.get("jurisdiction"))
    company_number, charity_number, others = _identifiers_split(details.get("identifiers") or [])
    category, given = _category_of(details, kind)
    research = _RESEARCH_NOTE.search(str((details.get("entityType") or {}).get("details", "")))
    return EntityFields(
        name=name[:255],
        kind=kind,
        category=category,
        category_given=given,
        jurisdiction=jurisdiction,
        company_number=company_number,
        charity_number=charity_number,
        identifiers=others,
        research_owner_type=research.group(1) if research and research.group(1) in OwnerType.values else "",
    )


@dataclass(frozen=True)
class InterestFields:
    interest_type: str
    share_exact: Decimal | None = None
    share_minimum: Decimal | None = None
    share_maximum: Decimal | None = None
    share_exclusive_minimum: bool = False
    share_exclusive_maximum: bool = False
    direct: bool | None = None
    beneficial_ownership_or_control: bool | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _percentage(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(_SHARE_PLACES)


def _bound(share: dict[str, Any], inclusive: str, exclusive: str) -> tuple[Decimal | None, bool]:
    if exclusive in share:
        return _percentage(share[exclusive]), True
    return _percentage(share.get(inclusive)), False


_DIRECTNESS = {"direct": True, "indirect": False, "unknown": None}


def interest_fields(interest: dict[str, Any]) -> InterestFields:
    """The Interest fields of one interest of a relationship; ValueError says what is wrong."""
    share = interest.get("share") or {}
    minimum, exclusive_minimum = _bound(share, "minimum", "exclusiveMinimum")
    maximum, exclusive_maximum = _bound(share, "maximum", "exclusiveMaximum")
    start = datetime.date.fromisoformat(interest["startDate"]) if interest.get("startDate") else None
    end = datetime.date.fromisoformat(interest["endDate"]) if interest.get("endDate") else None
    if minimum is not None and maximum is not None and minimum > maximum:
        raise ValueError(f"share minimum {minimum} is above maximum {maximum}")
    if start and end and end < start:
        raise ValueError(f"endDate {end} is before startDate {start}")
    interest_type = interest.get("type", InterestType.UNKNOWN)
    if interest_type not in InterestType.values:
        raise ValueError(f"interest type {interest_type!r} is not one this register records")
    return InterestFields(
        interest_type=interest_type,
        share_exact=_percentage(share.get("exact")),
        share_minimum=minimum,
        share_maximum=maximum,
        share_exclusive_minimum=exclusive_minimum,
        share_exclusive_maximum=exclusive_maximum,
        direct=_DIRECTNESS.get(interest.get("directOrIndirect", "unknown")),
        beneficial_ownership_or_control=interest.get("beneficialOwnershipOrControl"),
        start_date=start,
        end_date=end,
    )


def interest_record_id(relationship_record_id: str, index: int) -> str:
    """The record id of the `index`th interest (from 0) of a relationship."""
    base = relationship_record_id
    if len(base) > 240:
        base = "relationship-" + hashlib.sha256(base.encode()).hexdigest()
    return f"{base}#{index}"


def relationship_record_id(record_id: str) -> tuple[str, int]:
    """The relationship an interest row belongs to, and its index in that relationship."""
    base, separator, index = record_id.rpartition("#")
    if separator and index.isdigit():
        return base, int(index)
    return record_id, 0


# ---------------------------------------------------------------- graph -> statements


def statement_id(record_id: str, record_type: str, record_status: str, details: dict[str, Any]) -> str:
    content = json.dumps([record_id, record_type, record_status, details], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(content.encode()).hexdigest()


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _jurisdiction(code: str) -> dict[str, str]:
    return {"name": _COUNTRY_NAMES.get(code, code), "code": code}


def _entity_details(entity: Entity) -> dict[str, Any]:
    identifiers = [{"scheme": COMPANIES_HOUSE, "id": entity.company_number}] if entity.company_number else []
    if entity.charity_number:
        identifiers.append({"scheme": CHARITY_COMMISSION, "id": entity.charity_number})
    identifiers.extend(entity.identifiers or [])
    note = f"Owner category: {entity.get_category_display()} ({entity.category})."
    if entity.research_owner_type:
        note += f" Research classification: {entity.get_research_owner_type_display()} ({entity.research_owner_type})."
    details: dict[str, Any] = {
        "isComponent": False,
        "entityType": {"type": entity.kind, "details": note},
        "name": entity.name,
    }
    if entity.jurisdiction:
        details["jurisdiction"] = _jurisdiction(entity.jurisdiction)
    if identifiers:
        details["identifiers"] = identifiers
    return details


def _person_details(entity: Entity) -> dict[str, Any]:
    details: dict[str, Any] = {
        "isComponent": False,
        "personType": "knownPerson",
        "names": [{"type": "legal", "fullName": entity.name}],
    }
    if entity.jurisdiction:
        details["nationalities"] = [_jurisdiction(entity.jurisdiction)]
    return details


def _share(interest: Interest) -> dict[str, int | float]:
    share: dict[str, int | float] = {}
    if interest.share_exact is not None:
        share["exact"] = _number(interest.share_exact)
    if interest.share_minimum is not None:
        share["exclusiveMinimum" if interest.share_exclusive_minimum else "minimum"] = _number(interest.share_minimum)
    if interest.share_maximum is not None:
        share["exclusiveMaximum" if interest.share_exclusive_maximum else "maximum"] = _number(interest.share_maximum)
    return share


def _interest_details(interest: Interest) -> dict[str, Any]:
    directness = {True: "direct", False: "indirect", None: "unknown"}[interest.direct]
    details: dict[str, Any] = {"type": interest.interest_type, "directOrIndirect": directness}
    if interest.beneficial_ownership_or_control is not None:
        details["beneficialOwnershipOrControl"] = interest.beneficial_ownership_or_control
    if share := _share(interest):
        details["share"] = share
    if interest.start_date:
        details["startDate"] = interest.start_date.isoformat()
    if interest.end_date:
        details["endDate"] = interest.end_date.isoformat()
    return details


def _statement(
    *,
    record_id: str,
    record_type: str,
    details: dict[str, Any],
    declaration_subject: str,
    statement_date: datetime.date,
    source: str,
    publication: dict[str, Any],
) -> dict[str, Any]:
    status = "new"
    statement: dict[str, Any] = {
        "statementId": statement_id(record_id, record_type, status, details),
        "declarationSubject": declaration_subject,
        "statementDate": statement_date.isoformat(),
        "publicationDetails": publication,
        "recordId": record_id,
        "recordType": record_type,
        "recordStatus": status,
        "recordDetails": details,
    }
    if source:
        statement["source"] = {"type": ["thirdParty"], "description": source}
    return statement


def _party_reference(entity: Entity) -> str | dict[str, str]:
    return unspecified_record(entity) if entity.unspecified_reason else entity.record_id


def _relationship_date(interests: list[Interest]) -> datetime.date:
    """When the source stated the relationship, else when we first recorded it."""
    observed = [interest.observed_on for interest in interests if interest.observed_on]
    return max(observed) if observed else min(interest.created_at for interest in interests).date()


def statements_build(
    entities: list[Entity], interests: list[Interest], publication_date: datetime.date
) -> list[dict[str, Any]]:
    """The graph as BODS 0.4 statements: entities and persons first, then relationships, each
    relationship gathering the interest rows read from it. An undisclosed party is no entity
    statement: its relationships name it as an Unspecified Record."""
    publication = {
        "publicationDate": publication_date.isoformat(),
        "bodsVersion": BODS_VERSION,
        "publisher": {"name": PUBLISHER_NAME},
    }
    entities = [entity for entity in entities if not entity.unspecified_reason]
    statements = [
        _statement(
            record_id=entity.record_id,
            record_type="person" if entity.kind == EntityKind.PERSON else "entity",
            details=_person_details(entity) if entity.kind == EntityKind.PERSON else _entity_details(entity),
            declaration_subject=entity.record_id,
            statement_date=entity.created_at.date(),
            source=entity.source,
            publication=publication,
        )
        for entity in entities
    ]
    relationships: dict[str, list[tuple[int, Interest]]] = {}
    for interest in interests:
        base, index = relationship_record_id(interest.record_id)
        relationships.setdefault(base, []).append((index, interest))
    for record_id, members in sorted(relationships.items()):
        ordered = [interest for _, interest in sorted(members, key=lambda member: member[0])]
        first = ordered[0]
        details = {
            "isComponent": False,
            "subject": first.subject.record_id,
            "interestedParty": _party_reference(first.interested_party),
            "interests": [_interest_details(interest) for interest in ordered],
        }
        statements.append(
            _statement(
                record_id=record_id,
                record_type="relationship",
                details=details,
                declaration_subject=first.subject.record_id,
                statement_date=_relationship_date(ordered),
                source=first.source,
                publication=publication,
            )
        )
    return statements
